import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSweepFile } from '../../src/sweep/grid.ts';
import { DEFAULT_TOLERANCES, diffReports } from '../../src/audit/diff.ts';
import { verifyReport } from '../../src/report/verify.ts';
import type { ReportPredicate } from '../../src/report/types.ts';
import { hasRedisServer, startRedis, type TestRedis } from '../support/redis.ts';
import { BIN, killGroup, start, TINY, until, writeJson, type Proc } from './support.ts';
import { predicateOfReportFile } from '../support/report-file.ts';

// The smoke sweep (2 cells x 2 seeds) on local worker processes, then on a real Redis with two
// workers, one of which is SIGKILLed mid-seed: the sweep still completes and every report
// equals the local one (prunecam diff: no drift; the level numbers are identical).

const root = mkdtempSync(join(tmpdir(), 'prunecam-sweep-'));
const env = { ...process.env, PRUNECAM_SIGNING_KEY: join(root, 'key.pem') };
const sweepFile = writeJson(join(root, 'sweep.json'), { name: 'smoke-2x2', protocol: TINY, grid: { 'pruning.fraction': [0.2, 0.5] } });
const plan = loadSweepFile(sweepFile);
let redis: TestRedis;
const procs: Proc[] = [];

const numbers = (p: ReportPredicate) => p.seeds.map((s) => s.levels.map(({ wallTimeS: _t, ...m }) => m));

describe.skipIf(!hasRedisServer())('sweep on a BullMQ queue', () => {
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

  it('2 cells x 2 seeds: two workers, one SIGKILLed mid-seed, give the reports of the local sweep', async () => {
    const local = join(root, 'local');
    let t0 = Date.now();
    const l = spawnSync(process.execPath, [BIN, 'sweep', sweepFile, '--out', local, '--jobs', '2'], { env, encoding: 'utf8' });
    const localS = (Date.now() - t0) / 1000;
    expect(l.status, l.stderr + l.stdout).toBe(0);

    const queued = join(root, 'queued');
    const url = redis.url();
    t0 = Date.now();
    const coordinator = start(['sweep', sweepFile, '--out', queued, '--queue', url, '--attempts', '2', '--backoff-ms', '200'], env);
    procs.push(coordinator);
    await until('the jobs to be queued', () => coordinator.out().includes('queued 4 seed job(s)'), 60_000);
    const worker = () => start(['worker', '--queue', url, '--datasets', 'mnist-embedded', '--lock-ms', '3000', '--exit-when-idle'], env);
    const a = worker();
    const b = worker();
    procs.push(a, b);

    // Kill worker a once a seed it runs has its level 0 stored in Redis but not its last level.
    const r = new Redis({ port: redis.port, host: '127.0.0.1', password: redis.password });
    let killed = '';
    await until(
      'worker a to store a level of a seed in progress',
      async () => {
        const started = [...a.out().matchAll(/job ([0-9a-f]{64})-(\d+): seed/g)];
        const cur = started.at(-1);
        if (!cur || a.out().includes(`job ${cur[1]}-${cur[2]}: done`)) return false;
        const fields = await r.hkeys(`prunecam:files:${cur[1]}:${cur[2]}`);
        if (!fields.includes(`seed-${cur[2]}/level-00.ckpt.json.gz`) || fields.includes(`seed-${cur[2]}/level-01.ckpt.json.gz`)) return false;
        killed = `${cur[2]} of run ${cur[1].slice(0, 12)}`;
        return true;
      },
      120_000,
    );
    killGroup(a);
    await a.exit;
    const c = worker(); // a replacement, as a Slurm requeue would start
    procs.push(c);

    const done = await coordinator.exit;
    const queuedS = (Date.now() - t0) / 1000;
    expect(done.code, coordinator.out()).toBe(0);
    await Promise.all([b.exit, c.exit]);
    const rest = b.out() + c.out();
    expect(rest).toMatch(new RegExp(`resuming seed ${killed} from [12] stored checkpoint`));

    for (const cell of plan.cells) {
      const A = join(local, cell.runId, 'report.json');
      const B = join(queued, cell.runId, 'report.json');
      // What `prunecam diff A B` and `prunecam verify B` do, in process (each CLI start costs seconds).
      const vA = verifyReport(A);
      const vB = verifyReport(B);
      expect(vB.ok, vB.reasons.join('; ')).toBe(true);
      expect(diffReports(vA.predicate!, vB.predicate!, DEFAULT_TOLERANCES).drifts).toEqual([]);
      expect(numbers(predicateOfReportFile(B))).toEqual(numbers(predicateOfReportFile(A)));
    }

    const status = spawnSync(process.execPath, [BIN, 'sweep', 'status', '--queue', url], { env, encoding: 'utf8' });
    expect(status.status, status.stderr).toBe(0);
    for (const cell of plan.cells) expect(status.stdout).toMatch(new RegExp(`${cell.runId.slice(0, 12)} +0 +0 +2 +0 +4/4`));
    for (const text of [coordinator.out(), b.out(), c.out(), status.stdout, readFileSync(join(queued, plan.cells[0].runId, 'report.json'), 'utf8')]) {
      expect(text).not.toContain(redis.password);
    }
    expect(coordinator.out()).toContain('redis://:***@127.0.0.1');
    console.log(`2x2 smoke sweep wall time: local (--jobs 2) ${localS.toFixed(1)} s; queue with 2 workers (one killed) ${queuedS.toFixed(1)} s; killed mid-seed ${killed}\n${status.stdout}`);
    r.disconnect();
  }, 300_000);
});
