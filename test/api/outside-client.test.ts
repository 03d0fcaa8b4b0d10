// An outside client in another language discovers the API through reflection alone and calls it (grpcurl-style).
// Needs Debian's python3-grpcio, python3-protobuf and protobuf-compiler; skipped (and says so) without them.
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InMemoryAlertFeed } from '../../src/api/alert-feed.js';
import { startGrpcServer, type RunningGrpcServer } from '../../src/api/grpc-server.js';
import type { RecordIngest } from '../../src/api/queries.js';
import { DeadLetterMemory } from '../../src/sources/dead-letters.js';
import { alertEvent } from './helpers.js';

const require = createRequire(import.meta.url);
const PYTHON = '/usr/bin/python3';
const available =
  spawnSync(PYTHON, ['-c', 'import grpc, google.protobuf'], { stdio: 'ignore' }).status === 0 &&
  spawnSync('protoc', ['--version'], { stdio: 'ignore' }).status === 0;
if (!available) console.warn('outside-client test skipped: apt-get install -y python3-grpcio python3-protobuf protobuf-compiler');

describe.skipIf(!available)('outside gRPC client (python3-grpcio, reflection only)', () => {
  let server: RunningGrpcServer;
  const rows: number[] = [];
  const ingest: RecordIngest = { deadLetters: new DeadLetterMemory(), ingest: (b) => void rows.push(b.numRows) };
  const work = mkdtempSync(join(tmpdir(), 'hotspot-py-client-'));

  beforeAll(async () => {
    const feed = new InMemoryAlertFeed();
    feed.append(alertEvent(1, 'a1', { severity: 'orange' }));
    feed.append(alertEvent(2, 'a2', { region: 'south' }));
    feed.append(alertEvent(3, 'a1', { severity: 'red', status: 'updated' }));
    server = await startGrpcServer({ alerts: feed, ingest });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('discovers the service, ingests, lists, gets, streams and checks health', async () => {
    const script = join(dirname(fileURLToPath(import.meta.url)), 'outside_client.py');
    const reflectionProto = require.resolve('@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto');
    const healthProto = require('grpc-health-check').protoPath as string;
    // Asynchronously: the server runs in this process and must keep serving while the client runs.
    const { stdout } = await promisify(execFile)(PYTHON, [script, String(server.port), reflectionProto, healthProto, work], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    const out = JSON.parse(stdout);
    expect(out.services).toEqual(['grpc.health.v1.Health', 'hotspot.v1.Hotspot']);
    expect(out.methods).toEqual(['GetAlert', 'GetRegionRisk', 'Ingest', 'ListAlerts', 'ListOutreach', 'StreamAlerts']);
    expect(out.ingest).toEqual({ accepted: 2, dead_lettered: 1, by_reason: { 'invalid imsi': 1 } });
    expect(rows).toEqual([2]);
    expect(out.alerts).toEqual(['a1', 'a2']);
    expect(out.a1).toEqual({ severity: 'SEVERITY_RED', contributions: [['attach_failure_rate', 1.25]], last_sequence: 3 });
    expect(out.missing).toEqual(['NOT_FOUND', "alert_id: no alert 'missing'"]);
    expect(out.streamed).toEqual([2, 3]);
    expect(out.health).toBe('SERVING');
  });
});
