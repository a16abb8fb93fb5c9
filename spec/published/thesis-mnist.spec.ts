import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditReport } from '../../src/report/audit.ts';
import { loadClaims } from '../../src/report/claims.ts';
import { verifyReport } from '../../src/report/verify.ts';

// The published thesis replication (reports/thesis-mnist/): its signature, schema and artifacts
// verify against the committed public key, and its audit gives the verdicts recorded when it was
// published (audit.json, the output of `prunecam audit --json`), so a later change cannot silently break the published result.

const DIR = join(import.meta.dirname, '..', '..', 'reports', 'thesis-mnist');

describe('published thesis replication', () => {
  it('is committed', () => expect(existsSync(join(DIR, 'report.json'))).toBe(true));

  it('verifies against the committed public key (checkpoints are optional and not published)', () => {
    const v = verifyReport(join(DIR, 'report.json'), { pubkey: join(DIR, 'public-key.pem') });
    expect(v.reasons).toEqual([]);
    expect(v.ok).toBe(true);
    expect(v.keyTrust).toBe('trusted-key');
    const p = v.predicate!;
    expect(p.protocol.name).toBe('thesis');
    expect(p.dataset).toMatchObject({ name: 'mnist', subset: false, trainImages: 60000, testImages: 10000 });
    expect(p.seeds.map((s) => s.seed)).toEqual([333, 334, 335]);
    expect(p.aggregate).toHaveLength(26);
  });

  it('audits to the verdicts recorded at publication', () => {
    const v = verifyReport(join(DIR, 'report.json'), { pubkey: join(DIR, 'public-key.pem') });
    const recorded = (JSON.parse(readFileSync(join(DIR, 'audit.json'), 'utf8')) as { audit: { results: Array<{ id: string; verdict: string; measured: number | null }> } }).audit;
    const now = auditReport(v.predicate!, loadClaims());
    expect(now.results.map((r) => [r.id, r.verdict])).toEqual(recorded.results.map((r) => [r.id, r.verdict]));
    for (const r of now.results) {
      const was = recorded.results.find((x) => x.id === r.id)!;
      if (was.measured === null) expect(r.measured).toBeNull();
      else expect(r.measured).toBeCloseTo(was.measured, 12);
    }
  });
});
