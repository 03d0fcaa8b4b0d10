// Care lists out of hotspot: CSV for people and spreadsheets, Parquet (written by DuckDB's COPY) for tools.
import { writeFile } from 'node:fs/promises';
import { DuckDBInstance } from '@duckdb/node-api';
import { appendOutreachMessage } from '../store/store.js';
import type { OutreachMessage } from './outreach-message.js';

export const OUTREACH_COLUMNS = [
  'alert_id',
  'kind',
  'rank',
  'tier',
  'msisdn',
  'user_id',
  'vip_level',
  'probability',
  'region',
  'severity',
  'listed_at',
  'send_at',
] as const;

function csvField(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

function row(m: OutreachMessage): string[] {
  return [
    m.alertId,
    m.kind,
    String(m.rank),
    m.tier,
    m.msisdn,
    m.userId,
    String(m.vipLevel),
    m.probability.toFixed(4),
    m.region,
    m.severity,
    new Date(m.listedAt).toISOString(),
    new Date(m.sendAt).toISOString(),
  ];
}

/** CSV with a header row; times are ISO-8601 UTC. */
export function outreachCsv(messages: readonly OutreachMessage[]): string {
  const lines = [OUTREACH_COLUMNS.join(',')];
  for (const m of messages) lines.push(row(m).map(csvField).join(','));
  return lines.join('\n') + '\n';
}

export async function writeOutreachCsv(path: string, messages: readonly OutreachMessage[]): Promise<void> {
  await writeFile(path, outreachCsv(messages), 'utf8');
}

/** Parquet through an in-memory DuckDB: appender in, COPY … (FORMAT parquet) out. */
export async function writeOutreachParquet(path: string, messages: readonly OutreachMessage[]): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:', {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  });
  const con = await instance.connect();
  try {
    await con.run(`CREATE TABLE outreach (alert_id VARCHAR, kind VARCHAR, rank INTEGER, tier VARCHAR, msisdn VARCHAR,
      user_id VARCHAR, vip_level INTEGER, probability DOUBLE, region VARCHAR, severity VARCHAR,
      listed_at TIMESTAMP, send_at TIMESTAMP)`);
    const a = await con.createAppender('outreach');
    for (const m of messages) {
      appendOutreachMessage(a, m);
      a.endRow();
    }
    a.closeSync();
    await con.run(`COPY outreach TO '${path.replace(/'/g, "''")}' (FORMAT parquet)`);
  } finally {
    con.closeSync();
    instance.closeSync();
  }
}
