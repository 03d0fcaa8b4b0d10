// A subcommand of `hotspot`: one file per command under src/cli/commands/, registered in main.ts.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';

export interface Command {
  readonly name: string;
  /** One line for `hotspot --help`. */
  readonly summary: string;
  /** Full `--help` text: usage line, options, examples. */
  readonly help: string;
  /** Returns the process exit code. */
  run(argv: string[]): Promise<number>;
}

/** A user-facing error: printed as one line without a stack trace. */
export class UsageError extends Error {}

/** parseArgs with strict checking, turning its errors into UsageErrors that name the command. */
export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>>(
  command: string,
  argv: string[],
  options: T,
) {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false });
  } catch (err) {
    throw new UsageError(`${command}: ${(err as Error).message} (see 'hotspot ${command} --help')`);
  }
}

/**
 * The committed default model: `models/default` under the current directory when there is one, else the one
 * shipped with hotspot itself (so the commands work from any directory).
 */
export const DEFAULT_MODEL_DIR: string = (() => {
  const local = 'models/default';
  if (existsSync(local)) return local;
  const shipped = ['../../models/default', '../../../models/default'].map((rel) => fileURLToPath(new URL(rel, import.meta.url)));
  return shipped.find((p) => existsSync(p)) ?? local;
})();
