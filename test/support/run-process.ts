// A `hotspot run` in its own process, with its output collected and waited on line by line (the scale-out tests
// drive several such processes against one Kafka mock).
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'hotspot.js');

export interface Running {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }>;
  /** Resolves when a line of output matches. */
  waitFor(seen: (out: string) => boolean, what: string, ms?: number): Promise<void>;
}

/** Starts `hotspot run` with these arguments. */
export function startRun(args: string[]): Running {
  const child = spawn(process.execPath, [BIN, 'run', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const waiters: Array<{ seen: (out: string) => boolean; resolve: () => void }> = [];
  const onData = (b: Buffer) => {
    out += b;
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (waiters[i].seen(out)) {
        waiters[i].resolve();
        waiters.splice(i, 1);
      }
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, out })),
  );
  return {
    child,
    done,
    waitFor: (seen, what, ms = 60_000) =>
      new Promise<void>((resolve, reject) => {
        if (seen(out)) return resolve();
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}:\n${out}`)), ms);
        void done.then(() => {
          clearTimeout(timer);
          if (seen(out)) resolve();
          else reject(new Error(`process ended before ${what}:\n${out}`));
        });
        waiters.push({ seen, resolve: () => (clearTimeout(timer), resolve()) });
      }),
  };
}
