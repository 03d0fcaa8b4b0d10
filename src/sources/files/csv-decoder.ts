// CSV → S1 batches, parsing bytes straight into the row stage (no per-row objects, no split()). The header row
// names DESIGN.md §3 columns in any order; an empty field is null, a quoted empty field ("") an empty string;
// quoted fields may hold commas, doubled quotes and newlines; times are epoch ms or ISO-8601.
import type { RecordBatch } from 'apache-arrow';
import { S1_COLUMNS, S1_COLUMN_INDEX, REQUIRED_COLUMNS } from '../../schema/record.js';
import { S1BatchBuilder } from '../../schema/s1-batch-builder.js';
import { COLUMN_KIND, KIND_ENUM, KIND_UTF8, RowStage } from '../../schema/record-validation.js';
import type { VendorCodeMap } from '../../schema/vendor-codes.js';
import { DeadLetterMemory, type DeadLetterSink } from '../dead-letters.js';
import { RecordFileError } from './format.js';
import { RowCollector, type RowCounts } from './row-collector.js';
import type { XdrIdSet } from './xdr-id-set.js';

const COMMA = 44;
const QUOTE = 34;
const LF = 10;
const CR = 13;
const FLAG_QUOTED = 1;
const FLAG_ESCAPED = 2;

const utf8 = new TextDecoder();
const textEncoder = new TextEncoder();

/** Vocabulary names as bytes per enum column, for matching fields without making strings. */
const ENUM_BYTES: (Uint8Array[] | null)[] = S1_COLUMNS.map((c) =>
  c.vocabulary ? c.vocabulary.map((v) => textEncoder.encode(v)) : null,
);

/** What a header row maps to; built once per file. */
export interface CsvHeader {
  /** file column position → S1 column position, or -1 for unknown columns (kept out). */
  readonly columnOf: Int32Array;
  readonly unknownColumns: string[];
}

/** Maps header names onto S1 columns; throws RecordFileError for a header hotspot cannot use. */
export function resolveCsvHeader(source: string, names: string[]): CsvHeader {
  if (names.length === 1) {
    const only = names[0];
    for (const [sep, label] of [
      [';', 'semicolons'],
      ['\t', 'tabs'],
      ['|', 'pipes'],
    ] as const) {
      if (only.includes(sep)) {
        throw new RecordFileError(source, `wrong delimiter: the header row is separated by ${label}; CSV records must be comma-separated`);
      }
    }
  }
  const columnOf = new Int32Array(names.length).fill(-1);
  const unknownColumns: string[] = [];
  const seen = new Set<number>();
  names.forEach((raw, i) => {
    const name = raw.trim();
    const c = S1_COLUMN_INDEX.get(name) ?? S1_COLUMN_INDEX.get(name.toLowerCase());
    if (c === undefined) {
      unknownColumns.push(name);
      return;
    }
    if (seen.has(c)) throw new RecordFileError(source, `column '${S1_COLUMNS[c].name}' appears twice in the header row`);
    seen.add(c);
    columnOf[i] = c;
  });
  const missing = REQUIRED_COLUMNS.filter((n) => !seen.has(S1_COLUMN_INDEX.get(n)!));
  if (missing.length > 0) {
    const hint = seen.size === 0 ? ' (the first line must be a header row of S1 column names)' : '';
    throw new RecordFileError(
      source,
      `missing required column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `'${m}'`).join(', ')}${hint}`,
    );
  }
  return { columnOf, unknownColumns };
}

export interface CsvDecoderOptions {
  source: string;
  collector: RowCollector;
  /** A header known in advance (Kafka messages without a header line); otherwise the first row is the header. */
  header?: string[];
  /** Line number of the first line pushed (default 1). */
  firstLine?: number;
  /** Called once with the unknown columns of the header. */
  onUnknownColumns?: (names: string[]) => void;
}

/**
 * Incremental CSV decoder: `push` parses every complete row of a buffer and returns where the unconsumed tail
 * starts (a row cut by the chunk boundary); the caller prepends that tail to the next chunk.
 */
export class CsvRecordDecoder {
  private readonly source: string;
  private readonly collector: RowCollector;
  private readonly stage: RowStage;
  private readonly onUnknownColumns?: (names: string[]) => void;
  private header: CsvHeader | null = null;
  /** Line number (1-based) where the next row starts. */
  private line = 1;
  private starts = new Int32Array(64);
  private ends = new Int32Array(64);
  private flags = new Uint8Array(64);
  // The current row's bytes, for its dead letter; one closure for all rows (no allocation per row).
  private rowBuf: Uint8Array = new Uint8Array(0);
  private rowStart = 0;
  private rowEnd = 0;
  private readonly rawRow = (): string => utf8.decode(this.rowBuf.subarray(this.rowStart, this.rowEnd));

  constructor(opts: CsvDecoderOptions) {
    this.source = opts.source;
    this.collector = opts.collector;
    this.stage = opts.collector.stage;
    this.onUnknownColumns = opts.onUnknownColumns;
    this.line = opts.firstLine ?? 1;
    if (opts.header) this.setHeader(opts.header);
  }

  get hasHeader(): boolean {
    return this.header !== null;
  }

  private setHeader(names: string[]): void {
    this.header = resolveCsvHeader(this.source, names);
    if (this.header.unknownColumns.length > 0) this.onUnknownColumns?.(this.header.unknownColumns);
    const n = names.length + 1;
    if (this.starts.length < n) {
      this.starts = new Int32Array(n);
      this.ends = new Int32Array(n);
      this.flags = new Uint8Array(n);
    }
  }

  /** Parses complete rows of buf[from..]; when `final`, the last row may end without a newline. */
  push(buf: Uint8Array, from: number, final: boolean): number {
    const n = buf.length;
    let p = from;
    let { starts, ends, flags } = this;
    while (p < n) {
      const rowStart = p;
      let nf = 0;
      let newlines = 0;
      let malformed = false;
      let rowEnd = -1; // exclusive end of the row's text, before its line break
      for (;;) {
        let s: number;
        let e: number;
        let flag = 0;
        if (p < n && buf[p] === QUOTE) {
          flag = FLAG_QUOTED;
          s = ++p;
          for (;;) {
            if (p >= n) {
              if (!final) return rowStart;
              malformed = true; // unterminated quote at end of file
              break;
            }
            const c = buf[p];
            if (c === QUOTE) {
              if (p + 1 >= n && !final) return rowStart;
              if (buf[p + 1] === QUOTE) {
                flag |= FLAG_ESCAPED;
                p += 2;
                continue;
              }
              break;
            }
            if (c === LF) newlines++;
            p++;
          }
          e = p;
          if (p < n) p++; // closing quote
          if (p < n && buf[p] === CR && buf[p + 1] === LF) p++;
          if (p < n && buf[p] !== COMMA && buf[p] !== LF) {
            malformed = true; // text after a closing quote: skip to the end of the line
            while (p < n && buf[p] !== LF) p++;
          }
        } else {
          s = p;
          while (p < n) {
            const c = buf[p];
            if (c === COMMA || c === LF) break;
            p++;
          }
          e = p;
          if (p < n ? buf[p] === LF : true) {
            if (e > s && buf[e - 1] === CR) e--;
          }
        }
        if (p >= n && !final) return rowStart;
        if (nf === starts.length) {
          this.growFields();
          ({ starts, ends, flags } = this);
        }
        starts[nf] = s;
        ends[nf] = e;
        flags[nf] = flag;
        nf++;
        if (p < n && buf[p] === COMMA) {
          p++;
          continue;
        }
        rowEnd = p < n && p > rowStart && buf[p - 1] === CR ? p - 1 : p;
        if (p < n) p++; // the line feed
        break;
      }
      const rowLine = this.line;
      this.line += 1 + newlines;
      if (nf === 1 && ends[0] === starts[0] && flags[0] === 0) continue; // blank line
      if (this.header === null) {
        if (malformed) throw new RecordFileError(this.source, 'malformed header row (unbalanced quotes)');
        const names: string[] = [];
        for (let i = 0; i < nf; i++) names.push(this.fieldText(buf, i));
        if (names.length > 0 && names[0].charCodeAt(0) === 0xfeff) names[0] = names[0].slice(1); // BOM
        this.setHeader(names);
        continue;
      }
      this.rowBuf = buf;
      this.rowStart = rowStart;
      this.rowEnd = rowEnd;
      const raw = this.rawRow;
      if (malformed) {
        this.collector.reject(rowLine, 'malformed csv: unbalanced or misplaced quote', raw());
      } else if (nf !== this.header.columnOf.length) {
        this.collector.reject(
          rowLine,
          `wrong field count: expected ${this.header.columnOf.length} fields, got ${nf}`,
          raw(),
        );
      } else {
        this.stageRow(buf, nf);
        this.collector.accept(rowLine, raw);
      }
    }
    return p;
  }

  /** Call at end of input: a file without any header row cannot be read. */
  end(): void {
    if (this.header === null) throw new RecordFileError(this.source, 'empty file: no header row');
  }

  private growFields(): void {
    const n = this.starts.length * 2;
    const starts = new Int32Array(n);
    const ends = new Int32Array(n);
    const flags = new Uint8Array(n);
    starts.set(this.starts);
    ends.set(this.ends);
    flags.set(this.flags);
    this.starts = starts;
    this.ends = ends;
    this.flags = flags;
  }

  private fieldText(buf: Uint8Array, i: number): string {
    const text = utf8.decode(buf.subarray(this.starts[i], this.ends[i]));
    return this.flags[i] & FLAG_ESCAPED ? text.replaceAll('""', '"') : text;
  }

  private stageRow(buf: Uint8Array, nf: number): void {
    const stage = this.stage;
    stage.reset();
    const columnOf = this.header!.columnOf;
    const starts = this.starts;
    const ends = this.ends;
    const flags = this.flags;
    for (let i = 0; i < nf; i++) {
      const col = columnOf[i];
      if (col < 0) continue;
      const s = starts[i];
      const e = ends[i];
      const flag = flags[i];
      if (s === e && flag === 0) continue; // empty field = null
      const kind = COLUMN_KIND[col];
      if (kind === KIND_UTF8) {
        if (flag & FLAG_ESCAPED) {
          const text = this.fieldText(buf, i);
          stage.setText(col, text);
        } else stage.setBytes(col, buf, s, e);
      } else if (kind === KIND_ENUM) {
        const code = matchVocabulary(ENUM_BYTES[col]!, buf, s, e);
        if (code >= 0) stage.setEnumCode(col, code);
        else stage.setEnumName(col, this.fieldText(buf, i)); // vendor code or an error
      } else {
        if (s === e) continue; // "" in a numeric column is null too
        // Plain decimal integer: the common case, parsed from bytes.
        let q = s;
        const neg = buf[q] === 45;
        if (neg) q++;
        let v = 0;
        let ok = q < e && e - q <= 16;
        for (; ok && q < e; q++) {
          const d = buf[q] - 48;
          if (d < 0 || d > 9) ok = false;
          else v = v * 10 + d;
        }
        if (ok) stage.setNumber(col, neg ? -v : v);
        else stage.setNumberText(col, this.fieldText(buf, i)); // ISO time, status name, or an error
      }
    }
  }
}

function matchVocabulary(vocab: Uint8Array[], buf: Uint8Array, s: number, e: number): number {
  const len = e - s;
  for (let k = 0; k < vocab.length; k++) {
    const w = vocab[k];
    if (w.length !== len) continue;
    let j = 0;
    while (j < len && w[j] === buf[s + j]) j++;
    if (j === len) return k;
  }
  return -1;
}

export interface DecodeOptions {
  /** Name used in dead letters (topic/partition, file). */
  source?: string;
  deadLetters?: DeadLetterSink;
  vendorCodes?: VendorCodeMap;
  /** Keep one set across calls to detect duplicates across messages; null disables detection. */
  xdrIds?: XdrIdSet | null;
  /** Row number of the first element (dead letters report firstRow + index); default 1. */
  firstRow?: number;
}

export interface DecodeResult extends RowCounts {
  /** Accepted rows as one S1 batch (possibly empty). */
  batch: RecordBatch;
  deadLetters: DeadLetterSink;
  unknownColumns: string[];
}

/** Decodes CSV lines (no header line among them) with a known header into one S1 batch + dead letters. */
export function decodeCsvLines(lines: readonly string[], header: string | readonly string[], opts: DecodeOptions = {}): DecodeResult {
  const source = opts.source ?? 'csv';
  const deadLetters = opts.deadLetters ?? new DeadLetterMemory();
  const collector = new RowCollector({
    source,
    batchSize: Math.max(1, lines.length),
    deadLetters,
    vendorCodes: opts.vendorCodes,
    xdrIds: opts.xdrIds,
  });
  let unknownColumns: string[] = [];
  const names = typeof header === 'string' ? splitHeaderLine(header) : [...header];
  const decoder = new CsvRecordDecoder({
    source,
    collector,
    header: names,
    firstLine: opts.firstRow ?? 1,
    onUnknownColumns: (u) => (unknownColumns = u),
  });
  const text = lines.join('\n');
  decoder.push(textEncoder.encode(text), 0, true);
  collector.flush();
  const ready = collector.takeReady();
  return { batch: ready[0] ?? emptyS1Batch(), deadLetters, unknownColumns, ...collector.counts };
}

function splitHeaderLine(line: string): string[] {
  return line.replace(/\r$/, '').split(',').map((s) => s.replace(/^"(.*)"$/, '$1'));
}

export function emptyS1Batch(): RecordBatch {
  return new S1BatchBuilder(0).finish();
}
