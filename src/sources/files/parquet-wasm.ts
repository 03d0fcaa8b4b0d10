// parquet-wasm's Node build is CommonJS; load it once, lazily (instantiating the wasm module costs ~50 ms).
import { tableToIPC, type Table } from 'apache-arrow';
import { createRequire } from 'node:module';

export type ParquetWasm = typeof import('parquet-wasm/node');
let loaded: ParquetWasm | null = null;

export function parquetWasm(): ParquetWasm {
  if (!loaded) loaded = createRequire(import.meta.url)('parquet-wasm/node') as ParquetWasm;
  return loaded;
}

/**
 * Streams Arrow tables through parquet-wasm's encoder into `sink`, with back-pressure: `push` waits while the
 * encoder still holds the previous batch. Shared by the record writer and the feature writer.
 */
export class ParquetStream {
  private controller!: ReadableStreamDefaultController<unknown>;
  private pulled: (() => void) | null = null;
  private readonly done: Promise<void>;
  failure: Error | null = null;

  constructor(
    props: ReturnType<InstanceType<ParquetWasm['WriterPropertiesBuilder']>['build']>,
    sink: { write(chunk: Uint8Array): Promise<void>; close(): Promise<void> },
  ) {
    const pw = parquetWasm();
    const input = new ReadableStream<unknown>(
      {
        start: (c) => {
          this.controller = c;
        },
        pull: () => {
          this.pulled?.();
          this.pulled = null;
        },
      },
      { highWaterMark: 1 },
    );
    this.done = (async () => {
      const output = await pw.transformParquetStream(input as ReadableStream, props);
      for await (const chunk of output as unknown as AsyncIterable<Uint8Array>) await sink.write(chunk);
      await sink.close();
    })().catch((e) => {
      this.failure ??= e as Error;
    });
  }

  async push(table: Table): Promise<void> {
    const wasm = parquetWasm().Table.fromIPCStream(tableToIPC(table, 'stream'));
    for (const rb of wasm.recordBatches()) this.controller.enqueue(rb);
    if ((this.controller.desiredSize ?? 1) <= 0) await Promise.race([new Promise<void>((r) => (this.pulled = r)), this.done]);
  }

  /** Ends the stream and waits for the last bytes; check `failure` afterwards. */
  async close(): Promise<void> {
    this.controller.close();
    await this.done;
  }
}
