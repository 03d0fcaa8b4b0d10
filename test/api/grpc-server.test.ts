import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { RecordBatch, Table, tableToIPC } from 'apache-arrow';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InMemoryAlertFeed } from '../../src/api/alert-feed.js';
import { CARE_ROLE, ROLE_METADATA_KEY, startGrpcServer, type RunningGrpcServer } from '../../src/api/grpc-server.js';
import type { RecordIngest } from '../../src/api/queries.js';
import type { OutreachMessage } from '../../src/outreach/outreach-message.js';
import { utf8Column, stringAt } from '../../src/schema/columns.js';
import { DeadLetterMemory } from '../../src/sources/dead-letters.js';
import { decodeJsonRecords } from '../../src/sources/files/index.js';
import { alertEvent, expectStatus, hotspotClient, mmeRecord, s1uRecord, unaryCall, type LooseClient } from './helpers.js';

const require = createRequire(import.meta.url);

class CollectingIngest implements RecordIngest {
  readonly batches: Array<{ batch: RecordBatch; source: string }> = [];
  readonly deadLetters = new DeadLetterMemory();
  ingest(batch: RecordBatch, source: string): void {
    this.batches.push({ batch, source });
  }
  imsis(): string[] {
    const out: string[] = [];
    for (const { batch } of this.batches) {
      const col = utf8Column(batch, 'imsi');
      for (let i = 0; i < batch.numRows; i++) out.push(stringAt(col, i)!);
    }
    return out;
  }
}

const outreachRows: OutreachMessage[] = Array.from({ length: 5 }, (_, i) => ({
  alertId: 'a1',
  kind: 'proactive',
  rank: i + 1,
  tier: i === 0 ? 'vip' : 'predicted_complainer',
  msisdn: String(8613800000100 + i),
  userId: `u_${i.toString(16).padStart(16, '0')}`,
  vipLevel: i === 0 ? 2 : 0,
  probability: 0.9 - i * 0.1,
  region: 'north',
  severity: 'orange',
  listedAt: 1_700_000_000_000,
  sendAt: 1_700_000_060_000,
}));

describe('gRPC server over loopback', () => {
  const feed = new InMemoryAlertFeed();
  const ingest = new CollectingIngest();
  let server: RunningGrpcServer;
  let client: LooseClient;

  beforeAll(async () => {
    feed.append(alertEvent(1, 'a1', { region: 'north', severity: 'yellow' }));
    feed.append(alertEvent(2, 'a2', { region: 'south', severity: 'red' }));
    feed.append(alertEvent(3, 'a1', { region: 'north', severity: 'orange', status: 'updated' }));
    feed.append(alertEvent(4, 'a3', { region: 'east', severity: 'blue' }));
    feed.append(alertEvent(5, 'a3', { region: 'east', severity: 'blue', status: 'resolved' }));
    server = await startGrpcServer({
      alerts: feed,
      ingest,
      outreach: { forAlert: (id) => (id === 'a1' ? outreachRows : undefined) },
      regionRisk: {
        regions: () => [
          { region: 'north', usersAtRisk: 120, expectedComplaints: 9.5, asOf: 1_700_000_900_000 },
          { region: 'south', usersAtRisk: 30, expectedComplaints: 2, asOf: 1_700_000_900_000 },
          { region: 'east', usersAtRisk: 0, expectedComplaints: 0, asOf: 1_700_000_900_000 },
        ],
      },
    });
    client = hotspotClient(server.port);
  });

  afterAll(async () => {
    client?.close();
    await server?.close();
  });

  it('Ingest accepts records and Arrow IPC, dead-letters bad records with reasons and counts them', async () => {
    const arrowRecords = [s1uRecord(100), s1uRecord(101), mmeRecord(102)];
    const arrowBatch = decodeJsonRecords(arrowRecords).batch;
    const ipc = tableToIPC(new Table(arrowBatch), 'stream');
    const summary = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const call = client.Ingest((err: grpc.ServiceError | null, res: Record<string, unknown>) =>
        err ? reject(err) : resolve(res),
      );
      call.write({
        source: 'probe-7',
        records: [mmeRecord(1), s1uRecord(2), mmeRecord(3, { imsi: '4600' }), mmeRecord(4, { procedure_type: 'teleport' })],
      });
      call.write({ arrow_ipc: ipc });
      call.write({ arrow_ipc: Buffer.from('not arrow at all') });
      call.end();
    });
    expect(summary.accepted).toBe('5');
    expect(summary.dead_lettered).toBe('3');
    expect(summary.messages).toBe(3);
    expect(summary.dead_lettered_by_reason).toEqual([
      { reason: 'invalid imsi', count: '1' },
      { reason: 'invalid procedure_type', count: '1' },
      { reason: 'malformed arrow', count: '1' },
    ]);
    expect(ingest.imsis()).toEqual([mmeRecord(1).imsi, s1uRecord(2).imsi, ...arrowRecords.map((r) => r.imsi)]);
    expect(ingest.batches[0].source).toBe('grpc:probe-7');
    const letters = ingest.deadLetters.letters;
    expect(letters.map((l) => l.reason.split(':')[0])).toEqual(['invalid imsi', 'invalid procedure_type', 'malformed arrow']);
    expect(letters[0].row).toBe(3);
    expect(JSON.parse(letters[0].raw).imsi).toBe('4600');
  });

  it('ListAlerts filters by status, region and time, and pages with a stable cursor', async () => {
    const open = await unaryCall<{ alerts: Array<{ alert_id: string; status: string }> }>(client, 'ListAlerts', {
      statuses: ['ALERT_STATUS_OPEN', 'ALERT_STATUS_UPDATED'],
    });
    expect(open.alerts.map((a) => a.alert_id).sort()).toEqual(['a1', 'a2']);
    const north = await unaryCall<{ alerts: Array<{ alert_id: string; severity: string }> }>(client, 'ListAlerts', {
      regions: ['north'],
    });
    expect(north.alerts).toHaveLength(1);
    expect(north.alerts[0].severity).toBe('SEVERITY_ORANGE');
    const late = await unaryCall<{ alerts: Array<{ alert_id: string }> }>(client, 'ListAlerts', {
      from_time: String(1_700_000_000_000 + 4 * 60_000),
    });
    expect(late.alerts.map((a) => a.alert_id)).toEqual(['a3']);

    const seen: string[] = [];
    let token = '';
    let pages = 0;
    do {
      const page = await unaryCall<{ alerts: Array<{ alert_id: string }>; next_page_token?: string }>(client, 'ListAlerts', {
        page_size: 1,
        page_token: token,
      });
      seen.push(...page.alerts.map((a) => a.alert_id));
      token = page.next_page_token ?? '';
      pages++;
    } while (token && pages < 10);
    expect(seen.sort()).toEqual(['a1', 'a2', 'a3']);
    expect(pages).toBe(3);
  });

  it('GetAlert returns the latest state with evidence and contributions', async () => {
    const detail = await unaryCall<Record<string, any>>(client, 'GetAlert', { alert_id: 'a1' });
    expect(detail.alert.status).toBe('ALERT_STATUS_UPDATED');
    expect(detail.alert.suspected_cause).toBe('SUSPECTED_CAUSE_RADIO');
    expect(detail.alert.cells).toEqual(['6553600', '6553601']);
    expect(detail.alert.evidence[0]).toMatchObject({ feature: 'attach_failure_rate', detail: 'emm_cause 15 x412' });
    expect(detail.contributions).toEqual([{ feature: 'attach_failure_rate', contribution: 1.25 }]);
    expect(detail.last_sequence).toBe('3');
  });

  it.each(
    ([
    ['GetAlert', { alert_id: 'nope' }, grpc.status.NOT_FOUND, /alert_id: no alert 'nope'/],
    ['GetAlert', {}, grpc.status.INVALID_ARGUMENT, /^alert_id: required/],
    ['ListAlerts', { page_size: 5000 }, grpc.status.INVALID_ARGUMENT, /^page_size: at most 1000/],
    ['ListAlerts', { page_token: 'garbage!' }, grpc.status.INVALID_ARGUMENT, /^page_token:/],
    ['ListAlerts', { statuses: [42] }, grpc.status.INVALID_ARGUMENT, /^statuses\.0: unknown value 42/],
    ['ListAlerts', { from_time: '5000', to_time: '100' }, grpc.status.INVALID_ARGUMENT, /^to_time: must be after from_time/],
    ['ListOutreach', { alert_id: 'a1', unmasked: true }, grpc.status.PERMISSION_DENIED, /^unmasked:/],
    ['ListOutreach', { alert_id: 'a2' }, grpc.status.NOT_FOUND, /has no outreach list/],
    ['ListOutreach', { alert_id: 'zz' }, grpc.status.NOT_FOUND, /no alert 'zz'/],
    ['GetRegionRisk', { regions: ['atlantis'] }, grpc.status.NOT_FOUND, /^regions: unknown region\(s\) atlantis/],
  ] as const).map(([method, req, code, message]) => [method, req, grpc.status[code], code, message] as const),
  )('%s %j → %s', async (method, req, _name, code, message) => {
    const err = await expectStatus(unaryCall(client, method, req), code);
    expect(err.details).toMatch(message);
  });

  it('ListOutreach masks MSISDNs unless the caller has the care role', async () => {
    const masked = await unaryCall<Record<string, any>>(client, 'ListOutreach', { alert_id: 'a1', page_size: 2 });
    expect(masked.masked).toBe(true);
    expect(masked.entries.map((e: { msisdn: string }) => e.msisdn)).toEqual(['*********0100', '*********0101']);
    expect(masked.entries[0]).toMatchObject({ rank: 1, user_id: outreachRows[0].userId, tier: 'vip', send_at: '1700000060000' });
    expect(masked.next_page_token).not.toBe('');
    const md = new grpc.Metadata();
    md.set(ROLE_METADATA_KEY, CARE_ROLE);
    const full = await unaryCall<Record<string, any>>(
      client,
      'ListOutreach',
      { alert_id: 'a1', unmasked: true, page_size: 2, page_token: masked.next_page_token },
      md,
    );
    expect(full.masked ?? false).toBe(false);
    expect(full.entries.map((e: { rank: number; msisdn: string }) => [e.rank, e.msisdn])).toEqual([
      [3, outreachRows[2].msisdn],
      [4, outreachRows[3].msisdn],
    ]);
  });

  it('GetRegionRisk joins the scorer figures with open alerts', async () => {
    const res = await unaryCall<Record<string, any>>(client, 'GetRegionRisk', { regions: ['north', 'east'] });
    expect(res.regions).toEqual([
      expect.objectContaining({ region: 'north', users_at_risk: 120, open_alerts: 1, max_severity: 'SEVERITY_ORANGE' }),
      expect.objectContaining({ region: 'east', open_alerts: 0, max_severity: 'SEVERITY_UNSPECIFIED' }),
    ]);
  });

  it('serves the standard health service', async () => {
    const def = protoLoader.loadSync(require('grpc-health-check').protoPath, { keepCase: true, enums: String });
    const pkg = grpc.loadPackageDefinition(def) as any;
    const health = new pkg.grpc.health.v1.Health(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
    const res = await unaryCall<{ status: string }>(health, 'Check', { service: 'hotspot.v1.Hotspot' });
    expect(res.status).toBe('SERVING');
    await expectStatus(unaryCall(health, 'Check', { service: 'no.such.Service' }), grpc.status.NOT_FOUND);
    health.close();
  });

  it('serves reflection so tools can discover the API', async () => {
    const path = require.resolve('@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto');
    const def = protoLoader.loadSync(path, { keepCase: true, longs: String });
    const pkg = grpc.loadPackageDefinition(def) as any;
    const refl = new pkg.grpc.reflection.v1.ServerReflection(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
    const ask = (req: object) =>
      new Promise<any>((resolve, reject) => {
        const call = refl.ServerReflectionInfo();
        call.on('data', (d: unknown) => {
          resolve(d);
          call.end();
        });
        call.on('error', reject);
        call.write(req);
      });
    const services = await ask({ list_services: '' });
    const names = services.list_services_response.service.map((s: { name: string }) => s.name);
    expect(names).toContain('hotspot.v1.Hotspot');
    const file = await ask({ file_containing_symbol: 'hotspot.v1.Hotspot' });
    const descriptors: Buffer[] = file.file_descriptor_response.file_descriptor_proto;
    expect(descriptors.length).toBeGreaterThan(0);
    expect(Buffer.concat(descriptors).toString('latin1')).toContain('StreamAlerts');
    refl.close();
  });
});
