import { writeFileAtomic } from '../store/atomic.ts';
import { closeSync, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import { isAbsolute, join, normalize, sep } from 'node:path';
import { FIGURE_FILES, PART2_FIGURE_FILES } from './figures.ts';
import { methodMetricTable } from '../analysis/method-metric-table.ts';
import { pairedDifferences } from '../analysis/paired-differences.ts';
import { EXPLAINER_NAMES } from '../results/types.ts';
import { methodExamplesSection, methodMetricSection, pairedDifferencesSection, part2FiguresSection, type Part2Svgs } from './html-part2.ts';
import { hasPart2 } from './figures-part2.ts';
import { escapeHtml as e, inlineSvg } from './html-escape.ts';
import {
  claimsSection,
  correlationsSection,
  datasetSection,
  environmentSection,
  examplesSection,
  figuresSection,
  headerSection,
  levelsSection,
  protocolSection,
  subsetWarning,
  verificationSection,
  type AuditRow,
  type Verification,
} from './html-sections.ts';
import type { ReportPredicate } from '../report/types.ts';
import type { CorrelationInference } from '../statistics/correlation.ts';

// report.html: one page over its run folder. The figures' SVGs and the CSS are inline; the
// example PNGs are linked by relative path (examples/…png, loaded lazily), so the page stays
// small however many examples a run keeps, and must stay beside its examples/ folder (the signed
// folder keeps them together). A Content-Security-Policy allows images from the page's own
// origin only and no other request, so the page renders the same offline and from an archive.

export type { AuditRow, Verification } from './html-sections.ts';

export interface ReportHtmlExtras {
  verification: Verification;
  audit: AuditRow[];
  /** Per-seed r, bootstrap of r, r on first differences (src/statistics/correlation.ts). */
  correlation?: CorrelationInference | null;
  /** Example PNG paths relative to the run folder, e.g. examples/seed-333-level-00.png: linked, not embedded. */
  examples: string[];
  /** Every-method example grids (PROTOCOL.md Part 2), relative to the run folder: linked, not embedded. */
  methodExamples?: string[];
}

export const REPORT_HTML = 'report.html';
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const CSS = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1020px;padding:16px 24px 48px;color:#1b1b1b;line-height:1.45}
h1{font-size:1.5rem;margin:0 0 4px}h2{font-size:1.2rem;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}h3{font-size:1rem;margin:16px 0 6px}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9em;word-break:break-all}
.run-id,.times,.note{color:#555;margin:2px 0}
.banner{padding:10px 14px;border-radius:6px;margin:14px 0}
.warning{background:#fff4d6;border:2px solid #e0a800}
#verification{padding:8px 14px;border-radius:6px;margin-top:14px}#verification h2{border:0;margin:0;font-size:1rem}
#verification.ok{background:#e6f4ea;border:1px solid #34a853}#verification.fail{background:#fde8e8;border:1px solid #d93025}
table{border-collapse:collapse;margin:6px 0;font-size:.9rem}th,td{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
thead th{background:#f3f3f3}table.kv th{background:#fafafa;font-weight:600;white-space:nowrap}
#levels td,#method-metric-table td,#paired-differences td{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
#method-metric-table tbody{border-top:2px solid #bbb}#method-metric-table tr.baseline{color:#555;background:#fafafa}
#claims .verdict{font-weight:600;white-space:nowrap}
tr.verdict-reproduced .verdict{color:#137333}tr.verdict-not-reproduced .verdict{color:#b3261e}tr.verdict-inconclusive .verdict{color:#a15c00}tr.verdict-structural .verdict,tr.verdict-not-applicable .verdict{color:#666}#claims .rule{font-size:.8rem;color:#444}
details{margin:10px 0}summary{cursor:pointer;font-weight:600}pre{background:#f7f7f7;padding:10px;overflow:auto;font-size:.8rem;max-height:420px}
figure{margin:12px 0}figure svg{max-width:100%;height:auto}figcaption{color:#555;font-size:.85rem}
.example{display:inline-block;margin:4px 12px 4px 0}.example img{image-rendering:pixelated;max-width:100%;border:1px solid #ddd}
`;

/** The full path of a run-relative file that exists, refusing absolute paths and paths that leave the run folder. */
function runPath(runDir: string, rel: string, what: string): string {
  const clean = normalize(rel);
  if (isAbsolute(rel) || clean === '..' || clean.startsWith(`..${sep}`)) {
    throw new RangeError(`${what} "${rel}" must be a path inside the run folder, relative to it`);
  }
  const full = join(runDir, clean);
  if (!existsSync(full)) throw new Error(`${what} "${rel}" does not exist in ${runDir}`);
  return full;
}

/** A run-relative PNG to link from the page, checked to be one (by its signature); returned with / separators. */
function linkedPng(runDir: string, rel: string): string {
  if (!rel.toLowerCase().endsWith('.png')) throw new RangeError(`example "${rel}" is not a .png file`);
  const head = Buffer.alloc(PNG_SIGNATURE.length);
  const fd = openSync(runPath(runDir, rel, 'example image'), 'r');
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  if (!head.equals(PNG_SIGNATURE)) throw new Error(`example image "${rel}" is not a PNG (bad signature)`);
  return normalize(rel).split(sep).join('/');
}

/** The Part 2 figures that writeFigures wrote (absent for reports without per-source scores). */
function readPart2Figures(runDir: string): Part2Svgs {
  const out: Part2Svgs = {};
  for (const key of Object.keys(PART2_FIGURE_FILES) as Array<keyof typeof PART2_FIGURE_FILES>) {
    if (existsSync(join(runDir, PART2_FIGURE_FILES[key]))) out[key] = readFigure(runDir, PART2_FIGURE_FILES[key]);
  }
  return out;
}

function readFigure(runDir: string, rel: string): string {
  try {
    return readFileSync(runPath(runDir, rel, 'figure'), 'utf8');
  } catch (err) {
    throw new Error(`${(err as Error).message}; write the figures (writeFigures) before the HTML report`);
  }
}

/** Part 2 (when the report has per-source scores): method x metric table, figures, differences to RandomCAM, example grids. */
function part2Sections(p: ReportPredicate, extras: Omit<ReportHtmlExtras, 'examples'>, svgs: Part2Svgs): string {
  if (!hasPart2(p)) return '';
  const table = methodMetricTable(p);
  const level0 = p.seeds[0]?.levels[0];
  const columns = [...EXPLAINER_NAMES.filter((m) => level0?.methods?.[m]), ...(p.protocol.explain?.baselines ?? []).filter((b) => level0?.baselines?.[b])];
  return `<div id="part2">
${methodMetricSection(table)}
${part2FiguresSection({
  sourceIou: svgs.sourceIou && inlineSvg(svgs.sourceIou, 'fig-iou-every', PART2_FIGURE_FILES.sourceIou),
  metrics: svgs.metrics && inlineSvg(svgs.metrics, 'fig-metrics', PART2_FIGURE_FILES.metrics),
  randomisation: svgs.randomisation && inlineSvg(svgs.randomisation, 'fig-randomisation', PART2_FIGURE_FILES.randomisation),
})}
${pairedDifferencesSection(pairedDifferences(p.seeds), table.metrics)}
${methodExamplesSection(extras.methodExamples ?? [], columns, p.protocol.seeds?.[0] ?? null)}
</div>`;
}

/** The whole page, from the predicate and already-loaded assets (pure). */
export function renderReportHtml(
  p: ReportPredicate,
  extras: Omit<ReportHtmlExtras, 'examples'>,
  assets: { svgByLevel: string; svgVsDensity: string; examples: string[]; part2?: Part2Svgs },
): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>prunecam report ${e(p.runId.slice(0, 12))} (${e(p.protocol.name)})</title>
<style>${CSS}</style>
</head>
<body>
${headerSection(p)}
${subsetWarning(p)}
${verificationSection(extras.verification)}
${claimsSection(extras.audit)}
${correlationsSection(p, extras.correlation ?? null)}
${figuresSection(inlineSvg(assets.svgByLevel, 'fig-level', FIGURE_FILES.byLevel), inlineSvg(assets.svgVsDensity, 'fig-density', FIGURE_FILES.vsDensity))}
${part2Sections(p, extras, assets.part2 ?? {})}
${levelsSection(p)}
${examplesSection(assets.examples)}
${protocolSection(p)}
${datasetSection(p)}
${environmentSection(p)}
</body>
</html>
`;
}

/**
 * Writes <runDir>/report.html from the predicate, the figures already written by writeFigures
 * and links to the example PNGs (each checked to exist and be a PNG); returns the path written,
 * relative to the run folder.
 */
export function writeReportHtml(runDir: string, p: ReportPredicate, extras: ReportHtmlExtras): string {
  const methodExamples = (extras.methodExamples ?? []).map((rel) => linkedPng(runDir, rel));
  const html = renderReportHtml(p, { ...extras, methodExamples }, {
    svgByLevel: readFigure(runDir, FIGURE_FILES.byLevel),
    svgVsDensity: readFigure(runDir, FIGURE_FILES.vsDensity),
    examples: extras.examples.map((rel) => linkedPng(runDir, rel)),
    part2: readPart2Figures(runDir),
  });
  writeFileAtomic(join(runDir, REPORT_HTML), html);
  return REPORT_HTML;
}
