import { mkdirSync } from 'node:fs';
import { recordStart, type RunHistory } from '../experiment/history.ts';
import { backendInfo, selectBackend, type BackendChoice } from '../backend/select.ts';
import { loadDataset, type Dataset } from '../data/sources.ts';
import { describeEnvironment } from '../experiment/environment.ts';
import { datasetIdentity } from '../experiment/run.ts';
import type { Progress } from '../experiment/progress.ts';
import { acquireRunLock } from '../store/lock.ts';
import { resolveSigningKey } from '../report/keys.ts';
import { collectCells, runDirOf, writeProtocol, type UnitOutput } from './collect.ts';
import { prunecamVersion, type Compat } from './compat.ts';
import { loadSweepFile, unitKey, unitsOf, type SweepPlan, type WorkUnit } from './grid.ts';
import { runUnitsLocally } from './local-pool.ts';
import { runOnQueue } from './queue.ts';
import { claimCoordinator, connect, loadUnitFiles } from './redis.ts';
import { snapshot } from './status.ts';
import { writeSummary, type CellOutcome } from './summary.ts';
import { renderStatus, SweepTracker } from './tracker.ts';
import { SweepError } from './schema.ts';

// `prunecam sweep`: expands the sweep file (refusing it whole if any cell is invalid), loads each
// cell's data, runs every unit (one seed of one run) on local worker processes or on a BullMQ
// queue, then writes each finished cell's run folder and signed report and the sweep summary.

export interface SweepOptions {
  file: string;
  out: string;
  jobs: number;
  queue?: string;
  backend: BackendChoice;
  dataDir?: string;
  key?: string;
  attempts: number;
  backoffMs: number;
  stream?: NodeJS.WriteStream;
}

export interface SweepOutcome {
  plan: SweepPlan;
  cells: CellOutcome[];
  summary: string[];
  status: string;
}

/** Live progress: on a terminal the status table redrawn in place; otherwise a line per change and the table when a seed ends. */
export function sweepDisplay(plan: SweepPlan, tracker: SweepTracker, stream: NodeJS.WriteStream = process.stderr) {
  const tty = stream.isTTY === true;
  let drawn = 0;
  let timer: NodeJS.Timeout | null = null;
  const last = new Map<string, string>();
  const draw = () => {
    timer = null;
    const text = renderStatus(plan, [...tracker.units.values()]);
    if (drawn) stream.write(`\x1b[${drawn}A\x1b[0J`);
    stream.write(`${text}\n`);
    drawn = text.split('\n').length;
  };
  return {
    onChange(u: WorkUnit) {
      if (tty) {
        timer ??= setTimeout(draw, 300);
        return;
      }
      const s = tracker.get(u);
      const line = `${s.state}${s.state === 'active' ? ` ${s.progress.levelsDone}/${s.progress.levels} levels` : ''}${s.error ? `: ${s.error}` : ''}`;
      if (last.get(unitKey(u)) === line) return;
      last.set(unitKey(u), line);
      stream.write(`run ${u.runId.slice(0, 12)} seed ${u.seed} (cell ${u.cell + 1}): ${line}\n`);
      // The status table (as `sweep status` prints it) whenever a seed ends, minus the final one.
      if ((s.state === 'done' || s.state === 'failed') && !tracker.finished()) stream.write(`${renderStatus(plan, [...tracker.units.values()])}\n`);
    },
    log(line: string) {
      if (tty && drawn) {
        stream.write(`\x1b[${drawn}A\x1b[0J`);
        drawn = 0;
      }
      stream.write(`${line}\n`);
    },
    done() {
      if (timer) clearTimeout(timer);
      timer = null;
      if (tty && drawn) {
        stream.write(`\x1b[${drawn}A\x1b[0J`);
        drawn = 0;
      }
    },
  };
}

function quietProgress(log: (s: string) => void): Progress {
  return { event() {}, info: () => {}, warn: (m) => log(`warning: ${m}`), done() {} };
}

/** Each cell's data, loaded once per distinct dataset config; a cell whose data is missing is refused before any work. */
function loadCellData(plan: SweepPlan, dataDir?: string): Dataset[] {
  const cache = new Map<string, Dataset>();
  const problems: string[] = [];
  const out = plan.cells.map((c) => {
    const k = JSON.stringify(c.config.dataset);
    try {
      if (!cache.has(k)) cache.set(k, loadDataset(c.config.dataset, dataDir));
      return cache.get(k)!;
    } catch (e) {
      problems.push(`cell ${c.index + 1} (${c.label}): ${(e as Error).message.split('\n')[0]}`);
      return null as unknown as Dataset;
    }
  });
  if (problems.length) throw new SweepError(`cannot load the data of ${problems.length} cell(s):\n  ${problems.join('\n  ')}`);
  return out;
}

export async function runSweep(o: SweepOptions): Promise<SweepOutcome> {
  const startedAt = new Date().toISOString();
  const plan = loadSweepFile(o.file);
  // The signing key is needed only at the end: an unusable one is refused before any work.
  resolveSigningKey({ keyPath: o.key });
  // A queue that cannot be reached fails before the data is loaded.
  const c = o.queue ? await connect(o.queue) : null;
  let datasets: Dataset[];
  try {
    datasets = loadCellData(plan, o.dataDir);
  } catch (e) {
    c?.redis.disconnect();
    throw e;
  }
  const tracker = new SweepTracker(plan);
  const display = sweepDisplay(plan, tracker, o.stream);
  const units = unitsOf(plan);
  mkdirSync(o.out, { recursive: true });
  let cells: CellOutcome[];
  if (!o.queue) {
    const backend = await selectBackend(o.backend);
    const environment = describeEnvironment(await backendInfo());
    display.log(`sweep ${plan.name} (${plan.id.slice(0, 12)}): ${plan.cells.length} runs, ${units.length} seeds, ${o.jobs} local worker process(es), backend ${backend}`);
    // A run folder's report is dated by its first start, with every resume listed (as `prunecam run`
    // does), not by the sweep that happened to finish it.
    const histories = new Map<string, RunHistory>();
    const releases = plan.cells.map((c) => {
      const dir = runDirOf(o.out, c.runId);
      mkdirSync(dir, { recursive: true });
      const release = acquireRunLock(dir);
      writeProtocol(dir, c.config);
      histories.set(c.runId, recordStart(dir, startedAt));
      return release;
    });
    try {
      const results = await runUnitsLocally(units, tracker, { jobs: o.jobs, backend, dataDir: o.dataDir, runDir: (u) => runDirOf(o.out, u.runId), onChange: display.onChange });
      display.done();
      const outputs = new Map<string, UnitOutput>();
      for (const u of units) {
        const r = results.get(unitKey(u));
        if (r) outputs.set(unitKey(u), { result: r, environment, dataset: datasetIdentity(datasets[u.cell]) });
      }
      cells = await collectCells(plan, tracker, outputs, { out: o.out, key: o.key, startedAt, histories, progress: quietProgress(display.log), locked: true });
    } finally {
      for (const r of releases) r();
    }
  } else {
    if (!c) throw new Error('unreachable');
    try {
      const release = await claimCoordinator(c.redis, plan, c.conn.display);
      try {
        // The backend named in the jobs: the one this machine resolves, unless --backend names one.
        const backend = o.backend === 'auto' ? await selectBackend('auto') : o.backend;
        const compats: Compat[] = plan.cells.map((cell, i) => ({ prunecamVersion: prunecamVersion(), backend, dataset: cell.config.dataset.name, files: datasets[i].files }));
        display.log(`sweep ${plan.name} (${plan.id.slice(0, 12)}): ${plan.cells.length} runs, ${units.length} seeds on ${c.conn.display}, backend ${backend}`);
        const results = await runOnQueue(plan, compats, c, tracker, { attempts: o.attempts, backoffMs: o.backoffMs, onChange: display.onChange, log: display.log });
        display.done();
        cells = await collectCells(plan, tracker, results, { out: o.out, key: o.key, startedAt, progress: quietProgress(display.log), filesOf: (runId, seed) => loadUnitFiles(c.redis, runId, seed) });
      } finally {
        await release();
      }
    } finally {
      c.redis.disconnect();
    }
  }
  const summary = await writeSummary(o.out, plan, cells);
  return { plan, cells, summary, status: renderStatus(plan, [...tracker.units.values()]) };
}

/** `prunecam sweep collect`: writes the finished cells of the sweeps recorded in Redis (no sweep file needed). */
export async function collectFromQueue(url: string, out: string, key: string | undefined, idPrefix: string | undefined, log: (s: string) => void): Promise<SweepOutcome[]> {
  resolveSigningKey({ keyPath: key });
  const c = await connect(url);
  try {
    const snaps = await snapshot(c, idPrefix);
    if (!snaps.length) throw new SweepError(`no sweep${idPrefix ? ` with id ${idPrefix}…` : ''} is recorded on ${c.conn.display}`);
    const outcomes: SweepOutcome[] = [];
    for (const s of snaps) {
      const release = await claimCoordinator(c.redis, s.plan, c.conn.display);
      try {
        const cells = await collectCells(s.plan, s.tracker, s.results, { out, key, startedAt: s.record.createdAt, progress: quietProgress(log), filesOf: (runId, seed) => loadUnitFiles(c.redis, runId, seed) });
        const summary = await writeSummary(out, s.plan, cells);
        outcomes.push({ plan: s.plan, cells, summary, status: renderStatus(s.plan, [...s.tracker.units.values()]) });
      } finally {
        await release();
      }
    }
    return outcomes;
  } finally {
    c.redis.disconnect();
  }
}
