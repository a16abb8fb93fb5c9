import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { gzipCheckpoint } from '../../src/prune/checkpoint-file.ts';
import { compressPlainCheckpoints } from '../../src/prune/compress-checkpoints.ts';
import { errorOf } from '../support/errors.ts';

// Before a run is signed, the plain checkpoints an earlier version left are replaced by their
// .gz, byte for byte the gzip a new checkpoint would be.

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function folder(files: Record<string, string | Buffer>): string {
  const dir = mkdtempSync(join(tmpdir(), 'prunecam-compress-'));
  dirs.push(dir);
  for (const [rel, bytes] of Object.entries(files)) {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), bytes);
  }
  return dir;
}

describe('compressPlainCheckpoints', () => {
  it('gzips each plain checkpoint of the seeds, removes the plain file and leaves everything else', () => {
    const dir = folder({
      'seed-1/pretrain.ckpt.json': '{"level":"pretrain"}',
      'seed-1/level-00.ckpt.json': '{"level":0}',
      'seed-1/level-01.ckpt.json.gz': gzipCheckpoint('{"level":1}'),
      'seed-2/level-00.ckpt.json': '{"level":0,"seed":2}',
      'seed-3/level-00.ckpt.json': '{"not":"a seed of the run"}',
      'levels.csv': 'x',
    });
    expect(compressPlainCheckpoints(dir, [1, 2])).toBe(3);
    expect(readdirSync(join(dir, 'seed-1')).sort()).toEqual(['level-00.ckpt.json.gz', 'level-01.ckpt.json.gz', 'pretrain.ckpt.json.gz']);
    expect(gunzipSync(readFileSync(join(dir, 'seed-1/level-00.ckpt.json.gz'))).toString()).toBe('{"level":0}');
    expect(readFileSync(join(dir, 'seed-2/level-00.ckpt.json.gz')).equals(gzipCheckpoint('{"level":0,"seed":2}'))).toBe(true);
    expect(existsSync(join(dir, 'seed-3/level-00.ckpt.json'))).toBe(true);
    expect(compressPlainCheckpoints(dir, [1, 2])).toBe(0);
  });

  it('drops a plain copy of a .gz that holds the same JSON, and refuses one that differs, naming both', () => {
    const same = folder({ 'seed-1/level-00.ckpt.json': '{"level":0}', 'seed-1/level-00.ckpt.json.gz': gzipCheckpoint('{"level":0}') });
    expect(compressPlainCheckpoints(same, [1])).toBe(1);
    expect(readdirSync(join(same, 'seed-1'))).toEqual(['level-00.ckpt.json.gz']);

    const differ = folder({ 'seed-1/level-00.ckpt.json': '{"level":0}', 'seed-1/level-00.ckpt.json.gz': gzipCheckpoint('{"level":0,"x":1}') });
    const plain = join(differ, 'seed-1/level-00.ckpt.json');
    expect(errorOf(() => compressPlainCheckpoints(differ, [1])).message).toBe(`checkpoints ${plain} and ${plain}.gz both exist and differ; the run read ${plain}.gz: delete ${plain} if that is right`);
    expect(existsSync(plain)).toBe(true);
  });

  it('names a corrupt .gz next to a plain checkpoint', () => {
    const dir = folder({ 'seed-1/level-00.ckpt.json': '{"level":0}', 'seed-1/level-00.ckpt.json.gz': gzipCheckpoint('{"level":0}').subarray(0, 12) });
    expect(errorOf(() => compressPlainCheckpoints(dir, [1])).message).toMatch(/^checkpoint .*seed-1\/level-00\.ckpt\.json\.gz is unreadable \(not a complete gzip file: unexpected end of file\)$/);
  });
});
