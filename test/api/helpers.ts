// Shared test fixtures for the API tests: valid S1 records, alert events, and a loopback client.
import * as grpc from '@grpc/grpc-js';
import { hotspotClientConstructor } from '../../src/api/proto.js';
import type { AlertEventInput, Severity } from '../../src/api/alert-event.js';

/** A valid S1-MME record as a plain object (JSON shape, DESIGN.md §3). */
export function mmeRecord(i: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    xdr_id: `x${i.toString(16).padStart(8, '0')}`,
    interface: 's1mme',
    imsi: String(460001000000000 + (i % 1000)),
    msisdn: String(8613800000000 + (i % 1000)),
    imei: '359881234567890',
    start_time: 1_700_000_000_000 + i * 1000,
    end_time: 1_700_000_000_000 + i * 1000 + 40,
    tac: 4100 + (i % 7),
    eci: 25_600 * 256 + (i % 3),
    mme_code: 1,
    procedure_type: i % 2 === 0 ? 'attach' : 'service_request',
    procedure_status: i % 5 === 0 ? 1 : 0,
    emm_cause: i % 5 === 0 ? 15 : 0,
    s1ap_cause_group: 'radioNetwork',
    s1ap_cause: 0,
    apn: 'cmnet',
    ...overrides,
  };
}

/** A valid S1-U record. */
export function s1uRecord(i: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    xdr_id: `u${i.toString(16).padStart(8, '0')}`,
    interface: 's1u',
    imsi: String(460001000000000 + (i % 1000)),
    start_time: 1_700_000_000_000 + i * 1000,
    end_time: 1_700_000_000_000 + i * 1000 + 900,
    eci: 25_600 * 256 + (i % 3),
    app_type: 'video',
    l4_protocol: 0,
    ul_bytes: 1000 + i,
    dl_bytes: 250_000 + i,
    ul_packets: 10,
    dl_packets: 200,
    tcp_syn_ack_delay_ms: 12,
    http_status: 200,
    ...overrides,
  };
}

export function alertEvent(
  sequence: number,
  alertId: string,
  opts: { region?: string; severity?: Severity; status?: 'open' | 'updated' | 'resolved'; at?: number } = {},
): AlertEventInput {
  const at = opts.at ?? 1_700_000_000_000 + sequence * 60_000;
  return {
    sequence,
    alert: {
      alert_id: alertId,
      status: opts.status ?? 'open',
      severity: opts.severity ?? 'yellow',
      region: opts.region ?? 'north',
      cells: [6_553_600, 6_553_601],
      opened_at: 1_700_000_000_000 + Number(alertId.replace(/\D/g, '') || 0) * 1000,
      updated_at: at,
      users_at_risk: 40 + sequence,
      expected_complaints: 6.5,
      vip_at_risk: 1,
      suspected_cause: 'radio',
      evidence: [{ feature: 'attach_failure_rate', value: 0.31, baseline: 0.02, detail: 'emm_cause 15 x412' }],
      model_version: 'test-model-1',
      contributions: [{ feature: 'attach_failure_rate', contribution: 1.25 }],
    },
  };
}

// Client methods are created dynamically from the proto; the tests call them through this loose type.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type LooseClient = grpc.Client & Record<string, any>;

export function hotspotClient(port: number): LooseClient {
  const Ctor = hotspotClientConstructor();
  return new Ctor(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as LooseClient;
}

/** Promisified unary call; rejects with the ServiceError (code + details). */
export function unaryCall<T = Record<string, unknown>>(
  client: LooseClient,
  method: string,
  req: unknown,
  metadata = new grpc.Metadata(),
): Promise<T> {
  return new Promise((resolve, reject) => {
    client[method](req, metadata, (err: grpc.ServiceError | null, res: T) => (err ? reject(err) : resolve(res)));
  });
}

export async function expectStatus(p: Promise<unknown>, code: grpc.status): Promise<grpc.ServiceError> {
  try {
    await p;
  } catch (err) {
    const e = err as grpc.ServiceError;
    if (e.code !== code) throw new Error(`expected status ${grpc.status[code]}, got ${grpc.status[e.code]}: ${e.details}`);
    return e;
  }
  throw new Error(`expected status ${grpc.status[code]}, but the call succeeded`);
}
