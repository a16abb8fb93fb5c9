import type { SeedEvent } from '../prune/levels.ts';
import { unitKey, type SweepPlan, type WorkUnit } from './grid.ts';

// What a sweep is doing, per unit (one seed of one run): the model behind the live progress of
// `prunecam sweep` and the table of `prunecam sweep status`. A unit's progress is counted in
// steps: pretraining is one, each pruning level one more.

export type UnitState = 'waiting' | 'active' | 'done' | 'failed';

/** A unit's progress, as a worker reports it (also BullMQ's job progress). */
export interface UnitProgress {
  levels: number;
  levelsDone: number;
  /** Pretraining plus levels done (resumed ones included). */
  stepsDone: number;
  /** Mean seconds of the steps computed (not resumed) so far, or null before the first. */
  secondsPerStep: number | null;
  /** What it is doing: "pretrain epoch 2/4", "level 1 evaluate". */
  phase: string;
}

export interface UnitStatus extends WorkUnit {
  state: UnitState;
  progress: UnitProgress;
  error?: string;
}

export function initialProgress(levels: number): UnitProgress {
  return { levels, levelsDone: 0, stepsDone: 0, secondsPerStep: null, phase: 'waiting' };
}

/** Folds one seed event into a unit's progress; `stepStarted` is when the current step began (ms). */
export function advance(p: UnitProgress, e: SeedEvent, clock: { stepStarted: number; computed: number; seconds: number }): UnitProgress {
  const now = Date.now();
  const computedStep = () => {
    clock.computed += 1;
    clock.seconds += (now - clock.stepStarted) / 1000;
    clock.stepStarted = now;
  };
  switch (e.kind) {
    case 'train':
      return { ...p, phase: `${e.level === 'pretrain' ? 'pretrain' : `level ${e.level}`} epoch ${e.progress.epoch}/${e.progress.epochsTotal}` };
    case 'evaluate':
      return { ...p, phase: `level ${e.level} evaluate` };
    case 'pretrain-done':
      if (e.resumed) clock.stepStarted = now;
      else computedStep();
      return { ...p, stepsDone: 1, phase: 'pretrain done', secondsPerStep: clock.computed ? clock.seconds / clock.computed : p.secondsPerStep };
    case 'level-done':
      if (e.resumed) clock.stepStarted = now;
      else computedStep();
      return { ...p, levelsDone: e.level + 1, stepsDone: e.level + 2, phase: `level ${e.level} done`, secondsPerStep: clock.computed ? clock.seconds / clock.computed : p.secondsPerStep };
  }
}

export function newClock() {
  return { stepStarted: Date.now(), computed: 0, seconds: 0 };
}

export class SweepTracker {
  readonly units = new Map<string, UnitStatus>();
  constructor(readonly plan: SweepPlan) {
    for (const c of plan.cells) for (const seed of c.config.seeds) this.units.set(unitKey({ runId: c.runId, seed }), { cell: c.index, runId: c.runId, seed, state: 'waiting', progress: initialProgress(c.config.pruning.levels) });
  }
  get(u: { runId: string; seed: number }): UnitStatus {
    return this.units.get(unitKey(u))!;
  }
  set(u: { runId: string; seed: number }, change: Partial<Omit<UnitStatus, 'progress'>> & { progress?: Partial<UnitProgress> }): UnitStatus {
    const cur = this.get(u);
    const next = { ...cur, ...change, progress: { ...cur.progress, ...(change.progress ?? {}) } };
    this.units.set(unitKey(u), next);
    return next;
  }
  finished(): boolean {
    return [...this.units.values()].every((u) => u.state === 'done' || u.state === 'failed');
  }
}

function fmtEta(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '--';
  if (s <= 0) return '0s';
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = Math.round(s % 60);
  return h ? `${h}h${String(m).padStart(2, '0')}m` : m ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}

export interface StatusRow {
  cell: number;
  label: string;
  runId: string;
  waiting: number;
  active: number;
  done: number;
  failed: number;
  levelsDone: number;
  levelsTotal: number;
  etaS: number | null;
  errors: string[];
}

/**
 * Per run: seeds by state, levels done, ETA. The ETA spreads the remaining steps of the sweep
 * over the units running now (at least one), at the mean measured seconds per step.
 */
export function statusRows(plan: SweepPlan, units: UnitStatus[]): StatusRow[] {
  const rates = units.map((u) => u.progress.secondsPerStep).filter((x): x is number => x !== null);
  const sps = rates.length ? rates.reduce((a, b) => a + b, 0) / rates.length : null;
  const running = Math.max(1, units.filter((u) => u.state === 'active').length);
  const remaining = (u: UnitStatus) => (u.state === 'done' || u.state === 'failed' ? 0 : u.progress.levels + 1 - u.progress.stepsDone);
  let before = 0;
  return plan.cells.map((c) => {
    const mine = units.filter((u) => u.runId === c.runId);
    const left = mine.reduce((s, u) => s + remaining(u), 0);
    // Runs are served roughly in order: a run's ETA includes the work queued before it.
    before += left;
    return {
      cell: c.index,
      label: c.label,
      runId: c.runId,
      waiting: mine.filter((u) => u.state === 'waiting').length,
      active: mine.filter((u) => u.state === 'active').length,
      done: mine.filter((u) => u.state === 'done').length,
      failed: mine.filter((u) => u.state === 'failed').length,
      levelsDone: mine.reduce((s, u) => s + u.progress.levelsDone, 0),
      levelsTotal: mine.reduce((s, u) => s + u.progress.levels, 0),
      etaS: left === 0 ? 0 : sps === null ? null : (before * sps) / running,
      errors: mine.filter((u) => u.error).map((u) => `seed ${u.seed}: ${u.error}`),
    };
  });
}

export function renderStatus(plan: SweepPlan, units: UnitStatus[]): string {
  const rows = statusRows(plan, units);
  const head = `sweep ${plan.name} (${plan.id.slice(0, 12)}): ${plan.cells.length} runs, ${units.length} seeds`;
  const lines = [head, `  ${'run'.padEnd(13)} ${'waiting'.padStart(7)} ${'active'.padStart(6)} ${'done'.padStart(4)} ${'failed'.padStart(6)} ${'levels'.padStart(9)} ${'ETA'.padStart(7)}  cell`];
  for (const r of rows) {
    lines.push(
      `  ${r.runId.slice(0, 12).padEnd(13)} ${String(r.waiting).padStart(7)} ${String(r.active).padStart(6)} ${String(r.done).padStart(4)} ${String(r.failed).padStart(6)} ${`${r.levelsDone}/${r.levelsTotal}`.padStart(9)} ${fmtEta(r.etaS).padStart(7)}  ${r.cell + 1}: ${r.label}`,
    );
    for (const e of r.errors) lines.push(`      failed ${e}`);
  }
  return lines.join('\n');
}
