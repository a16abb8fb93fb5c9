import type { SeedEvent } from '../prune/levels.ts';

/**
 * Progress of a run. On a terminal: one live bar per seed (level, epoch, images/s, ETA),
 * redrawn in place. Otherwise (CI, a log file): one plain line per finished level.
 */
export interface Progress {
  event(seed: number, e: SeedEvent): void;
  info(message: string): void;
  warn(message: string): void;
  done(): void;
}

export interface ProgressPlan {
  seeds: number[];
  levels: number;
  /** Training epochs: pretraining's and one level's. */
  pretrainEpochs: number;
  retrainEpochs: number;
}

function fmtTime(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '--:--';
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = Math.floor(s % 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : `${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}`;
}

interface SeedState {
  line: string;
  /** Epochs finished (pretraining counts as its epochs), for the ETA. */
  epochsDone: number;
  started: number;
}

export function createProgress(plan: ProgressPlan, stream: NodeJS.WriteStream = process.stderr, tty = stream.isTTY === true): Progress {
  const totalEpochs = plan.pretrainEpochs + plan.levels * plan.retrainEpochs;
  const states = new Map<number, SeedState>(plan.seeds.map((s) => [s, { line: `seed ${s}: waiting`, epochsDone: 0, started: Date.now() }]));
  let drawn = 0;
  const redraw = () => {
    if (!tty) return;
    if (drawn) stream.write(`\x1b[${drawn}A`);
    for (const s of plan.seeds) stream.write(`\x1b[2K${states.get(s)!.line}\n`);
    drawn = plan.seeds.length;
  };
  const above = (text: string) => {
    if (tty && drawn) {
      stream.write(`\x1b[${drawn}A\x1b[0J`);
      drawn = 0;
    }
    stream.write(`${text}\n`);
    redraw();
  };
  const bar = (frac: number, width = 24) => {
    const full = Math.round(Math.max(0, Math.min(1, frac)) * width);
    return `[${'#'.repeat(full)}${'.'.repeat(width - full)}]`;
  };
  return {
    event(seed, e) {
      const st = states.get(seed);
      if (!st) return;
      if (e.kind === 'train') {
        const p = e.progress;
        const within = p.epoch - 1 + p.step / p.stepsTotal;
        const base = e.level === 'pretrain' ? 0 : plan.pretrainEpochs + e.level * plan.retrainEpochs;
        const done = base + within;
        const elapsed = (Date.now() - st.started) / 1000;
        const eta = done > 0 ? (elapsed / done) * (totalEpochs - done) : NaN;
        const where = e.level === 'pretrain' ? 'pretrain' : `level ${e.level}/${plan.levels - 1}`;
        st.line = `seed ${seed} ${bar(done / totalEpochs)} ${where} epoch ${p.epoch}/${p.epochsTotal} ${Math.round(p.imagesPerS)} img/s ETA ${fmtTime(eta)}`;
        if (tty) redraw();
      } else if (e.kind === 'evaluate') {
        st.line = `seed ${seed} level ${e.level}/${plan.levels - 1}: Grad-CAM++ and accuracy…`;
        if (tty) redraw();
      } else if (e.kind === 'pretrain-done') {
        above(`seed ${seed} pretraining ${e.resumed ? 'loaded from checkpoint' : 'done'}: final loss ${e.finalTrainLoss.toFixed(4)}`);
      } else if (e.kind === 'level-done') {
        const m = e.metrics;
        st.line = `seed ${seed} level ${m.level}/${plan.levels - 1} done`;
        above(
          `seed ${seed} level ${String(m.level).padStart(2)} ${e.resumed ? '(checkpoint)' : '            '} weights ${String(m.remainingWeights).padStart(4)} ` +
            `density ${(m.density * 100).toFixed(2).padStart(6)}%  acc ${(m.cleanAccuracy * 100).toFixed(2)}% noisy ${(m.noisyAccuracy * 100).toFixed(2)}%  ` +
            `IoU ${m.meanIoU.toFixed(4)}  loss ${m.finalTrainLoss.toFixed(4)}  ${m.wallTimeS.toFixed(1)} s`,
        );
      }
    },
    info: (m) => above(m),
    warn: (m) => above(`warning: ${m}`),
    done() {
      if (tty && drawn) {
        stream.write(`\x1b[${drawn}A\x1b[0J`);
        drawn = 0;
      }
    },
  };
}
