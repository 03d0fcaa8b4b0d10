// A small S1 batch exercising every column kind: nulls on both planes, unicode APN, int64 values above 2^32,
// every enum value, quotes/commas in text. Shared by the round-trip and decoder tests.
import type { RecordBatch } from 'apache-arrow';
import { APP_TYPES, INTERFACES, PROCEDURE_TYPES, S1AP_CAUSE_GROUPS } from '../../../src/schema/record.js';
import { S1BatchBuilder } from '../../../src/schema/s1-batch-builder.js';

export const SAMPLE_ROWS = 26;

export function sampleBatch(rows = SAMPLE_ROWS, idPrefix = 'x'): RecordBatch {
  const b = new S1BatchBuilder(rows);
  b.length = rows;
  const set32 = (name: string, r: number, v: number) => {
    b.int32(name)[r] = v;
    b.valid(name)[r] = 1;
  };
  const set64 = (name: string, r: number, v: number) => {
    b.int64(name)[r] = v;
    b.valid(name)[r] = 1;
  };
  for (let r = 0; r < rows; r++) {
    const mme = r % 2 === 0; // even rows S1-MME, odd rows S1-U
    b.utf8('xdr_id').set(r, `${idPrefix}${r.toString(16).padStart(6, '0')}`);
    b.enumCodes('interface')[r] = mme ? INTERFACES.indexOf('s1mme') : INTERFACES.indexOf('s1u');
    b.utf8('imsi').set(r, String(460001234500000 + r));
    b.utf8('msisdn').set(r, r % 7 === 3 ? null : String(13800000000 + r));
    b.utf8('imei').set(r, r % 5 === 4 ? null : String(356938035643800 + r));
    b.int64('start_time')[r] = 1_700_000_000_000 + r * 1000;
    if (r % 6 !== 5) set64('end_time', r, 1_700_000_000_000 + r * 1000 + 250);
    set32('tac', r, 4096 + r);
    set64('eci', r, 0x0fffff00 + (r % 255)); // ECIs above 2^24, int64
    b.utf8('apn').set(r, r % 3 === 0 ? 'cmnet' : r % 3 === 1 ? 'ims' : r % 4 === 2 ? 'cmnet.企业,"q"\n\\x' : '');
    set32('bearer_qci', r, r % 9 + 1);
    if (mme) {
      set64('other_eci', r, 123_456 + r);
      set32('mme_code', r, r % 4);
      b.enumCodes('procedure_type')[r] = (r / 2) % PROCEDURE_TYPES.length;
      set32('procedure_status', r, r % 4);
      set32('request_cause', r, r % 7);
      set32('keyword', r, r);
      set32('emm_cause', r, r % 3 === 0 ? 0 : 22);
      set32('esm_cause', r, r % 3 === 0 ? 0 : 27);
      b.enumCodes('s1ap_cause_group')[r] = r % 10 === 8 ? -1 : (r / 2) % S1AP_CAUSE_GROUPS.length;
      set32('s1ap_cause', r, 21);
      set32('bearer_status', r, r % 2);
    } else {
      b.enumCodes('app_type')[r] = ((r - 1) / 2) % APP_TYPES.length;
      set32('l4_protocol', r, r % 2);
      set64('ul_bytes', r, 5_000_000_000 + r); // > 2^32
      set64('dl_bytes', r, 2 ** 40 + r * 3);
      set32('ul_packets', r, 100 + r);
      set32('dl_packets', r, 200 + r);
      set32('ul_retrans_packets', r, r % 3);
      set32('dl_retrans_packets', r, r % 5);
      set32('tcp_syn_ack_delay_ms', r, 20 + r);
      set32('tcp_ack_delay_ms', r, 30 + r);
      set32('tcp_syn_attempts', r, 1);
      set32('tcp_conn_status', r, r % 2);
      set32('first_response_delay_ms', r, 100 + r);
      set32('http_status', r, r % 3 === 0 ? 0 : 200);
      if (r % 4 !== 3) set32('dns_rcode', r, r % 6);
    }
  }
  return b.finish();
}

/** Rows as plain JSON-able objects (bigints as strings) for deep comparison across formats. */
export function rowsOf(batch: RecordBatch): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (let r = 0; r < batch.numRows; r++) {
    const row = batch.get(r)!.toJSON() as Record<string, unknown>;
    for (const k of Object.keys(row)) if (typeof row[k] === 'bigint') row[k] = String(row[k]);
    out.push(row);
  }
  return out;
}
