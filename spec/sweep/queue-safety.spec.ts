import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeIdx } from '../../src/data/idx.ts';
import { loadSweepFile } from '../../src/sweep/grid.ts';
import { freePort, hasRedisServer, startRedis, type TestRedis } from '../support/redis.ts';
import { BIN, killGroup, start, TINY, until, writeJson, type Proc } from './support.ts';

// Queued sweeps when things go wrong: Redis unreachable; a worker whose data differs from the
// coordinator's takes nothing; a second coordinator of the same sweep is refused (status stays
// available, read-only); a job whose loss turns NaN fails with that message after its
// attempts while the rest of the sweep completes.

const root = mkdtempSync(join(tmpdir(), 'prunecam-sweep-safety-'));
const env = { ...process.env, PRUNECAM_SIGNING_KEY: join(root, 'key.pem') };
let redis: TestRedis;
const procs: Proc[] = [];

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8' });
  return { code: r.status, out: r.stdout + r.stderr };
}

/** A Fashion-MNIST-shaped IDX folder of noise (600 train / 100 test images); `variant` changes one pixel. */
function fakeFashion(dir: string, variant: number): string {
  mkdirSync(dir, { recursive: true });
  let x = 12345;
  const byte = () => ((x = (x * 1103515245 + 12345) >>> 0), x >>> 24);
  const split = (n: number, images: string, labels: string) => {
    const px = Uint8Array.from({ length: n * 784 }, byte);
    px[0] = variant;
    writeFileSync(join(dir, images), encodeIdx([n, 28, 28], px));
    writeFileSync(join(dir, labels), encodeIdx([n], Uint8Array.from({ length: n }, () => byte() % 10)));
  };
  split(600, 'train-images-idx3-ubyte', 'train-labels-idx1-ubyte');
  split(100, 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte');
  return dir;
}

describe.skipIf(!hasRedisServer())('queued sweeps: safety', () => {
  beforeAll(async () => {
    const k = spawnSync(process.execPath, [BIN, 'keygen', '--out', env.PRUNECAM_SIGNING_KEY], { encoding: 'utf8' });
    expect(k.status, k.stderr).toBe(0);
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const p of procs) killGroup(p);
    await redis?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('Redis unreachable: a clear error naming the URL without its password, exit 1', async () => {
    const port = await freePort();
    const url = `redis://:hunter2-pw@127.0.0.1:${port}/3`;
    const file = writeJson(join(root, 'unreachable.json'), { protocol: TINY, grid: { seeds: [[333]] } });
    const runs = [['sweep', file, '--queue', url, '--out', join(root, 'u')], ['worker', '--queue', url], ['sweep', 'status', '--queue', url]].map((args) => start(args, env));
    procs.push(...runs);
    for (const r of runs) {
      expect((await r.exit).code, r.out()).toBe(1);
      expect(r.out()).toContain(`cannot reach Redis at redis://:***@127.0.0.1:${port}/3`);
      expect(r.out()).not.toContain('hunter2');
      expect(r.out()).not.toMatch(/\n\s+at /);
    }
  }, 120_000);

  it('a worker with different data takes nothing; a second coordinator is refused; status is read-only', async () => {
    const mine = fakeFashion(join(root, 'fashion-a'), 1);
    const other = fakeFashion(join(root, 'fashion-b'), 2);
    const file = writeJson(join(root, 'fashion.json'), { protocol: { ...TINY, seeds: [333], dataset: { name: 'fashion-mnist', trainLimit: 600, testLimit: 100 } }, grid: { 'pruning.fraction': [0.3] } });
    const url = redis.url();
    const coordinator = start(['sweep', file, '--queue', url, '--data-dir', mine, '--out', join(root, 'f')], env);
    procs.push(coordinator);
    await until('the job to be queued', () => coordinator.out().includes('queued 1 seed job(s)'), 60_000);
    const queue = /on 1 queue\(s\): (prunecam-fashion-mnist-[0-9a-f]{16})/.exec(coordinator.out())![1];

    const stranger = start(['worker', '--queue', url, '--data-dir', other, '--datasets', 'fashion-mnist', '--exit-when-idle'], env);
    procs.push(stranger);
    const second = cli(['sweep', file, '--queue', url, '--data-dir', mine, '--out', join(root, 'f2')]);
    expect((await stranger.exit).code, stranger.out()).toBe(0);
    expect(stranger.out()).toMatch(/serving 1 queue\(s\):\n.*prunecam-fashion-mnist-[0-9a-f]{16}/);
    expect(stranger.out()).not.toContain(queue);
    expect(stranger.out()).not.toMatch(/job [0-9a-f]{64}-/);

    expect(second.code, second.out).toBe(1);
    expect(second.out).toMatch(/sweep \S+ \([0-9a-f]{12}\) already has a coordinator .*a second one is refused/);
    expect(second.out).not.toContain(redis.password);

    const status = cli(['sweep', 'status', '--queue', url]);
    expect(status.code, status.out).toBe(0);
    const runId = loadSweepFile(file).cells[0].runId;
    expect(status.out).toMatch(new RegExp(`${runId.slice(0, 12)} +1 +0 +0 +0 +0/2`));
    expect(coordinator.child.exitCode).toBeNull(); // the first coordinator still waits
    killGroup(coordinator, 'SIGTERM');
    await coordinator.exit;
  }, 120_000);

  it('a job whose loss turns NaN fails with that message after its attempts; the other cell completes', async () => {
    const file = writeJson(join(root, 'nan.json'), { protocol: { ...TINY, seeds: [333] }, grid: { 'data.normalize.std': [0.3081, 1e-30] } });
    const plan = loadSweepFile(file);
    const url = redis.url();
    const out = join(root, 'nan');
    const coordinator = start(['sweep', file, '--queue', url, '--out', out, '--attempts', '2', '--backoff-ms', '100'], env);
    procs.push(coordinator);
    await until('the jobs to be queued', () => coordinator.out().includes('queued 2 seed job(s)'), 60_000);
    const worker = start(['worker', '--queue', url, '--datasets', 'mnist-embedded', '--exit-when-idle'], env);
    procs.push(worker);
    const done = await coordinator.exit;
    expect(done.code, coordinator.out()).toBe(1);
    expect(coordinator.out()).toMatch(/cell 2 \(data\.normalize\.std=1e-30\): FAILED\n +seed 333: NonFiniteLossError: loss became NaN at seed 333/);
    expect(coordinator.out()).toMatch(/cell 1 \(data\.normalize\.std=0\.3081\): .*report\.json \(verified\)/);
    expect(existsSync(join(out, plan.cells[0].runId, 'report.json'))).toBe(true);
    expect(existsSync(join(out, plan.cells[1].runId, 'report.json'))).toBe(false);
    await worker.exit;
    expect(worker.out()).toMatch(/attempt 1 failed: NonFiniteLossError/);
    expect(worker.out()).toMatch(/attempt 2 failed: NonFiniteLossError/);
    const status = cli(['sweep', 'status', '--queue', url, '--sweep', plan.id.slice(0, 12)]);
    expect(status.out).toMatch(new RegExp(`${plan.cells[1].runId.slice(0, 12)} +0 +0 +0 +1 `));
    expect(status.out).toContain('failed seed 333: NonFiniteLossError: loss became NaN');
  }, 180_000);
});
