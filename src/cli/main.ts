// Entry point of the `hotspot` command: dispatches to one Command per subcommand.
import type { Command } from './command.js';
import { UsageError } from './command.js';

/** Commands load lazily so `hotspot predict` does not pay for DuckDB, Kafka or gRPC start-up. */
const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  run: { summary: 'run the engine: source → features → model → alerts (default: live simulator)', load: async () => (await import('./commands/run.js')).default },
  simulate: { summary: 'generate a synthetic city: S1 records, topology, subscribers, complaints, truth', load: async () => (await import('./commands/simulate.js')).default },
  features: { summary: 'compute per-user-window features from records into Parquet', load: async () => (await import('./commands/features.js')).default },
  train: { summary: 'train a GBDT model from records + complaints, or from a training set', load: async () => (await import('./commands/train.js')).default },
  predict: { summary: "score a CSV/TSV with a LightGBM text model, output like LightGBM's task=predict", load: async () => (await import('./commands/predict.js')).default },
  replay: { summary: 'replay history through the serving code and measure alerts against complaints', load: async () => (await import('./commands/replay.js')).default },
  serve: { summary: 'serve gRPC + dashboard over an existing database (not built yet)', load: async () => (await import('./commands/serve.js')).default },
};

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const lines = Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(width)}  ${c.summary}`);
  return [
    'hotspot — predicts mobile-network complaint hotspots from LTE S1 signaling',
    '',
    'usage: hotspot <command> [options]     (hotspot <command> --help for its options)',
    '',
    'commands:',
    ...lines,
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 2;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    console.error(`hotspot: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  const command = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.help);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`hotspot ${err.message}`);
      return 2;
    }
    throw err;
  }
}
