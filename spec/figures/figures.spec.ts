import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderFigures, writeFigures } from '../../src/render/figures.ts';
import { densityTicks, levelTicks } from '../../src/render/figures-specs.ts';
import type { ReportPredicate } from '../../src/report/types.ts';
import { fabricatePredicate, remainingWeightsByLevel } from '../support/predicate.ts';
import { assertWellFormedXml, axisLabelX, markPositions, texts } from './svg-check.ts';

// The figures are checked through their SVG output: well-formed XML, titles, one plotted point
// per level, and point positions that follow a linear level axis / a log10 density axis.

const LEVELS = 26;
let p: ReportPredicate;
let byLevel: string;
let vsDensity: string;
const dirs: string[] = [];

beforeAll(async () => {
  p = fabricatePredicate({ levels: LEVELS });
  ({ byLevel, vsDensity } = await renderFigures(p));
});
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('fabricated predicate (spec helper)', () => {
  it('follows PROTOCOL.md: 26 levels from 2324 to 2 weights, 3 seeds', () => {
    expect(remainingWeightsByLevel(26)).toEqual([
      2324, 1858, 1485, 1187, 948, 757, 604, 482, 384, 306, 243, 193, 153, 121, 95, 75, 59, 46, 35, 27, 20, 15, 11, 7, 4, 2,
    ]);
    expect(p.aggregate).toHaveLength(26);
    expect(p.seeds.map((s) => s.seed)).toEqual([333, 334, 335]);
  });
});

describe('figures', () => {
  it('are well-formed SVG documents', () => {
    for (const svg of [byLevel, vsDensity]) {
      expect(svg.startsWith('<svg')).toBe(true);
      assertWellFormedXml(svg);
    }
  });

  it('carry the titles and axis titles', () => {
    expect(texts(byLevel)).toEqual(expect.arrayContaining(['Pruning level', 'Test accuracy (%)', 'Mean soft IoU']));
    expect(texts(vsDensity)).toEqual(expect.arrayContaining(['Remaining weights (density, log scale)', 'Test accuracy (%)', 'Mean soft IoU']));
    expect(texts(byLevel)).toContain('Accuracy and heatmap IoU per pruning level — mnist');
    expect(texts(vsDensity)).toContain('Accuracy and heatmap IoU against density — mnist');
    for (const series of ['Clean accuracy', 'Noisy accuracy (dashed)', 'Mean IoU']) expect(texts(byLevel)).toContain(series);
  });

  it('plot one clean-accuracy point and one IoU point per level', () => {
    for (const svg of [byLevel, vsDensity]) {
      expect(markPositions(svg, 'clean_accuracy_points_marks')).toHaveLength(LEVELS);
      expect(markPositions(svg, 'iou_points_marks')).toHaveLength(LEVELS);
    }
  });

  it('draw the noisy accuracy as a dashed line and the seed spread as bands', () => {
    expect(byLevel).toMatch(/class="mark-line role-mark accuracy_line_1_marks"[^>]*>\s*<path[^>]*stroke-dasharray="6,4"/);
    expect(byLevel).toContain('mark-area role-mark accuracy_band_marks');
    expect(byLevel).toContain('mark-area role-mark iou_band_marks');
  });

  it('place levels on a linear axis, and the highest IoU point highest', () => {
    const pts = markPositions(byLevel, 'iou_points_marks');
    const step = pts[1].x - pts[0].x;
    expect(step).toBeGreaterThan(0);
    pts.forEach((pt, i) => expect(Math.abs(pt.x - (pts[0].x + i * step))).toBeLessThan(0.01));
    const iou = p.aggregate.map((a) => a.meanIoU.mean);
    const best = iou.indexOf(Math.max(...iou));
    const top = pts.reduce((b, pt, i) => (pt.y < pts[b].y ? i : b), 0);
    expect(top).toBe(best);
    // every level gets its own integer tick label up to 25 (every 2nd level: 0, 2, ..., 24)
    const labels = axisLabelX(byLevel);
    for (const l of ['0', '2', '12', '24']) expect(labels.has(l)).toBe(true);
  });

  it('use a reversed log10 density axis labelled in percent (100% ... 0.1%)', () => {
    const x = axisLabelX(vsDensity);
    for (const label of ['100%', '50%', '10%', '1%', '0.1%']) expect(x.has(label), `tick label ${label}`).toBe(true);
    const decade = x.get('10%')! - x.get('100%')!;
    expect(decade).toBeGreaterThan(50); // pruning runs left to right
    expect(x.get('1%')! - x.get('10%')!).toBeCloseTo(decade, 1);
    expect(x.get('0.1%')! - x.get('1%')!).toBeCloseTo(decade, 1);
    expect(x.get('50%')! - x.get('100%')!).toBeCloseTo(Math.log10(2) * decade, 1);
    // each point sits at log10(100 / density%) decades right of the 100% tick (labels sit +0.5 px)
    markPositions(vsDensity, 'clean_accuracy_points_marks').forEach((pt, i) => {
      const want = x.get('100%')! - 0.5 + Math.log10(1 / p.aggregate[i].density) * decade;
      expect(Math.abs(pt.x - want), `level ${i}`).toBeLessThan(0.6);
    });
  });

  it('name a subset dataset in the titles', async () => {
    const sub = await renderFigures(fabricatePredicate({ subset: true, levels: 5 }));
    expect(texts(sub.byLevel)).toContain('Accuracy and heatmap IoU per pruning level — mnist-embedded (10,000-image subset)');
    expect(texts(sub.vsDensity)).toContain('Accuracy and heatmap IoU against density — mnist-embedded (10,000-image subset)');
    expect(byLevel).not.toContain('subset');
  });

  it('escape markup in the dataset name', async () => {
    const q = fabricatePredicate({ levels: 4 });
    q.dataset.name = 'mnist <&> "x"';
    const svg = (await renderFigures(q)).byLevel;
    assertWellFormedXml(svg);
    expect(svg).toContain('mnist &lt;&amp;&gt;');
  });

  it('leave 0%-density levels off the log axis and say so', async () => {
    const q = fabricatePredicate({ levels: 4 });
    for (const s of q.seeds) s.levels[3] = { ...s.levels[3], remainingWeights: 0, density: 0 };
    q.aggregate[3] = { ...q.aggregate[3], remainingWeights: 0, density: 0 };
    const { byLevel: lv, vsDensity: vd } = await renderFigures(q);
    expect(markPositions(lv, 'iou_points_marks')).toHaveLength(4);
    expect(markPositions(vd, 'iou_points_marks')).toHaveLength(3);
    expect(vd).toContain('>level 3 (0% density) not shown on the log axis</tspan>');
  });

  it('reject inconsistent predicates with a message naming the problem', async () => {
    const missing = fabricatePredicate({ levels: 3 });
    missing.seeds[1].levels.pop();
    await expect(renderFigures(missing)).rejects.toThrow('seed 334 has no metrics for level 2');
    const nan = fabricatePredicate({ levels: 3 });
    nan.seeds[0].levels[1].meanIoU = Number.NaN;
    await expect(renderFigures(nan)).rejects.toThrow('seed 333 level 1 meanIoU is NaN');
    await expect(renderFigures({ ...fabricatePredicate({ levels: 2 }), aggregate: [] })).rejects.toThrow('no aggregate levels');
  });

  it('writeFigures writes both SVGs into figures/ and returns their relative paths', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prunecam-fig-'));
    dirs.push(dir);
    const written = await writeFigures(dir, fabricatePredicate({ levels: 3, seeds: [333] }));
    expect(written).toEqual(['figures/accuracy-iou-by-level.svg', 'figures/accuracy-iou-vs-density.svg']);
    for (const rel of written) {
      expect(existsSync(join(dir, rel))).toBe(true);
      expect(markPositions(readFileSync(join(dir, rel), 'utf8'), 'clean_accuracy_points_marks')).toHaveLength(3);
    }
  });
});

describe('spec helpers', () => {
  it('assertWellFormedXml rejects crossed, unclosed and bare-& markup', () => {
    expect(() => assertWellFormedXml('<a><b></a></b>')).toThrow('</a> closes <b>');
    expect(() => assertWellFormedXml('<svg><g>')).toThrow('unclosed tags: svg > g');
    expect(() => assertWellFormedXml('<t>R&D</t>')).toThrow('bare &');
    expect(() => assertWellFormedXml('<p><img src="x"></p>', true)).not.toThrow();
  });
});

describe('tick helpers', () => {
  it('densityTicks gives the 1-2-5 sequence inside the range', () => {
    expect(densityTicks(0.069, 125)).toEqual([100, 50, 20, 10, 5, 2, 1, 0.5, 0.2, 0.1]);
    expect(densityTicks(40, 125)).toEqual([100, 90, 80, 70, 60, 50, 40]);
  });
  it('levelTicks keeps at most ~15 integer ticks', () => {
    expect(levelTicks(2)).toEqual([0, 1, 2]);
    expect(levelTicks(25)).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24]);
  });
});
