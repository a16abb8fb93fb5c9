import { join } from 'node:path';
import { PARAM_NAMES, TF_SHAPES, WEIGHT_NAMES } from '../model/cnn.ts';
import type { WeightSet } from '../model/layout.ts';
import { canonicalJson, sha256Hex } from '../report/canonical.ts';
import type { LevelMetrics, Provenance } from '../results/types.ts';
import { writeFileAtomic } from '../store/atomic.ts';
import type { Mask } from '../train/masks.ts';
import { findCheckpointFile, gzipCheckpoint, readCheckpointBytes } from './checkpoint-file.ts';

// A level's checkpoint: everything needed to continue the run after it (the trained weights
// and the mask they were trained under, from which the next mask follows), plus its metrics.
// Float32 values are stored as base64 of their bytes, so a reload is bit-exact.
// Each file carries the sha256 of its own canonical content (RFC 8785 JSON without the sha256
// field), checked on every load: it catches truncation, disk errors and hand edits made by
// accident. It is no defence against a deliberate edit (the editor can recompute it);
// `prunecam verify --recompute` is. Files are gzipped JSON (src/prune/checkpoint-file.ts);
// plain JSON written by earlier versions is still read.

export const CHECKPOINT_FORMAT = 'prunecam-checkpoint/v2';

export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

export interface Checkpoint {
  format: typeof CHECKPOINT_FORMAT;
  runId: string;
  seed: number;
  level: number | 'pretrain';
  weights: WeightSet;
  mask: Mask | null;
  metrics: LevelMetrics | null;
  /** Mean loss of each epoch of the phase. */
  epochLosses: number[];
  wallTimeS: number;
  /** Backend, training path and prunecam version that trained (and evaluated) this checkpoint. */
  provenance: Provenance;
}

/** The digest a checkpoint file records: sha256 of the canonical JSON of everything else in it. */
export function checkpointDigest(content: Record<string, unknown>): string {
  const { sha256: _, ...rest } = content;
  return sha256Hex(canonicalJson(rest));
}

const b64f = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
const b64u = (a: Uint8Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');

function f32(b64: string, n: number, what: string): Float32Array {
  const buf = Buffer.from(b64, 'base64');
  if (buf.length !== n * 4) throw new CheckpointError(`${what}: ${buf.length} bytes, expected ${n * 4}`);
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
}

function u8(b64: string, n: number, what: string): Uint8Array {
  const buf = Buffer.from(b64, 'base64');
  if (buf.length !== n) throw new CheckpointError(`${what}: ${buf.length} bytes, expected ${n}`);
  return Uint8Array.from(buf);
}

const size = (name: keyof typeof TF_SHAPES) => TF_SHAPES[name].reduce((a, b) => a * b, 1);

/** The plain-JSON path of a checkpoint (earlier versions' files; the compressed one adds .gz). */
function plainCheckpointPath(runDir: string, seed: number, level: number | 'pretrain'): string {
  return join(runDir, `seed-${seed}`, level === 'pretrain' ? 'pretrain.ckpt.json' : `level-${String(level).padStart(2, '0')}.ckpt.json`);
}

/** Where a checkpoint is written: seed-<s>/level-XX.ckpt.json.gz (pretrain.ckpt.json.gz). */
export function checkpointPath(runDir: string, seed: number, level: number | 'pretrain'): string {
  return `${plainCheckpointPath(runDir, seed, level)}.gz`;
}

/** The existing file of a checkpoint, compressed or plain (the compressed one when both exist), or null. */
export function existingCheckpointPath(runDir: string, seed: number, level: number | 'pretrain'): string | null {
  return findCheckpointFile(plainCheckpointPath(runDir, seed, level));
}

export function saveCheckpoint(runDir: string, c: Checkpoint): string {
  const weights: Record<string, string> = {};
  for (const n of PARAM_NAMES) {
    // -0 (from w*0) is stored as +0: a pruned weight is exactly 0.0 on disk.
    weights[n] = b64f(c.weights[n].map((v) => (v === 0 ? 0 : v)));
  }
  const mask = c.mask && Object.fromEntries(WEIGHT_NAMES.map((n) => [n, b64u(c.mask![n])]));
  const path = checkpointPath(runDir, c.seed, c.level);
  // Digest what a reader will parse (JSON turns NaN into null), so the check on load agrees.
  const content = JSON.parse(JSON.stringify({ ...c, weights, mask }));
  writeFileAtomic(path, gzipCheckpoint(JSON.stringify({ ...content, sha256: checkpointDigest(content) }, null, 1)));
  return path;
}

export function loadCheckpoint(runDir: string, runId: string, seed: number, level: number | 'pretrain'): Checkpoint | null {
  const path = existingCheckpointPath(runDir, seed, level);
  if (!path) return null;
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readCheckpointBytes(path).toString('utf8'));
  } catch (e) {
    throw new CheckpointError(`checkpoint ${path} is unreadable (${(e as Error).message}); delete it to recompute that level`);
  }
  if (raw.format !== CHECKPOINT_FORMAT) {
    throw new CheckpointError(`checkpoint ${path}: format ${JSON.stringify(raw.format)}, expected ${CHECKPOINT_FORMAT} (written by another prunecam version); delete the run folder's seed-* folders to recompute`);
  }
  const digest = checkpointDigest(raw);
  if (raw.sha256 !== digest) {
    throw new CheckpointError(
      `checkpoint ${path} does not match its recorded sha256 (recorded ${String(raw.sha256).slice(0, 12)}…, content ${digest.slice(0, 12)}…): it was edited or damaged; delete it and the later levels' checkpoints of seed ${String(raw.seed)} to recompute them`,
    );
  }
  if (raw.runId !== runId) throw new CheckpointError(`checkpoint ${path} belongs to run ${String(raw.runId)}, not ${runId}`);
  if (raw.seed !== seed || raw.level !== level) throw new CheckpointError(`checkpoint ${path} is for seed ${String(raw.seed)} level ${String(raw.level)}`);
  try {
    const w = raw.weights as Record<string, string>;
    const weights = {} as WeightSet;
    for (const n of PARAM_NAMES) weights[n] = f32(w[n], size(n), `${path}: ${n}`);
    let mask: Mask | null = null;
    if (raw.mask) {
      const m = raw.mask as Record<string, string>;
      mask = {} as Mask;
      for (const n of WEIGHT_NAMES) mask[n] = u8(m[n], size(n), `${path}: mask ${n}`);
      for (const n of WEIGHT_NAMES)
        mask[n].forEach((keep, i) => {
          if (!keep && weights[n][i] !== 0) throw new CheckpointError(`${path}: pruned weight ${n}[${i}] is ${weights[n][i]}, not 0`);
        });
    }
    const { sha256: _, ...rest } = raw;
    return { ...(rest as unknown as Checkpoint), weights, mask };
  } catch (e) {
    if (e instanceof CheckpointError) throw e;
    throw new CheckpointError(`checkpoint ${path} is damaged (${(e as Error).message}); delete it to recompute that level`);
  }
}
