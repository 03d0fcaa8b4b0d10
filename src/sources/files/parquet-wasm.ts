// parquet-wasm's Node build is CommonJS; load it once, lazily (instantiating the wasm module costs ~50 ms).
import { createRequire } from 'node:module';

export type ParquetWasm = typeof import('parquet-wasm/node');
let loaded: ParquetWasm | null = null;

export function parquetWasm(): ParquetWasm {
  if (!loaded) loaded = createRequire(import.meta.url)('parquet-wasm/node') as ParquetWasm;
  return loaded;
}
