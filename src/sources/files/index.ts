// Record and side files: the public face of src/sources/files.
export { type RecordFormat, formatOfPath, RecordFileError } from './format.js';
export { type RecordWriter, openRecordWriter, PARQUET_ROW_GROUP_ROWS } from './record-writer.js';
export { type ReadOptions, type ReadStats, readRecords } from './record-reader.js';
export {
  readTopology,
  readComplaints,
  readSubscribers,
  writeTopology,
  writeComplaints,
  writeSubscribers,
  type SideFileOptions,
} from './side-files.js';
export { decodeCsvLines, type DecodeOptions, type DecodeResult, CsvRecordDecoder } from './csv-decoder.js';
export { decodeJsonRecords, JsonlRecordDecoder } from './json-decoder.js';
export { normalizeBatch, isS1Schema, S1SchemaError } from './normalize-batch.js';
export { XdrIdSet } from './xdr-id-set.js';
export { DEFAULT_BATCH_SIZE } from './row-collector.js';
