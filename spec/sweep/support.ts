import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

// Helpers of the sweep specs: the real CLI as child processes, with their output kept.

export const BIN = join(import.meta.dirname, '..', '..', 'bin', 'prunecam.js');

/** A tiny protocol: 1,000 / 200 embedded images, one pretraining epoch, 2 levels, no Part 2 extras. */
export const TINY = {
  extends: 'smoke',
  dataset: { name: 'mnist-embedded', trainLimit: 600, testLimit: 100 },
  training: { pretrain: [{ epochs: 1, lr: 0.01 }], retrain: [{ epochs: 1, lr: 0.01 }] },
  pruning: { levels: 2 },
  explain: { examples: 1 },
  metrics: { deletion: { images: 0, steps: 16 } },
  controls: { randomisation: { levels: [0], images: 0 } },
};

export function writeJson(path: string, value: unknown): string {
  writeFileSync(path, JSON.stringify(value, null, 2));
  return path;
}

export interface Proc {
  child: ChildProcess;
  out: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `prunecam ARGS` in its own process group (so a SIGKILL of -pid takes its children too). */
export function start(args: string[], env: NodeJS.ProcessEnv): Proc {
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let text = '';
  child.stdout!.on('data', (d: Buffer) => void (text += d.toString()));
  child.stderr!.on('data', (d: Buffer) => void (text += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, out: () => text, exit };
}

export async function until(what: string, test: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  while (!(await test())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function killGroup(p: Proc, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(-p.child.pid!, signal);
  } catch {
    // already gone
  }
}
