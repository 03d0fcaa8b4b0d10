// Dead letters: rows that failed validation are kept with where they came from and why, never silently dropped.
// Every source (files, Kafka, gRPC ingest) writes them through the same small sink interface.
import { createWriteStream, type WriteStream } from 'node:fs';

/**
 * One rejected row. `source` names where it came from (a file path, a topic/partition); `row` is the 1-based
 * line number in text files (CSV counts the header as line 1), the 1-based row index in Parquet/Arrow and in
 * in-memory arrays. `reason` is "<stable category>: <detail>", e.g. "invalid imsi: '46000123' is not 15 digits";
 * the category (text before the first ':') is what `countsByReason` groups by.
 */
export interface DeadLetter {
  source: string;
  row: number;
  reason: string;
  raw: string;
}

export interface DeadLetterSink {
  add(letter: DeadLetter): void;
  readonly count: number;
  countsByReason(): Map<string, number>;
  close(): Promise<void>;
}

/** The stable category of a reason: the text before the first ': '. */
export function reasonCategory(reason: string): string {
  const i = reason.indexOf(': ');
  return i < 0 ? reason : reason.slice(0, i);
}

/** Raw text is capped so one pathological row (a 100 MB line) cannot blow up the dead-letter output. */
export const MAX_RAW_CHARS = 4096;

function capRaw(raw: string): string {
  return raw.length > MAX_RAW_CHARS ? `${raw.slice(0, MAX_RAW_CHARS)}…(${raw.length} chars)` : raw;
}

class ReasonCounter {
  total = 0;
  readonly byReason = new Map<string, number>();
  add(reason: string): void {
    this.total++;
    const cat = reasonCategory(reason);
    this.byReason.set(cat, (this.byReason.get(cat) ?? 0) + 1);
  }
}

/** Keeps letters in memory: for tests, and for the store to drain into its dead-letter table. */
export class DeadLetterMemory implements DeadLetterSink {
  readonly letters: DeadLetter[] = [];
  private readonly counter = new ReasonCounter();

  add(letter: DeadLetter): void {
    this.counter.add(letter.reason);
    this.letters.push({ ...letter, raw: capRaw(letter.raw) });
  }

  get count(): number {
    return this.counter.total;
  }

  countsByReason(): Map<string, number> {
    return new Map(this.counter.byReason);
  }

  /** Removes and returns the letters collected so far (counts keep their totals). */
  drain(): DeadLetter[] {
    return this.letters.splice(0, this.letters.length);
  }

  async close(): Promise<void> {}
}

/** Flush threshold for the JSONL buffer: large enough to batch syscalls, small enough to bound memory. */
const FLUSH_CHARS = 1 << 20;

/** Appends letters to a JSONL file, one JSON object per line, with buffered writes. */
export class DeadLetterFile implements DeadLetterSink {
  readonly path: string;
  private readonly out: WriteStream;
  private readonly counter = new ReasonCounter();
  private buffer: string[] = [];
  private bufferedChars = 0;
  private error: Error | null = null;
  private closed = false;

  constructor(path: string, opts: { append?: boolean } = {}) {
    this.path = path;
    this.out = createWriteStream(path, { flags: opts.append ? 'a' : 'w' });
    // A write error (disk full, bad path) surfaces on close() instead of crashing the process.
    this.out.on('error', (e) => {
      this.error ??= e;
    });
  }

  add(letter: DeadLetter): void {
    if (this.closed) throw new Error(`dead-letter file ${this.path} is closed`);
    this.counter.add(letter.reason);
    const line = JSON.stringify({ ...letter, raw: capRaw(letter.raw) });
    this.buffer.push(line);
    this.bufferedChars += line.length + 1;
    if (this.bufferedChars >= FLUSH_CHARS) this.flush();
  }

  get count(): number {
    return this.counter.total;
  }

  countsByReason(): Map<string, number> {
    return new Map(this.counter.byReason);
  }

  private flush(): void {
    if (this.buffer.length === 0) return;
    this.out.write(this.buffer.join('\n') + '\n');
    this.buffer = [];
    this.bufferedChars = 0;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.flush();
    await new Promise<void>((resolve) => this.out.end(() => resolve()));
    if (this.error) throw new Error(`dead-letter file ${this.path}: ${this.error.message}`);
  }
}
