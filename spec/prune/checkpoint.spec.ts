import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { initWeights } from '../../src/model/params.ts';
import { CHECKPOINT_FORMAT, CheckpointError, checkpointPath, loadCheckpoint, saveCheckpoint, type Checkpoint } from '../../src/prune/checkpoint.ts';
import type { LevelMetrics } from '../../src/results/types.ts';
import { onesMask } from '../../src/train/masks.ts';
import { errorOf } from '../support/errors.ts';

// A checkpoint records the sha256 of its canonical content and is refused on load when the
// content no longer matches it, naming the file. (Compression: checkpoint-file.spec.ts.)

const RUN = 'a'.repeat(64);
const metrics: LevelMetrics = {
  level: 0, remainingWeights: 2324, density: 1, cleanAccuracy: 0.5, noisyAccuracy: 0.25, meanIoU: 0.125,
  heatmapMean: 0.2, heatmapStd: 0.1, zeroHeatmaps: 0, nonFiniteHeatmaps: 0, finalTrainLoss: 1.5, wallTimeS: 2,
};
const provenance = { backend: 'wasm', backendVersion: 'tfjs 4.22.0', trainingPath: 'fused' as const, prunecamVersion: '0.1.0', gitCommit: null };

/** The JSON inside a (gzipped) checkpoint file, and its rewrite. */
const readRaw = (path: string) => JSON.parse(gunzipSync(readFileSync(path)).toString('utf8'));
const writeRaw = (path: string, raw: unknown, indent?: number) => writeFileSync(path, gzipSync(JSON.stringify(raw, null, indent)));

function written(): { dir: string; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'prunecam-ckpt-'));
  const ck: Checkpoint = { format: CHECKPOINT_FORMAT, runId: RUN, seed: 7, level: 0, weights: initWeights(7), mask: onesMask(), metrics, epochLosses: [2, 1.5], wallTimeS: 2, provenance };
  return { dir, path: saveCheckpoint(dir, ck) };
}

describe('checkpoint integrity', () => {
  it('reloads bit-exact weights, the metrics and the provenance', () => {
    const { dir } = written();
    const ck = loadCheckpoint(dir, RUN, 7, 0)!;
    expect(ck.metrics).toEqual(metrics);
    expect(ck.provenance).toEqual(provenance);
    expect(Array.from(ck.weights['fc.weight'])).toEqual(Array.from(initWeights(7)['fc.weight']));
    expect('sha256' in ck).toBe(false);
  });

  it('records the sha256 of its content in the file', () => {
    const { path } = written();
    expect(readRaw(path).sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses a checkpoint whose metric was edited, naming the file and what to do', () => {
    const { dir, path } = written();
    const raw = readRaw(path);
    raw.metrics.meanIoU = 0.9;
    writeRaw(path, raw, 1);
    const e = errorOf(() => loadCheckpoint(dir, RUN, 7, 0));
    expect(e).toBeInstanceOf(CheckpointError);
    expect(e.message).toContain(checkpointPath(dir, 7, 0));
    expect(e.message).toMatch(/does not match its recorded sha256 .*delete it and the later levels' checkpoints of seed 7/);
  });

  it('refuses a checkpoint whose recorded digest was removed', () => {
    const { dir, path } = written();
    const { sha256: _, ...raw } = readRaw(path);
    writeRaw(path, raw);
    expect(errorOf(() => loadCheckpoint(dir, RUN, 7, 0)).message).toMatch(/recorded undefined/);
  });

  it('refuses a checkpoint whose JSON is truncated as unreadable, naming the file', () => {
    const { dir, path } = written();
    writeFileSync(path, gzipSync(gunzipSync(readFileSync(path)).subarray(0, 500)));
    expect(errorOf(() => loadCheckpoint(dir, RUN, 7, 0)).message).toMatch(new RegExp(`checkpoint ${path} is unreadable`));
  });

  it('refuses a checkpoint of the earlier format, saying why', () => {
    const { dir, path } = written();
    writeRaw(path, { ...readRaw(path), format: 'prunecam-checkpoint/v1' });
    expect(errorOf(() => loadCheckpoint(dir, RUN, 7, 0)).message).toMatch(/format "prunecam-checkpoint\/v1", expected prunecam-checkpoint\/v2/);
  });
});
