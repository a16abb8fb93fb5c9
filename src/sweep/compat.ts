import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalize } from 'json-canonicalize';
import { loadDataset } from '../data/sources.ts';
import type { DatasetName } from '../protocol/types.ts';

// A job's compatibility: the prunecam version, the tfjs backend and the dataset's file SHA-256s.
// Numbers differ across backends and versions, and a different data file is a different
// experiment, so a worker must only take jobs whose key it computes itself. There is one queue
// per key: a stale worker (old version, other data) listens on queues nobody fills and so never
// takes, fails or holds a job that another worker could run.

export interface Compat {
  prunecamVersion: string;
  backend: string;
  dataset: string;
  /** sha256 of each source file of the dataset, as recorded in reports. */
  files: Record<string, string>;
}

export function prunecamVersion(): string {
  return JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')).version as string;
}

export function compatKey(c: Compat): string {
  return createHash('sha256').update(canonicalize(c)).digest('hex').slice(0, 16);
}

/** The BullMQ queue of a compatibility key. */
export function queueName(c: Compat): string {
  return `prunecam-${c.dataset}-${compatKey(c)}`;
}

export function describeCompat(c: Compat): string {
  const files = Object.entries(c.files)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([f, h]) => `${f} ${h.slice(0, 12)}…`)
    .join(', ');
  return `prunecam ${c.prunecamVersion}, backend ${c.backend}, ${c.dataset} (${files})`;
}

export const DATASET_NAMES: DatasetName[] = ['mnist', 'mnist-embedded', 'fashion-mnist'];

/** The datasets this machine can load (from dataDir, as `prunecam run` would), with why the others cannot. */
export function servableCompats(backend: string, dataDir?: string, only: DatasetName[] = DATASET_NAMES): { compats: Compat[]; missing: string[] } {
  const version = prunecamVersion();
  const compats: Compat[] = [];
  const missing: string[] = [];
  for (const name of only) {
    try {
      const ds = loadDataset({ name, trainLimit: null, testLimit: null }, dataDir);
      compats.push({ prunecamVersion: version, backend, dataset: name, files: ds.files });
    } catch (e) {
      missing.push(`${name}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  return { compats, missing };
}
