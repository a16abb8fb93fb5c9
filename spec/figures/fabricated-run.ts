import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFigures } from '../../src/render/figures.ts';
import { writeReportHtml, type AuditRow, type ReportHtmlExtras } from '../../src/render/html.ts';
import { writeExamplesPng, writeMethodsGridPng, type HeatmapExample } from '../../src/render/png.ts';
import type { ReportPredicate } from '../../src/report/types.ts';
import { fabricatePredicate, type FabricateOptions } from '../support/predicate.ts';

// A complete fabricated run folder (figures, example PNGs, report.html) for the figure/HTML specs.

/** Claim text with markup characters, to check that the HTML escapes what it is given. */
export const HOSTILE_CLAIM = '<script>alert("pwned")</script> & <b>bold</b>';

export const AUDIT: AuditRow[] = [
  { claim: 'dense clean accuracy (mean of seeds)', thesis: '98.17%', measured: '98.16%', tolerance: '± 0.5 pp', d: '-0.01 pp', interval: '[-0.20 pp, +0.18 pp]', df: 'df 19', verdict: 'reproduced', rule: 'TOST: I90 inside' },
  { claim: 'Pearson r(accuracy, IoU)', thesis: '0.960, p < .001', measured: '0.907', tolerance: '≥ 0.8', d: '+0.1070', interval: '[-0.20, -0.05]', df: 'B 10000', verdict: 'not reproduced', rule: 'bootstrap: one-sided' },
  { claim: 'mean IoU at level 0', thesis: '0.179', measured: '0.150', tolerance: '±0.030', d: '-0.0290', interval: '[-0.09, +0.03]', df: 'df 2', verdict: 'inconclusive', rule: 'no number of seeds would decide it' },
  { claim: 'density at level 17', thesis: '1.98%', measured: '1.98%', tolerance: 'prints as 1.98%', d: '—', interval: '—', df: '—', verdict: 'structural', rule: 'structural' },
  { claim: HOSTILE_CLAIM, thesis: 'a < b', measured: 'b > a', tolerance: "it's fine", d: '—', interval: '—', df: '—', verdict: 'not applicable', rule: 'not applicable' },
];

/** A 28x28 digit-like ring, a noisy copy (noise only on zero pixels) and a blob heatmap. */
export function syntheticExample(shift: number, label: number, predicted: number): HeatmapExample {
  const clean = new Float32Array(784);
  const noisy = new Float32Array(784);
  const heatmap = new Float32Array(784);
  for (let r = 0; r < 28; r++) {
    for (let c = 0; c < 28; c++) {
      const i = r * 28 + c;
      const d = Math.hypot(r - 14, c - 14 - shift);
      clean[i] = d > 6 && d < 9 ? 1 - Math.abs(d - 7.5) / 2 : 0;
      noisy[i] = clean[i] === 0 ? ((r * 7 + c * 13) % 52) / 255 : clean[i];
      heatmap[i] = Math.exp(-((r - 10) ** 2 + (c - 12 - shift) ** 2) / 40);
    }
  }
  return { clean, noisy, heatmap, label, predicted };
}

export interface FabricatedRun {
  runDir: string;
  predicate: ReportPredicate;
  extras: ReportHtmlExtras;
  figures: string[];
}

/** Writes figures, example PNGs (seed 333 at three levels) and report.html into a temp folder. */
export async function fabricateRun(opts: FabricateOptions & { verified?: boolean } = {}): Promise<FabricatedRun> {
  const runDir = mkdtempSync(join(tmpdir(), 'prunecam-run-'));
  // Part 2 scores unless asked otherwise, so the HTML specs see every section.
  const predicate = fabricatePredicate({ part2: true, ...opts });
  const figures = await writeFigures(runDir, predicate);
  const last = predicate.aggregate.length - 1;
  const examples = [...new Set([0, Math.min(10, last), last])].map((level) => {
    const rel = `examples/seed-333-level-${String(level).padStart(2, '0')}.png`;
    writeExamplesPng(join(runDir, rel), [syntheticExample(0, 3, 3), syntheticExample(2, 8, level === last ? 1 : 8)]);
    return rel;
  });
  const methodExamples = predicate.seeds[0].levels[0].methods
    ? [0, 5].filter((l) => l <= last).map((level) => {
        const rel = `examples/methods-seed-333-level-${String(level).padStart(2, '0')}.png`;
        const ex = syntheticExample(0, 3, 3);
        writeMethodsGridPng(join(runDir, rel), [0, 1].map(() => ({ noisy: ex.noisy, heatmaps: Array.from({ length: 10 }, () => ex.heatmap) })));
        return rel;
      })
    : [];
  const ok = opts.verified ?? true;
  const extras: ReportHtmlExtras = {
    verification: { ok, message: ok ? 'DSSE signature valid (key id fabricated-key)' : 'signature mismatch <for key "x">' },
    audit: AUDIT,
    examples,
    methodExamples,
  };
  writeReportHtml(runDir, predicate, extras);
  return { runDir, predicate, extras, figures };
}
