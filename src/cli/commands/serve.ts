// `hotspot serve`: the gRPC API (proto/hotspot.proto) over a run stored in a hotspot database — ListAlerts,
// GetAlert, StreamAlerts (replays the run's events, then stays open), ListOutreach, GetRegionRisk, plus health and
// reflection. For alerts while a run is going on, `hotspot run --grpc HOST:PORT` serves the same API live.
import { z } from 'zod';
import { startGrpcServer } from '../../api/grpc-server.js';
import { storedApiViews } from '../../api/engine-views.js';
import { startDashboard } from '../../api/dashboard.js';
import { Store } from '../../store/store.js';
import { parseFlags, UsageError, type Command } from '../command.js';

const HELP = `usage: hotspot serve [--db hotspot.duckdb] [--run RUN_ID] [--grpc HOST:PORT] [--http HOST:PORT]

Serves the gRPC API (proto/hotspot.proto: ListAlerts, GetAlert, StreamAlerts, ListOutreach, GetRegionRisk,
grpc.health.v1 and server reflection) and the ops dashboard (a web page over a small JSON API: /api/alerts,
/api/alerts/ID, /api/regions) over one run stored in the database. Ctrl-C stops it.
DuckDB lets one process write a file: serve a run after it ended, or use 'hotspot run --grpc' while it runs.

options:
  --db FILE          database written by 'hotspot run' or 'hotspot replay --db' (default hotspot.duckdb)
  --run RUN_ID       the run to serve (default: the newest)
  --grpc HOST:PORT   where gRPC listens (default 127.0.0.1:50051; port 0 picks a free one)
  --http HOST:PORT   where the dashboard listens (default 127.0.0.1:8080; 'off' for none)

examples:
  hotspot serve
  hotspot serve --db out/live.duckdb --grpc 0.0.0.0:50051
  then open http://127.0.0.1:8080/ in a browser, or point any gRPC client with reflection at 127.0.0.1:50051`;

const OptionsSchema = z.object({
  db: z.string().default('hotspot.duckdb'),
  run: z.string().optional(),
  grpc: z.string().regex(/^[^:]+:\d{1,5}$/, 'expected HOST:PORT').default('127.0.0.1:50051'),
  http: z.string().regex(/^([^:]+:\d{1,5}|off)$/, "expected HOST:PORT or 'off'").default('127.0.0.1:8080'),
});

export function parseListenAddress(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  const port = Number(address.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`'${address}' is not HOST:PORT`);
  return { host: address.slice(0, i), port };
}

const command: Command = {
  name: 'serve',
  summary: 'serve the gRPC API over a run stored in a database',
  help: HELP,
  async run(argv) {
    const { values } = parseFlags('serve', argv, { db: { type: 'string' }, run: { type: 'string' }, grpc: { type: 'string' }, http: { type: 'string' } });
    const parsed = OptionsSchema.safeParse(values);
    if (!parsed.success) throw new UsageError(`serve: --${String(parsed.error.issues[0].path[0])}: ${parsed.error.issues[0].message}`);
    const o = parsed.data;
    const { host, port } = parseListenAddress(o.grpc);
    let store: Store;
    try {
      store = await Store.open(o.db);
    } catch (err) {
      throw new UsageError(`serve: cannot open ${o.db}: ${(err as Error).message}`);
    }
    const runs = await store.query(
      o.run ? 'SELECT run_id, status FROM runs WHERE run_id = $1' : 'SELECT run_id, status FROM runs ORDER BY started_at DESC LIMIT 1',
      o.run ? [o.run] : [],
    );
    if (runs.length === 0) {
      await store.close();
      throw new UsageError(o.run ? `serve: no run '${o.run}' in ${o.db}` : `serve: ${o.db} holds no runs yet (run 'hotspot run' first)`);
    }
    const runId = String(runs[0].run_id);
    const regions = (await store.query('SELECT DISTINCT region FROM scored_windows WHERE run_id = $1 AND region IS NOT NULL ORDER BY region', [runId])).map((r) => String(r.region));
    const views = await storedApiViews(store, runId, regions);
    await store.close();
    const server = await startGrpcServer({ host, port, alerts: views.alerts, outreach: views.outreach, regionRisk: views.regionRisk });
    const http = o.http === 'off' ? null : parseListenAddress(o.http);
    const dashboard = http
      ? await startDashboard({ ...http, alerts: views.alerts, outreach: views.outreach, regionRisk: views.regionRisk, title: `run ${runId} (${o.db})` })
      : null;
    console.log(
      `hotspot serve: run ${runId} (${String(runs[0].status)}) from ${o.db}: ${views.alerts.lastSequence} alert events, ` +
        `${regions.length} regions; gRPC on ${host}:${server.port}` +
        (dashboard && http ? `; dashboard on http://${http.host}:${dashboard.port}/` : '') + ' (Ctrl-C to stop)',
    );
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await server.close(2000);
    await dashboard?.close();
    console.log('hotspot serve: stopped');
    return 0;
  },
};
export default command;
