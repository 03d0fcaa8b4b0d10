// Reading CSV/TSV prediction input the way LightGBM's command line does (io/parser.cpp): the delimiter is
// detected from the first data line (tab, else comma), one column is the label and is skipped, the others are
// features in order. LightGBM keeps only values with |v| > kZeroThreshold (or NaN) in its sparse row and fills
// the rest with 0, so tiny values and absent trailing columns become exactly 0; "na"/"nan"/"null" and empty
// fields are NaN (missing).
import { ZERO_THRESHOLD } from './native-scorer.js';

export type Delimiter = '\t' | ',';

export class DataFormatError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`data line ${line}: ${message}`);
    this.name = 'DataFormatError';
  }
}

const MISSING_TOKENS = new Set(['', 'na', 'nan', 'null', 'none', 'n/a', '?', '-nan', '+nan']);
const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function detectDelimiter(line: string): Delimiter {
  return line.includes('\t') ? '\t' : ',';
}

/** One field → feature value with LightGBM's rules; throws on a token that is neither a number nor missing. */
export function parseFieldValue(field: string, lineNo: number): number {
  let token = field.trim();
  if (token.length >= 2 && token.charCodeAt(0) === 34 && token.charCodeAt(token.length - 1) === 34) token = token.slice(1, -1);
  if (NUMBER_RE.test(token)) {
    const v = Number(token);
    return v >= -ZERO_THRESHOLD && v <= ZERO_THRESHOLD ? 0 : v;
  }
  const lower = token.toLowerCase();
  if (MISSING_TOKENS.has(lower)) return NaN;
  if (lower === 'inf' || lower === '+inf' || lower === 'infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  throw new DataFormatError(lineNo, `'${field.slice(0, 40)}' is not a number`);
}

/**
 * Parses one data line into `out[offset .. offset+numFeatures)`. `labelColumn` < 0 means every column is a
 * feature. Columns beyond the model's features are ignored, missing trailing columns are 0 (as in LightGBM).
 */
export function parseDataLine(
  line: string,
  delimiter: Delimiter,
  labelColumn: number,
  numFeatures: number,
  out: Float64Array,
  offset: number,
  lineNo: number,
): void {
  out.fill(0, offset, offset + numFeatures);
  let column = 0;
  let feature = 0;
  let start = 0;
  const n = line.length;
  while (start <= n) {
    let end = line.indexOf(delimiter, start);
    if (end < 0) end = n;
    if (column !== labelColumn) {
      if (feature < numFeatures) out[offset + feature] = parseFieldValue(line.slice(start, end), lineNo);
      feature++;
    }
    column++;
    start = end + 1;
  }
}

/** Resolves `--label-column`: an index, or `name:COL` against the header; -1 for "no label column". */
export function resolveLabelColumn(spec: string | undefined, headerFields: string[] | null): number {
  if (spec === undefined || spec === '') return 0;
  if (spec.startsWith('name:')) {
    const name = spec.slice(5);
    if (!headerFields) throw new Error(`--label-column ${spec} needs --header`);
    const idx = headerFields.indexOf(name);
    if (idx < 0) throw new Error(`--label-column: no column named '${name}' in the header`);
    return idx;
  }
  const v = Number(spec);
  if (!Number.isInteger(v) || v < -1) throw new Error(`--label-column must be a column index, -1 or name:COL, got '${spec}'`);
  return v;
}
