// The hotspot gRPC server (proto/hotspot.proto): Ingest, StreamAlerts, ListAlerts, GetAlert, ListOutreach,
// GetRegionRisk, plus the standard health service and server reflection so grpcurl-style tools work.
// Every request is validated with zod; failures map to precise status codes naming the field.
import * as grpc from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import * as protoLoader from '@grpc/proto-loader';
import { HealthImplementation, protoPath as healthProtoPath } from 'grpc-health-check';
import { z } from 'zod';
import { severityRank, type Severity } from './alert-event.js';
import {
  FeedClosedError,
  InvalidPageTokenError,
  SequenceOutOfRangeError,
  SubscriberLaggedError,
  type AlertFeed,
} from './alert-feed.js';
import { HOTSPOT_SERVICE_NAME, PROTO_LOADER_OPTIONS, hotspotProtoPath, hotspotServiceDefinition } from './proto.js';
import type { OutreachQuery, RecordIngest, RegionRiskQuery, RegionRiskView } from './queries.js';
import {
  alertEventToProto,
  alertToProto,
  describeZodError,
  getAlertRequest,
  getRegionRiskRequest,
  listAlertsRequest,
  listOutreachRequest,
  maskMsisdn,
  severityToProto,
  streamAlertsRequest,
} from './wire.js';
import { reasonCategory } from '../sources/dead-letters.js';
import { decodeIngestMessage, type IngestMessage } from '../sources/grpc-ingest.js';

/** Metadata key carrying the caller's role; only `care` may see full MSISDNs. A real deployment sets it in an
 * authenticating proxy (mTLS / OIDC) in front of the server, never trusting the client's own claim. */
export const ROLE_METADATA_KEY = 'x-hotspot-role';
export const CARE_ROLE = 'care';
/** Response header of StreamAlerts: the feed's last sequence when the subscription was made. */
export const LAST_SEQUENCE_METADATA_KEY = 'x-hotspot-last-sequence';

export interface GrpcServerOptions {
  /** Port 0 picks a free port. */
  port?: number;
  host?: string;
  alerts: AlertFeed;
  ingest?: RecordIngest;
  outreach?: OutreachQuery;
  regionRisk?: RegionRiskQuery;
  /** Hook for the lead's metrics/tracing. */
  onError?: (method: string, err: unknown) => void;
}

export interface RunningGrpcServer {
  readonly port: number;
  readonly server: grpc.Server;
  readonly health: HealthImplementation;
  /** Ends open streams and stops accepting calls; waits at most `graceMs` for in-flight calls. */
  close(graceMs?: number): Promise<void>;
}

type Status = { code: grpc.status; details: string };
const status = (code: grpc.status, details: string): Status & Error =>
  Object.assign(new Error(details), { code, details });

function parse<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const r = schema.safeParse(value);
  if (!r.success) throw status(grpc.status.INVALID_ARGUMENT, describeZodError(r.error));
  return r.data;
}

function toStatus(err: unknown): Status {
  if (err && typeof err === 'object' && 'code' in err && typeof (err as Status).code === 'number') {
    return err as Status;
  }
  if (err instanceof SequenceOutOfRangeError) return status(grpc.status.OUT_OF_RANGE, err.message);
  if (err instanceof InvalidPageTokenError) return status(grpc.status.INVALID_ARGUMENT, `page_token: ${err.message}`);
  if (err instanceof FeedClosedError) return status(grpc.status.UNAVAILABLE, 'server is shutting down');
  return status(grpc.status.INTERNAL, err instanceof Error ? err.message : String(err));
}

function decodeOffsetToken(token: string | undefined, field: string): number {
  if (!token) return 0;
  const n = Number(Buffer.from(token, 'base64url').toString('utf8'));
  if (!Number.isSafeInteger(n) || n < 0) {
    throw status(grpc.status.INVALID_ARGUMENT, `${field}: not a token returned by a previous page`);
  }
  return n;
}

const encodeOffsetToken = (n: number) => Buffer.from(String(n), 'utf8').toString('base64url');

export async function startGrpcServer(opts: GrpcServerOptions): Promise<RunningGrpcServer> {
  const feed = opts.alerts;
  const server = new grpc.Server({
    // Keep streaming subscribers' dead connections from lingering.
    'grpc.keepalive_time_ms': 30_000,
    'grpc.keepalive_timeout_ms': 10_000,
  });
  const streams = new Set<grpc.ServerWritableStream<unknown, unknown>>();

  const unary =
    <Req, Res>(method: string, fn: (req: Req, call: grpc.ServerUnaryCall<Req, Res>) => Res) =>
    (call: grpc.ServerUnaryCall<Req, Res>, cb: grpc.sendUnaryData<Res>) => {
      try {
        cb(null, fn(call.request, call));
      } catch (err) {
        const s = toStatus(err);
        if (s.code === grpc.status.INTERNAL) opts.onError?.(method, err);
        cb(s);
      }
    };

  const handlers: grpc.UntypedServiceImplementation = {
    Ingest: (call: grpc.ServerReadableStream<IngestMessage, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      void ingestCall(call, cb);
    },

    StreamAlerts: (call: grpc.ServerWritableStream<unknown, unknown>) => {
      void streamAlertsCall(call);
    },

    ListAlerts: unary('ListAlerts', (raw: unknown) => {
      const req = parse(listAlertsRequest, raw);
      const page = feed.list({
        statuses: req.statuses.filter((s) => s !== undefined),
        regions: req.regions,
        fromTime: req.from_time || undefined,
        toTime: req.to_time || undefined,
        pageSize: req.page_size,
        pageToken: req.page_token || undefined,
      });
      return { alerts: page.alerts.map(alertToProto), next_page_token: page.nextPageToken };
    }),

    GetAlert: unary('GetAlert', (raw: unknown) => {
      const req = parse(getAlertRequest, raw);
      const state = feed.get(req.alert_id);
      if (!state) throw status(grpc.status.NOT_FOUND, `alert_id: no alert '${req.alert_id}'`);
      return {
        alert: alertToProto(state.alert),
        contributions: state.alert.contributions,
        last_sequence: state.lastSequence,
      };
    }),

    ListOutreach: unary('ListOutreach', (raw: unknown, call) => {
      const req = parse(listOutreachRequest, raw);
      const role = call.metadata.get(ROLE_METADATA_KEY)[0];
      const mayUnmask = role === CARE_ROLE;
      if (req.unmasked && !mayUnmask) {
        throw status(grpc.status.PERMISSION_DENIED, `unmasked: full MSISDNs need the '${CARE_ROLE}' role`);
      }
      if (!opts.outreach) throw status(grpc.status.UNIMPLEMENTED, 'outreach lists are not configured on this server');
      const rows = opts.outreach.forAlert(req.alert_id);
      if (!rows) {
        const known = feed.get(req.alert_id) !== undefined;
        throw status(
          grpc.status.NOT_FOUND,
          known ? `alert_id: alert '${req.alert_id}' has no outreach list` : `alert_id: no alert '${req.alert_id}'`,
        );
      }
      const start = decodeOffsetToken(req.page_token, 'page_token');
      const page = rows.slice(start, start + req.page_size);
      const masked = !req.unmasked;
      return {
        entries: page.map((r) => ({
          rank: r.rank,
          user_id: r.userId,
          msisdn: masked ? maskMsisdn(r.msisdn) : r.msisdn,
          vip_level: r.vipLevel,
          probability: r.probability,
          region: r.region,
          kind: r.kind,
          tier: r.tier,
          listed_at: r.listedAt,
          send_at: r.sendAt,
        })),
        next_page_token: start + page.length < rows.length ? encodeOffsetToken(start + page.length) : '',
        masked,
      };
    }),

    GetRegionRisk: unary('GetRegionRisk', (raw: unknown) => {
      const req = parse(getRegionRiskRequest, raw);
      const views = regionRiskViews(feed, opts.regionRisk);
      let out = [...views.values()];
      if (req.regions.length > 0) {
        const unknown = req.regions.filter((r) => !views.has(r));
        if (unknown.length > 0) throw status(grpc.status.NOT_FOUND, `regions: unknown region(s) ${unknown.join(', ')}`);
        out = req.regions.map((r) => views.get(r)!);
      }
      return {
        regions: out.map((v) => ({
          region: v.region,
          users_at_risk: v.usersAtRisk,
          expected_complaints: v.expectedComplaints,
          open_alerts: v.openAlerts,
          max_severity: v.maxSeverity ? severityToProto(v.maxSeverity) : 'SEVERITY_UNSPECIFIED',
          as_of: v.asOf,
        })),
      };
    }),
  };

  async function ingestCall(call: grpc.ServerReadableStream<IngestMessage, unknown>, cb: grpc.sendUnaryData<unknown>) {
    const sink = opts.ingest;
    if (!sink) {
      cb(status(grpc.status.UNIMPLEMENTED, 'this server does not accept records (no ingest configured)'));
      return;
    }
    const peer = call.getPeer();
    let accepted = 0;
    let deadLettered = 0;
    let messages = 0;
    const byReason = new Map<string, number>();
    try {
      // Async iteration pulls one message at a time: while the engine awaits a batch, HTTP/2 flow control
      // pushes back on the client.
      for await (const msg of call as AsyncIterable<IngestMessage>) {
        messages++;
        const source = `grpc:${msg.source || peer}`;
        const decoded = decodeIngestMessage(msg, source, messages);
        for (const l of decoded.deadLetters) {
          sink.deadLetters.add(l);
          const cat = reasonCategory(l.reason);
          byReason.set(cat, (byReason.get(cat) ?? 0) + 1);
        }
        deadLettered += decoded.deadLetters.length;
        for (const b of decoded.batches) await sink.ingest(b, source);
        accepted += decoded.accepted;
      }
      cb(null, {
        accepted,
        dead_lettered: deadLettered,
        messages,
        dead_lettered_by_reason: [...byReason].map(([reason, count]) => ({ reason, count })),
      });
    } catch (err) {
      if (call.cancelled) return;
      opts.onError?.('Ingest', err);
      cb(status(grpc.status.INTERNAL, `ingest failed after ${accepted} records: ${(err as Error).message}`));
    }
  }

  async function streamAlertsCall(call: grpc.ServerWritableStream<unknown, unknown>) {
    let sub;
    try {
      const req = parse(streamAlertsRequest, call.request);
      sub = feed.subscribe({
        afterSequence: req.after_sequence,
        filter: { regions: new Set(req.regions), minSeverity: req.min_severity },
      });
    } catch (err) {
      call.emit('error', toStatus(err));
      return;
    }
    // Headers go out as soon as the subscription exists: they tell the client where the live stream starts
    // (the feed's last sequence at subscribe time), and that anything appended from now on will reach it.
    const md = new grpc.Metadata();
    md.set(LAST_SEQUENCE_METADATA_KEY, String(feed.lastSequence));
    call.sendMetadata(md);
    streams.add(call);
    let done = false;
    const finish = () => {
      done = true;
      sub.close();
      streams.delete(call);
    };
    call.on('cancelled', finish);
    call.on('close', finish);
    try {
      while (!done) {
        const ev = await sub.next();
        if (done) break;
        // Backpressure: a slow subscriber's socket fills, write() returns false, and we wait for drain before
        // pulling the next event; the events wait in the shared feed, not in a per-subscriber queue.
        if (!call.write(alertEventToProto(ev))) {
          await new Promise<void>((resolve) => {
            const go = () => {
              call.off('drain', go);
              call.off('cancelled', go);
              resolve();
            };
            call.on('drain', go);
            call.on('cancelled', go);
          });
        }
      }
    } catch (err) {
      if (done) return;
      finish();
      if (err instanceof FeedClosedError) {
        call.end();
        return;
      }
      if (err instanceof SubscriberLaggedError) {
        call.emit(
          'error',
          status(grpc.status.RESOURCE_EXHAUSTED, `${err.message}; reconnect with after_sequence=${err.lastDeliveredSequence}`),
        );
        return;
      }
      opts.onError?.('StreamAlerts', err);
      call.emit('error', toStatus(err));
    }
  }

  server.addService(hotspotServiceDefinition(), handlers);
  const health = new HealthImplementation({ '': 'SERVING', [HOTSPOT_SERVICE_NAME]: 'SERVING' });
  health.addToServer(server);
  // Reflection describes the health service too, so `list` in a grpcurl-style tool shows everything served.
  new ReflectionService(protoLoader.loadSync([hotspotProtoPath(), healthProtoPath], PROTO_LOADER_OPTIONS)).addToServer(server);

  const host = opts.host ?? '127.0.0.1';
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host}:${opts.port ?? 0}`, grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    );
  });

  return {
    port,
    server,
    health,
    async close(graceMs = 2000) {
      health.setStatus('', 'NOT_SERVING');
      health.setStatus(HOTSPOT_SERVICE_NAME, 'NOT_SERVING');
      for (const s of streams) s.end();
      streams.clear();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}

/** Per-region risk: the scorer's figures joined with the open alerts in the feed. */
export function regionRiskViews(feed: AlertFeed, risk: RegionRiskQuery | undefined): Map<string, RegionRiskView> {
  const views = new Map<string, RegionRiskView>();
  for (const r of risk?.regions() ?? []) views.set(r.region, { ...r, openAlerts: 0, maxSeverity: null });
  for (const a of feed.openAlerts()) {
    let v = views.get(a.region);
    if (!v) {
      // No scorer wired (serve over a database): the open alerts are the best estimate of the region's risk.
      v = { region: a.region, usersAtRisk: 0, expectedComplaints: 0, asOf: 0, openAlerts: 0, maxSeverity: null };
      views.set(a.region, v);
    }
    v.openAlerts++;
    if (!risk) {
      v.usersAtRisk += a.users_at_risk;
      v.expectedComplaints += a.expected_complaints;
      v.asOf = Math.max(v.asOf, a.updated_at);
    }
    if (v.maxSeverity === null || severityRank(a.severity) > severityRank(v.maxSeverity as Severity)) {
      v.maxSeverity = a.severity;
    }
  }
  return views;
}
