import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditReport } from '../../src/audit/audit.ts';
import { loadClaims } from '../../src/audit/claims.ts';
import { verifyReport } from '../../src/report/verify.ts';

// The three published runs of issue 17, each a signed report folder committed with its
// checkpoints: what the issue asks of each folder (dataset, pruning strategy, seed list, 26 levels,
// at most 30 MB, checkpoints present so `verify --recompute` works on a clone, report.html linking
// its example PNGs) and that its audit still gives the verdicts recorded when it was published
// (audit.json, the output of `prunecam audit --json`). The thesis claims do not apply to the
// random-pruning and Fashion-MNIST runs (PROTOCOL.md Part 2: another pruning strategy or dataset).

const REPORTS = join(import.meta.dirname, '..', '..', 'reports');
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

interface Published {
  folder: string;
  dataset: string;
  strategy: string;
  seeds: number[];
  /** Whether the thesis claims apply (only the magnitude-pruned MNIST run). */
  thesisClaimsApply: boolean;
}

const PUBLISHED: Published[] = [
  { folder: 'thesis-mnist', dataset: 'mnist', strategy: 'sparse_global', seeds: range(333, 352), thesisClaimsApply: true },
  { folder: 'thesis-mnist-random-pruning', dataset: 'mnist', strategy: 'random_global', seeds: range(333, 342), thesisClaimsApply: false },
  { folder: 'thesis-fashion-mnist', dataset: 'fashion-mnist', strategy: 'sparse_global', seeds: range(333, 342), thesisClaimsApply: false },
];

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

describe.each(PUBLISHED.map((p) => [p.folder, p] as const))('published report reports/%s/', (_, pub) => {
  const dir = join(REPORTS, pub.folder);
  const v = verifyReport(join(dir, 'report.json'), { pubkey: join(dir, 'public-key.pem') });
  const p = v.predicate!;
  const audit = auditReport(p, loadClaims());

  it('verifies against the committed public key, with every artifact (checkpoints included) present', () => {
    expect(v.reasons).toEqual([]);
    expect(v.ok).toBe(true);
    expect(v.keyTrust).toBe('trusted-key');
    expect(v.notes.filter((n) => /not present/.test(n))).toEqual([]);
  });

  it('is the run the issue asks for: dataset, pruning strategy, seeds, 26 levels', () => {
    expect(p.dataset).toMatchObject({ name: pub.dataset, subset: false, trainImages: 60000, testImages: 10000 });
    expect(p.protocol.pruning.strategy).toBe(pub.strategy);
    expect(p.seeds.map((s) => s.seed).sort((a, b) => a - b)).toEqual(pub.seeds);
    expect(p.aggregate).toHaveLength(26);
    for (const s of p.seeds) expect(s.levels).toHaveLength(26);
  });

  it('holds a checkpoint for pretraining and every level of every seed (recomputation needs them)', () => {
    for (const seed of pub.seeds) {
      const names = readdirSync(join(dir, `seed-${seed}`));
      expect(names.filter((n) => /^level-\d\d\.ckpt\.json\.gz$/.test(n)), `seed ${seed}`).toHaveLength(26);
      expect(names.some((n) => /^pretrain\.ckpt\.json\.gz$/.test(n)), `seed ${seed} pretraining`).toBe(true);
    }
  });

  it('is at most 30 MB', () => {
    const bytes = filesUnder(dir).reduce((n, f) => n + statSync(f).size, 0);
    expect(bytes).toBeLessThanOrEqual(30 * 1024 * 1024);
  });

  it('report.html links its example PNGs (each present) instead of embedding them', () => {
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).not.toContain('data:image/png');
    const linked = [...html.matchAll(/src="(examples\/[^"]+\.png)"/g)].map((m) => m[1]);
    expect(linked.length).toBeGreaterThan(0);
    for (const l of linked) expect(existsSync(join(dir, l)), l).toBe(true);
    const onDisk = filesUnder(join(dir, 'examples')).map((f) => relative(dir, f));
    expect(onDisk.sort()).toEqual([...new Set(linked)].sort());
  });

  it('audits to the verdicts recorded in audit.json (the output of `prunecam audit --json`)', () => {
    const recorded = (JSON.parse(readFileSync(join(dir, 'audit.json'), 'utf8')) as { audit: { results: Array<{ id: string; verdict: string; measured: number | null }> } }).audit;
    expect(audit.results.map((r) => [r.id, r.verdict])).toEqual(recorded.results.map((r) => [r.id, r.verdict]));
    for (const r of audit.results) {
      const was = recorded.results.find((x) => x.id === r.id)!;
      if (was.measured === null) expect(r.measured).toBeNull();
      else expect(r.measured).toBeCloseTo(was.measured, 12);
    }
  });

  it(pub.thesisClaimsApply ? 'gives the thesis claims verdicts' : 'calls every thesis claim not applicable, naming the condition that differs', () => {
    const results = audit.results;
    expect(results.length).toBeGreaterThan(0);
    if (pub.thesisClaimsApply) {
      expect(results.filter((r) => r.verdict === 'not applicable')).toEqual([]);
    } else {
      const differing = pub.dataset !== 'mnist' ? /dataset/ : /strategy/;
      for (const r of results) {
        expect(r.verdict, r.id).toBe('not applicable');
        expect(r.reason, r.id).toMatch(differing);
      }
    }
  });
});
