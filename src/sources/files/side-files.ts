// Side files of DESIGN.md §3 (topology, complaints, subscribers): small CSV files read whole and validated
// with zod row by row. Topology rows are all-or-nothing (a wrong cell map corrupts every region); bad
// complaint/subscriber rows go to a dead-letter sink when one is given, otherwise they fail the read.
import { readFile, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import {
  COMPLAINT_CATEGORIES,
  buildTopology,
  type Cell,
  type Complaint,
  type Subscriber,
  type Topology,
} from '../../schema/side-files.js';
import { parseTimeText } from '../../schema/record-validation.js';
import type { DeadLetterSink } from '../dead-letters.js';
import { RecordFileError, asRecordFileError, firstBinaryByte, sniffBinaryFormat } from './format.js';

/** Splits CSV text into rows of fields (quotes, doubled quotes, CRLF); `line` is each row's first line. */
export function parseCsvText(text: string): { fields: string[]; line: number; raw: string }[] {
  const rows: { fields: string[]; line: number; raw: string }[] = [];
  let i = 0;
  let line = 1;
  const n = text.length;
  while (i < n) {
    const start = i;
    const startLine = line;
    const fields: string[] = [];
    for (;;) {
      let value = '';
      if (text[i] === '"') {
        i++;
        for (;;) {
          const q = text.indexOf('"', i);
          if (q < 0) {
            value += text.slice(i);
            i = n;
            break;
          }
          value += text.slice(i, q);
          for (let k = i; k < q; k++) if (text.charCodeAt(k) === 10) line++;
          if (text[q + 1] === '"') {
            value += '"';
            i = q + 2;
          } else {
            i = q + 1;
            break;
          }
        }
        while (i < n && text[i] !== ',' && text[i] !== '\n') i++;
      } else {
        let e = i;
        while (e < n && text[e] !== ',' && text[e] !== '\n') e++;
        value = text.slice(i, e);
        i = e;
      }
      fields.push(value.endsWith('\r') ? value.slice(0, -1) : value);
      if (i < n && text[i] === ',') {
        i++;
        continue;
      }
      break;
    }
    const raw = text.slice(start, i).replace(/\r$/, '');
    if (i < n) i++; // newline
    line++;
    if (fields.length === 1 && fields[0] === '') continue;
    rows.push({ fields, line: startLine, raw });
  }
  return rows;
}

async function readCsvTable(path: string, required: readonly string[], optional: readonly string[]) {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw asRecordFileError(path, e, 'cannot read');
  }
  const other = sniffBinaryFormat(bytes.subarray(0, 8));
  if (other) throw new RecordFileError(path, `not CSV text: the content is ${other}`);
  const bad = firstBinaryByte(bytes.subarray(0, 65_536));
  if (bad >= 0) throw new RecordFileError(path, `not CSV text: binary data at byte ${bad}`);
  const rows = parseCsvText(bytes.toString('utf8').replace(/^\ufeff/, ''));
  if (rows.length === 0) throw new RecordFileError(path, 'empty file: no header row');
  const header = rows[0].fields.map((h) => h.trim());
  if (header.length === 1 && /[;\t|]/.test(header[0])) {
    throw new RecordFileError(path, 'wrong delimiter: the header row is not comma-separated');
  }
  const missing = required.filter((c) => !header.includes(c));
  if (missing.length > 0) {
    throw new RecordFileError(path, `missing required column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `'${m}'`).join(', ')}`);
  }
  const known = new Set([...required, ...optional]);
  const unknown = header.filter((h) => !known.has(h));
  const records = rows.slice(1).map((r) => {
    const obj: Record<string, string> = {};
    header.forEach((h, k) => {
      if (known.has(h) && r.fields[k] !== undefined && r.fields[k] !== '') obj[h] = r.fields[k];
    });
    return { obj, line: r.line, raw: r.raw, fieldCount: r.fields.length };
  });
  return { header, records, unknown };
}

const intText = (min: number, max: number) =>
  z
    .string()
    .regex(/^-?\d+$/, 'not an integer')
    .transform(Number)
    .pipe(z.number().min(min, `below ${min}`).max(max, `above ${max}`));
const numberText = (min: number, max: number) =>
  z
    .string()
    .refine((s) => s.trim() !== '' && Number.isFinite(Number(s)), 'not a number')
    .transform(Number)
    .pipe(z.number().min(min, `below ${min}`).max(max, `above ${max}`));
const timeText = z.string().transform((s, ctx) => {
  const t = parseTimeText(s);
  if (Number.isNaN(t)) {
    ctx.addIssue({ code: 'custom', message: 'neither epoch ms nor ISO-8601' });
    return z.NEVER;
  }
  return t;
});

const CellRow = z.object({
  eci: intText(0, 2 ** 28 - 1),
  enb_id: intText(0, 2 ** 20 - 1),
  tac: intText(0, 0xffff),
  cell_name: z.string().default(''),
  region: z.string().min(1, 'empty'),
  lat: numberText(-90, 90),
  lon: numberText(-180, 180),
});
const ComplaintRow = z.object({
  complaint_id: z.string().min(1),
  time: timeText,
  msisdn: z.string().min(1),
  category: z.enum(COMPLAINT_CATEGORIES),
  region: z.string().optional(),
});
const SubscriberRow = z.object({
  imsi: z.string().regex(/^\d{15}$/, 'not 15 digits'),
  msisdn: z.string().default(''),
  vip_level: intText(0, 255).default(0),
  opt_out: z
    .enum(['0', '1', 'true', 'false', 'yes', 'no', 'TRUE', 'FALSE'])
    .transform((v) => v === '1' || v.toLowerCase() === 'true' || v === 'yes')
    .default(false),
});

function issueReason(error: z.ZodError): string {
  const issue = error.issues[0];
  const col = issue.path[0];
  return col === undefined ? `invalid row: ${issue.message}` : `invalid ${String(col)}: ${issue.message}`;
}

export interface SideFileOptions {
  /** Where rejected rows go; without it the first bad row fails the read. */
  deadLetters?: DeadLetterSink;
  onWarning?: (msg: string) => void;
}

async function readSideFile<S extends z.ZodType, T>(
  path: string,
  schema: S,
  columns: { required: readonly string[]; optional: readonly string[] },
  toValue: (row: z.output<S>) => T,
  opts: SideFileOptions,
): Promise<T[]> {
  const { header, records, unknown } = await readCsvTable(path, columns.required, columns.optional);
  if (unknown.length > 0) opts.onWarning?.(`file ${path}: ignoring unknown column${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`);
  const out: T[] = [];
  for (const r of records) {
    let reason: string | null = null;
    if (r.fieldCount !== header.length) reason = `wrong field count: expected ${header.length} fields, got ${r.fieldCount}`;
    else {
      const parsed = schema.safeParse(r.obj);
      if (parsed.success) out.push(toValue(parsed.data));
      else reason = issueReason(parsed.error);
    }
    if (reason !== null) {
      if (!opts.deadLetters) throw new RecordFileError(path, `line ${r.line}: ${reason}`);
      opts.deadLetters.add({ source: path, row: r.line, reason, raw: r.raw });
    }
  }
  return out;
}

/** topology.csv → Topology. Any bad row fails the read (the cell map must be right). */
export async function readTopology(path: string, opts: Omit<SideFileOptions, 'deadLetters'> = {}): Promise<Topology> {
  const cells = await readSideFile(
    path,
    CellRow,
    { required: ['eci', 'enb_id', 'tac', 'region', 'lat', 'lon'], optional: ['cell_name'] },
    (r): Cell => ({ eci: r.eci, enbId: r.enb_id, tac: r.tac, cellName: r.cell_name, region: r.region, lat: r.lat, lon: r.lon }),
    opts,
  );
  const seen = new Set<number>();
  for (const c of cells) {
    if (seen.has(c.eci)) throw new RecordFileError(path, `cell ${c.eci} appears twice`);
    seen.add(c.eci);
  }
  return buildTopology(cells);
}

export async function readComplaints(path: string, opts: SideFileOptions = {}): Promise<Complaint[]> {
  return readSideFile(
    path,
    ComplaintRow,
    { required: ['complaint_id', 'time', 'msisdn', 'category'], optional: ['region'] },
    (r): Complaint => ({
      complaintId: r.complaint_id,
      time: r.time,
      msisdn: r.msisdn,
      category: r.category,
      ...(r.region ? { region: r.region } : {}),
    }),
    opts,
  );
}

export async function readSubscribers(path: string, opts: SideFileOptions = {}): Promise<Subscriber[]> {
  return readSideFile(
    path,
    SubscriberRow,
    { required: ['imsi', 'msisdn'], optional: ['vip_level', 'opt_out'] },
    (r): Subscriber => ({ imsi: r.imsi, msisdn: r.msisdn, vipLevel: r.vip_level, optOut: r.opt_out }),
    opts,
  );
}

const csvField = (s: string): string => (/[",\r\n]/.test(s) || s === '' ? `"${s.replaceAll('"', '""')}"` : s);

async function writeCsv(path: string, header: string, lines: Iterable<string>): Promise<void> {
  const parts = [header];
  for (const l of lines) parts.push(l);
  try {
    await writeFile(path, parts.join('\n') + '\n');
  } catch (e) {
    throw asRecordFileError(path, e, 'cannot write');
  }
}

export async function writeTopology(path: string, cells: Cell[]): Promise<void> {
  await writeCsv(
    path,
    'eci,enb_id,tac,cell_name,region,lat,lon',
    cells.map((c) => [c.eci, c.enbId, c.tac, csvField(c.cellName), csvField(c.region), c.lat, c.lon].join(',')),
  );
}

/** Complaint times are written as ISO-8601 UTC with milliseconds (exact, and readable by care teams). */
export async function writeComplaints(path: string, rows: Complaint[]): Promise<void> {
  await writeCsv(
    path,
    'complaint_id,time,msisdn,category,region',
    rows.map((c) =>
      [csvField(c.complaintId), new Date(c.time).toISOString(), csvField(c.msisdn), c.category, c.region === undefined ? '' : csvField(c.region)].join(','),
    ),
  );
}

export async function writeSubscribers(path: string, rows: Subscriber[]): Promise<void> {
  await writeCsv(
    path,
    'imsi,msisdn,vip_level,opt_out',
    rows.map((s) => [s.imsi, csvField(s.msisdn), s.vipLevel, s.optOut ? 1 : 0].join(',')),
  );
}
