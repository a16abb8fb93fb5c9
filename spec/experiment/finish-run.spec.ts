import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { methodsExampleFile } from '../../src/experiment/evaluate.ts';
import { exampleFile } from '../../src/experiment/examples.ts';
import type { Progress } from '../../src/experiment/progress.ts';
import { finishRun, type RunOutcome } from '../../src/experiment/run.ts';
import { gzipCheckpoint } from '../../src/prune/checkpoint-file.ts';
import { generateSigningKey, writeKeyPair } from '../../src/report/keys.ts';
import { verifyReport } from '../../src/report/verify.ts';
import { writeExamplesPng, writeMethodsGridPng } from '../../src/render/png.ts';
import { writeFileAtomic } from '../../src/store/atomic.ts';
import { syntheticExample } from '../figures/fabricated-run.ts';
import { fabricatePredicate } from '../support/predicate.ts';

// The end of a run over a folder an earlier version began: an example PNG for every seed and
// level, plain checkpoints. finishRun keeps the selected examples only, compresses the
// checkpoints, and signs exactly what is left; report.html links example PNGs that are there
// and signed.

const p = fabricatePredicate({ seeds: [333, 334, 335, 336], levels: 8, part2: true });
const config = p.protocol;
const root = mkdtempSync(join(tmpdir(), 'prunecam-finish-'));
const runDir = join(root, p.runId);
const info: string[] = [];
const progress: Progress = { event: () => {}, info: (m) => info.push(m), warn: (m) => info.push(`warn: ${m}`), done: () => {} };
let outcome: RunOutcome;
afterAll(() => rmSync(root, { recursive: true, force: true }));

beforeAll(async () => {
  const { privatePath } = writeKeyPair(join(root, 'key.pem'), generateSigningKey());
  writeFileAtomic(join(runDir, 'protocol.json'), `${JSON.stringify(config, null, 2)}\n`);
  const example = syntheticExample(0, 3, 3);
  for (const seed of config.seeds) {
    writeFileAtomic(join(runDir, `seed-${seed}`, 'pretrain.ckpt.json'), `{"seed":${seed},"level":"pretrain"}`);
    for (let level = 0; level < 8; level++) {
      const ckpt = join(runDir, `seed-${seed}`, `level-${String(level).padStart(2, '0')}.ckpt.json`);
      // Levels 0-3 as an earlier version wrote them, 4-7 as this one does.
      if (level < 4) writeFileAtomic(ckpt, `{"seed":${seed},"level":${level}}`);
      else writeFileAtomic(`${ckpt}.gz`, gzipCheckpoint(`{"seed":${seed},"level":${level}}`));
      writeExamplesPng(join(runDir, exampleFile(seed, level)), [example]);
    }
  }
  for (const level of [0, 5]) writeMethodsGridPng(join(runDir, methodsExampleFile(333, level)), [{ noisy: example.noisy, heatmaps: [example.heatmap] }]);
  outcome = await finishRun({ runDir, runId: p.runId, config, dataset: p.dataset, seeds: p.seeds, history: { startedAt: p.startedAt }, environment: p.environment, key: privatePath, progress });
}, 120_000);

describe('finishRun over a folder begun by an earlier version', () => {
  it('keeps the example PNGs of the first 3 seeds at levels 0, 5 and 7 and the every-method grids, saying how many it removed', () => {
    const kept = [333, 334, 335].flatMap((s) => [0, 5, 7].map((l) => exampleFile(s, l).slice('examples/'.length)));
    expect(readdirSync(join(runDir, 'examples')).sort()).toEqual([...kept, 'methods-seed-333-level-00.png', 'methods-seed-333-level-05.png'].sort());
    expect(info).toContain('  removed 23 example PNG(s) outside the published selection (seeds 333, 334, 335, levels 0, 5, 10, … and 7)');
  });

  it('compresses the plain checkpoints, saying how many, and signs the .gz files as optional artifacts', () => {
    expect(info).toContain(`  compressed ${4 * 5} plain checkpoint(s) to .ckpt.json.gz`);
    for (const seed of config.seeds) expect(readdirSync(join(runDir, `seed-${seed}`)).every((f) => f.endsWith('.ckpt.json.gz'))).toBe(true);
    const checkpoints = outcome.predicate.artifacts.filter((a) => a.name.startsWith('seed-'));
    expect(checkpoints).toHaveLength(4 * 9);
    expect(checkpoints.every((a) => a.optional && a.name.endsWith('.ckpt.json.gz'))).toBe(true);
  });

  it('signs exactly the files in the folder, and the report verifies', () => {
    const listed = outcome.predicate.artifacts.map((a) => a.name).sort();
    const onDisk = readdirSync(runDir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name).slice(runDir.length + 1))
      .filter((f) => !['report.json', 'report.html', 'public-key.pem', 'run.lock'].includes(f))
      .sort();
    expect(listed).toEqual(onDisk);
    expect(verifyReport(outcome.reportPath).reasons).toEqual([]);
  });

  it("report.html's images are relative links to example PNGs that exist and are listed artifacts", () => {
    const html = readFileSync(outcome.htmlPath, 'utf8');
    const srcs = [...html.matchAll(/<img src="([^"]+)" loading="lazy"/g)].map((m) => m[1]);
    expect(srcs).toHaveLength(9 + 2);
    const listed = new Set(outcome.predicate.artifacts.map((a) => a.name));
    for (const src of srcs) {
      expect(src, src).toMatch(/^examples\/[\w-]+\.png$/);
      expect(existsSync(join(runDir, src)), src).toBe(true);
      expect(listed.has(src), src).toBe(true);
    }
    expect(html).not.toContain('data:image/png');
  });
});
