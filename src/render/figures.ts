import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { View, parse, Warn } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { byLevelSpec, vsDensitySpec } from './figures-specs.ts';
import { hasPart2, metricsSpec, randomisationSpec, sourceIouSpec } from './figures-part2.ts';
import type { ReportPredicate } from '../report/types.ts';

// Renders the report figures headless: Vega-Lite -> Vega -> SVG string (renderer 'none', so no
// canvas or fonts are needed; SVG text is drawn by the viewer).

/** The figure files, relative to the run folder. */
export const FIGURE_FILES = {
  byLevel: 'figures/accuracy-iou-by-level.svg',
  vsDensity: 'figures/accuracy-iou-vs-density.svg',
} as const;

/** The Part 2 figures, written when the report has per-source scores (the randomisation one when the control ran). */
export const PART2_FIGURE_FILES = {
  sourceIou: 'figures/iou-by-level-every-method.svg',
  metrics: 'figures/metrics-by-level.svg',
  randomisation: 'figures/randomisation.svg',
} as const;

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none', logLevel: Warn });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Both figures as SVG strings. */
export async function renderFigures(p: ReportPredicate): Promise<{ byLevel: string; vsDensity: string }> {
  return { byLevel: await renderSvg(byLevelSpec(p)), vsDensity: await renderSvg(vsDensitySpec(p)) };
}

/** The Part 2 figures as SVG strings (empty when the report has no per-source scores). */
export async function renderPart2Figures(p: ReportPredicate): Promise<Partial<Record<keyof typeof PART2_FIGURE_FILES, string>>> {
  if (!hasPart2(p)) return {};
  const out: Partial<Record<keyof typeof PART2_FIGURE_FILES, string>> = { sourceIou: await renderSvg(sourceIouSpec(p)), metrics: await renderSvg(metricsSpec(p)) };
  const rnd = randomisationSpec(p);
  if (rnd) out.randomisation = await renderSvg(rnd);
  return out;
}

/** Writes figures/*.svg into the run folder; returns the paths written, relative to it. */
export async function writeFigures(runDir: string, p: ReportPredicate): Promise<string[]> {
  const svgs = await renderFigures(p);
  mkdirSync(join(runDir, 'figures'), { recursive: true });
  const written: string[] = [];
  for (const key of ['byLevel', 'vsDensity'] as const) {
    writeFileSync(join(runDir, FIGURE_FILES[key]), svgs[key]);
    written.push(FIGURE_FILES[key]);
  }
  const part2 = await renderPart2Figures(p);
  for (const key of Object.keys(PART2_FIGURE_FILES) as Array<keyof typeof PART2_FIGURE_FILES>) {
    if (part2[key] === undefined) continue;
    writeFileSync(join(runDir, PART2_FIGURE_FILES[key]), part2[key]);
    written.push(PART2_FIGURE_FILES[key]);
  }
  return written;
}
