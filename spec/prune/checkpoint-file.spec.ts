import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { checkExistingCheckpoints } from '../../src/experiment/preflight.ts';
import { initWeights } from '../../src/model/params.ts';
import { resolveProtocolObject } from '../../src/protocol/resolve.ts';
import { CHECKPOINT_FORMAT, CheckpointError, checkpointPath, existingCheckpointPath, loadCheckpoint, saveCheckpoint, type Checkpoint } from '../../src/prune/checkpoint.ts';
import { nextMask, runSeed } from '../../src/prune/levels.ts';
import type { LevelMetrics } from '../../src/results/types.ts';
import { applyMask, onesMask, type Mask } from '../../src/train/masks.ts';
import { errorOf } from '../support/errors.ts';

// Checkpoints are written gzipped (seed-<s>/level-XX.ckpt.json.gz, deterministic bytes); the
// plain .ckpt.json of earlier versions is still read, the .gz preferred when both exist, and a
// damaged .gz is refused with a message naming the file.

const RUN = 'b'.repeat(64);
const provenance = { backend: 'wasm', backendVersion: 'tfjs 4.22.0', trainingPath: 'fused' as const, prunecamVersion: '0.1.0', gitCommit: null };
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'prunecam-ckgz-'));
  dirs.push(dir);
  return dir;
}

function metricsOf(level: number): LevelMetrics {
  return { level, remainingWeights: 2324 - level, density: 1, cleanAccuracy: 0.5, noisyAccuracy: 0.25, meanIoU: 0.125, heatmapMean: 0.2, heatmapStd: 0.1, zeroHeatmaps: 0, nonFiniteHeatmaps: 0, finalTrainLoss: 1.5, wallTimeS: 2 };
}

function checkpoint(seed: number, level: number | 'pretrain', weights = initWeights(seed), mask: Mask | null = onesMask()): Checkpoint {
  return { format: CHECKPOINT_FORMAT, runId: RUN, seed, level, weights, mask, metrics: level === 'pretrain' ? null : metricsOf(level), epochLosses: [2, 1.5], wallTimeS: 2, provenance };
}

/** Replaces a checkpoint's .gz by the plain JSON an earlier version wrote. */
function toPlain(path: string): string {
  const plain = path.replace(/\.gz$/, '');
  writeFileSync(plain, gunzipSync(readFileSync(path)));
  rmSync(path);
  return plain;
}

describe('compressed checkpoints', () => {
  it('are written as .ckpt.json.gz holding the JSON, and reload bit-exact', () => {
    const dir = freshDir();
    const path = saveCheckpoint(dir, checkpoint(7, 3));
    expect(path).toBe(join(dir, 'seed-7', 'level-03.ckpt.json.gz'));
    expect(checkpointPath(dir, 7, 'pretrain')).toBe(join(dir, 'seed-7', 'pretrain.ckpt.json.gz'));
    expect(existsSync(join(dir, 'seed-7', 'level-03.ckpt.json'))).toBe(false);
    const raw = JSON.parse(gunzipSync(readFileSync(path)).toString('utf8'));
    expect(raw).toMatchObject({ format: CHECKPOINT_FORMAT, seed: 7, level: 3 });
    const ck = loadCheckpoint(dir, RUN, 7, 3)!;
    expect(ck.metrics).toEqual(metricsOf(3));
    expect(Array.from(ck.weights['conv1.weight'])).toEqual(Array.from(initWeights(7)['conv1.weight']));
  });

  it('are deterministic: the same checkpoint gives the same bytes, with no name, mtime 0 and a fixed OS byte', () => {
    const a = readFileSync(saveCheckpoint(freshDir(), checkpoint(7, 0)));
    const b = readFileSync(saveCheckpoint(freshDir(), checkpoint(7, 0)));
    expect(a.equals(b)).toBe(true);
    expect([...a.subarray(0, 4)]).toEqual([0x1f, 0x8b, 8, 0]); // gzip, deflate, no flags (no name)
    expect(a.readUInt32LE(4)).toBe(0); // mtime
    expect(a[9]).toBe(3); // OS: Unix, whatever the platform
  });

  it('a plain .ckpt.json of an earlier version still loads; the .gz wins when both exist', () => {
    const dir = freshDir();
    const plain = toPlain(saveCheckpoint(dir, checkpoint(7, 0)));
    expect(existingCheckpointPath(dir, 7, 0)).toBe(plain);
    expect(loadCheckpoint(dir, RUN, 7, 0)!.metrics).toEqual(metricsOf(0));
    saveCheckpoint(dir, checkpoint(7, 0));
    writeFileSync(plain, '{"not": "read"}');
    expect(existingCheckpointPath(dir, 7, 0)).toBe(`${plain}.gz`);
    expect(loadCheckpoint(dir, RUN, 7, 0)!.metrics).toEqual(metricsOf(0));
    expect(existingCheckpointPath(dir, 7, 1)).toBeNull();
    expect(loadCheckpoint(dir, RUN, 7, 1)).toBeNull();
  });

  it('refuses a truncated or corrupt .gz as unreadable, naming the file, with no stack in the message', () => {
    const dir = freshDir();
    const path = saveCheckpoint(dir, checkpoint(7, 0));
    const bytes = readFileSync(path);
    writeFileSync(path, bytes.subarray(0, bytes.length >> 1));
    const truncated = errorOf(() => loadCheckpoint(dir, RUN, 7, 0));
    expect(truncated).toBeInstanceOf(CheckpointError);
    expect(truncated.message).toBe(`checkpoint ${path} is unreadable (not a complete gzip file: unexpected end of file); delete it to recompute that level`);
    writeFileSync(path, Buffer.from('definitely not gzip'));
    expect(errorOf(() => loadCheckpoint(dir, RUN, 7, 0)).message).toMatch(new RegExp(`^checkpoint ${path} is unreadable \\(not a complete gzip file: incorrect header check\\)`));
    // A run's preflight reports it before rewriting anything.
    expect(errorOf(() => checkExistingCheckpoints(dir, RUN, [7], 1, provenance)).message).toContain(`checkpoint ${path} is unreadable`);
  });
});

describe('resuming a folder of plain and compressed checkpoints', () => {
  const config = resolveProtocolObject({ extends: 'smoke', pruning: { levels: 3 } });

  /** A seed's checkpoints whose masks follow from each other as the pruning loop makes them. */
  function seedFolder(dir: string, seed: number): void {
    const pre = initWeights(seed);
    saveCheckpoint(dir, checkpoint(seed, 'pretrain', pre, null));
    let mask = onesMask();
    for (let level = 0; level < 3; level++) {
      const weights = applyMask(pre, mask);
      saveCheckpoint(dir, checkpoint(seed, level, weights, mask));
      mask = nextMask(config, weights, mask, seed, level);
    }
  }

  it('skips every finished level, plain or compressed, with the same numbers', async () => {
    const dir = freshDir();
    seedFolder(dir, 11);
    toPlain(checkpointPath(dir, 11, 'pretrain'));
    toPlain(checkpointPath(dir, 11, 1));
    // A stale plain copy next to a .gz is not read.
    writeFileSync(checkpointPath(dir, 11, 2).replace(/\.gz$/, ''), 'stale');
    expect(checkExistingCheckpoints(dir, RUN, [11], 3, provenance)).toBe(4);
    const events: string[] = [];
    const result = await runSeed({
      config,
      runId: RUN,
      runDir: dir,
      seed: 11,
      train: {} as never, // nothing is trained
      evaluate: () => {
        throw new Error('a finished level was evaluated again');
      },
      provenance,
      onEvent: (e) => (e.kind === 'level-done' || e.kind === 'pretrain-done') && events.push(`${e.kind}${e.resumed ? ' resumed' : ''}`),
    });
    expect(events).toEqual(['pretrain-done resumed', 'level-done resumed', 'level-done resumed', 'level-done resumed']);
    expect(result.levels.map((l) => l.level)).toEqual([0, 1, 2]);
    expect(result.levels[1]).toEqual({ ...metricsOf(1), provenance });
  });

  it('a mask that does not follow from the level before is still refused in a mixed folder', async () => {
    const dir = freshDir();
    seedFolder(dir, 12);
    toPlain(checkpointPath(dir, 12, 1));
    saveCheckpoint(dir, checkpoint(12, 2, initWeights(12), onesMask()));
    await expect(
      runSeed({ config, runId: RUN, runDir: dir, seed: 12, train: {} as never, evaluate: () => ({}) as never, provenance }),
    ).rejects.toThrow(/checkpoint of seed 12 level 2 has a mask that does not follow from level 1/);
  });
});
