// Record file formats by extension, and the one error a file that cannot be read at all raises.

export type RecordFormat = 'csv' | 'jsonl' | 'parquet' | 'arrow';

/** A file that cannot be read at all. The message always starts "file <path>: <problem>". */
export class RecordFileError extends Error {
  readonly path: string;
  constructor(path: string, problem: string) {
    super(`file ${path}: ${problem}`);
    this.name = 'RecordFileError';
    this.path = path;
  }
}

const EXTENSIONS: ReadonlyArray<readonly [string, RecordFormat]> = [
  ['.csv', 'csv'],
  ['.jsonl', 'jsonl'],
  ['.ndjson', 'jsonl'],
  ['.json', 'jsonl'],
  ['.parquet', 'parquet'],
  ['.pq', 'parquet'],
  ['.arrow', 'arrow'],
  ['.arrows', 'arrow'],
  ['.ipc', 'arrow'],
  ['.feather', 'arrow'],
];

/** The format of a record file by its extension (case-insensitive). */
export function formatOfPath(path: string): RecordFormat {
  const lower = path.toLowerCase();
  for (const [ext, format] of EXTENSIONS) if (lower.endsWith(ext)) return format;
  throw new RecordFileError(
    path,
    'unknown record file extension (expected .csv, .jsonl/.json, .parquet, .arrow/.arrows/.ipc/.feather)',
  );
}

/** Arrow IPC *stream* (vs. file with footer) by extension: `.arrows` and `.ipc` are streams. */
export function isArrowStreamPath(path: string): boolean {
  const lower = path.toLowerCase();
  return lower.endsWith('.arrows') || lower.endsWith('.ipc');
}

/** Wraps anything thrown by a library into a RecordFileError naming the file (no stack traces for users). */
export function asRecordFileError(path: string, e: unknown, what: string): RecordFileError {
  if (e instanceof RecordFileError) return e;
  const code = (e as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT') return new RecordFileError(path, 'no such file');
  if (code === 'EACCES') return new RecordFileError(path, 'permission denied');
  if (code === 'EISDIR') return new RecordFileError(path, 'is a directory, not a file');
  const msg = e instanceof Error ? e.message : String(e);
  return new RecordFileError(path, `${what} (${msg.split('\n')[0]})`);
}

/** Recognises other formats by their first bytes, to tell the user what the file really is. */
export function sniffBinaryFormat(head: Uint8Array): string | null {
  const ascii = (s: string, at = 0) => [...s].every((ch, i) => head[at + i] === ch.charCodeAt(0));
  if (ascii('PAR1')) return 'a Parquet file';
  if (ascii('ARROW1')) return 'an Arrow IPC file';
  if (head[0] === 0xff && head[1] === 0xff && head[2] === 0xff && head[3] === 0xff) return 'an Arrow IPC stream';
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip-compressed data (decompress it first)';
  if (ascii('PK\u0003\u0004')) return 'a zip archive';
  return null;
}

/** Position of the first byte that makes this look like binary rather than text (NUL or invalid UTF-8), or -1. */
export function firstBinaryByte(head: Uint8Array): number {
  const n = head.length;
  for (let i = 0; i < n; i++) {
    const c = head[i];
    if (c === 0) return i;
    if (c < 0x80) continue;
    // Validate one UTF-8 sequence; a sequence cut by the end of the sample is fine.
    const len = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c <= 0xdf ? 2 : 0;
    if (len === 0 || c > 0xf4) return i;
    for (let k = 1; k < len; k++) {
      if (i + k >= n) return -1;
      if ((head[i + k] & 0xc0) !== 0x80) return i;
    }
    i += len - 1;
  }
  return -1;
}
