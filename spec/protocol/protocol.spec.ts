import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canonicalize } from 'json-canonicalize';
import { lrAt, epochsOf, resolveProtocol, resolveProtocolObject, runId, ProtocolError, SMOKE, THESIS } from '../../src/protocol/index.ts';
import { errorOf } from '../support/errors.ts';
import { followDatasetNormalize } from '../../src/protocol/dataset-normalize.ts';

describe('protocol config', () => {
  it('thesis defaults are PROTOCOL.md values', () => {
    const t = resolveProtocol('thesis');
    expect(t.seeds).toEqual([333, 334, 335]);
    expect(t.data.noise).toEqual({ enabled: true, maxInt: 51, scale: 255 });
    expect(t.data.normalize).toEqual({ mean: 0.1307, std: 0.3081 });
    expect(t.training.optimizer).toEqual({ momentum: 0.9, weightDecay: 1e-4, batchSize: 128 });
    // Pretraining epochs 1-8 at 0.01, 9-10 at 0.001; retraining 11-15 0.01, 16-18 0.001, 19-20 0.0001.
    expect(Array.from({ length: 10 }, (_, e) => lrAt(t.training.pretrain, e))).toEqual([0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.001, 0.001]);
    expect(Array.from({ length: 10 }, (_, e) => lrAt(t.training.retrain, e))).toEqual([0.01, 0.01, 0.01, 0.01, 0.01, 0.001, 0.001, 0.001, 0.0001, 0.0001]);
    expect(t.pruning).toEqual({ strategy: 'sparse_global', fraction: 0.2, levels: 26, layers: ['conv1', 'conv2', 'fc'] });
    expect(t.explain.alphaEps).toBe(1e-6);
    expect(t.explain.normEps).toBe(1e-7);
  });

  it('smoke is the same pipeline, tiny', () => {
    const s = resolveProtocol('smoke');
    expect(s.dataset.trainLimit).toBe(5000);
    expect(epochsOf(s.training.pretrain) + epochsOf(s.training.retrain)).toBe(5);
    expect(s.pruning.levels).toBe(4);
    expect(s.seeds).toHaveLength(2);
    expect(s.data).toEqual(THESIS.data);
  });

  it('a file layers overrides over its base', () => {
    const dir = mkdtempSync(join(tmpdir(), 'prunecam-proto-'));
    const f = join(dir, 'p.json');
    writeFileSync(f, JSON.stringify({ extends: 'smoke', seeds: [1, 2], pruning: { levels: 5 } }));
    const p = resolveProtocol(f);
    expect(p.seeds).toEqual([1, 2]);
    expect(p.pruning).toEqual({ ...SMOKE.pruning, levels: 5 });
    expect(p.dataset).toEqual(SMOKE.dataset);
  });

  it.each([
    [{ pruning: { fraktion: 0.3 } }, '/pruning/fraktion: unknown key'],
    [{ seedz: [1] }, '/seedz: unknown key'],
    [{ pruning: { fraction: '0.2' } }, '/pruning/fraction: must be number, got string'],
    [{ training: { optimizer: { batchSize: 0 } } }, '/training/optimizer/batchSize: must be >= 1'],
    [{ pruning: { fraction: 1.5 } }, '/pruning/fraction: must be < 1'],
    [{ dataset: { name: 'cifar' } }, '/dataset/name: must be one of'],
    [{ data: { noise: false } }, '/data/noise: must be object, got boolean'],
    [{ extends: 'nope' }, '/extends: must be one of'],
  ])('rejects %j naming the field', (override, message) => {
    expect(() => resolveProtocolObject(override, 'test.json')).toThrowError(ProtocolError);
    expect(() => resolveProtocolObject(override, 'test.json')).toThrowError(message);
  });

  it('lists every type change, unknown key and schema error at once', () => {
    const e = errorOf(() => resolveProtocolObject({ pruning: { fraction: '0.2', fraktion: 0.3 }, data: { noise: false }, training: { optimizer: { batchSize: 0 } } }, 'test.json'));
    expect(e).toBeInstanceOf(ProtocolError);
    expect(e.message.split('\n').slice(1).map((l) => l.trim()).sort()).toEqual([
      '/data/noise: must be object, got boolean',
      '/pruning/fraction: must be number, got string',
      '/pruning/fraktion: unknown key',
      '/training/optimizer/batchSize: must be >= 1',
    ]);
  });

  it('names a missing protocol and a non-JSON file', () => {
    expect(() => resolveProtocol('/nonexistent/p.json')).toThrowError(/unknown protocol '\/nonexistent\/p.json'/);
    const dir = mkdtempSync(join(tmpdir(), 'prunecam-proto-'));
    writeFileSync(join(dir, 'bad.json'), '{ seeds: ');
    expect(() => resolveProtocol(join(dir, 'bad.json'))).toThrowError(/is not valid JSON/);
  });

  it('run id = sha256 of the RFC 8785 canonical JSON without the seeds, independent of key order', () => {
    const t = resolveProtocol('thesis');
    const { seeds: _seeds, ...withoutSeeds } = t;
    expect(runId(t)).toBe(createHash('sha256').update(canonicalize(withoutSeeds)).digest('hex'));
    // RFC 8785 sorts keys: a reordered copy has the same id.
    const reverseKeys = (v: unknown): unknown =>
      v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reverseKeys(x)])) : v;
    const reordered = reverseKeys(t) as typeof t;
    expect(JSON.stringify(reordered)).not.toBe(JSON.stringify(t));
    expect(runId(reordered)).toBe(runId(t));
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), (a, b) => {
        const pa = resolveProtocolObject({ pruning: { levels: a } });
        const pb = resolveProtocolObject({ pruning: { levels: b } });
        expect(runId(pa) === runId(pb)).toBe(a === b);
      }),
      { numRuns: 50 },
    );
  });
});

describe('Part 2 protocol fields', () => {
  it('refuses a randomisation level the run does not have, naming the field', () => {
    const err = errorOf(() => resolveProtocolObject({ extends: 'smoke', controls: { randomisation: { levels: [0, 7], images: 10 } } }, 'p.json'));
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err.message).toContain('/controls/randomisation/levels/1');
    expect(err.message).toContain('levels 0..3');
  });
  it('refuses an unknown explainer, naming the field', () => {
    const err = errorOf(() => resolveProtocolObject({ explain: { methods: ['gradcampp', 'scorecam'] } }, 'p.json'));
    expect(err.message).toContain('/explain/methods/1');
  });
  it('accepts random_global pruning', () => {
    expect(resolveProtocolObject({ extends: 'smoke', pruning: { strategy: 'random_global' } }).pruning.strategy).toBe('random_global');
  });
});

describe('D2 follows the dataset', () => {
  it('a change of dataset alone takes the new dataset\'s own statistics (PROTOCOL.md: Fashion-MNIST 0.2860 / 0.3530)', () => {
    const before = resolveProtocol('thesis');
    const after = followDatasetNormalize(before, resolveProtocolObject({ dataset: { name: 'fashion-mnist' } }));
    expect(after.data.normalize).toEqual({ mean: 0.286, std: 0.353 });
    expect(after.data.noise).toEqual(before.data.noise);
  });
  it('keeps a normalisation set on purpose, and MNIST statistics for the embedded MNIST subset', () => {
    const before = resolveProtocol('thesis');
    const own = resolveProtocolObject({ dataset: { name: 'fashion-mnist' }, data: { normalize: { mean: 0.5, std: 0.5 } } });
    expect(followDatasetNormalize(before, own).data.normalize).toEqual({ mean: 0.5, std: 0.5 });
    const embedded = followDatasetNormalize(before, resolveProtocolObject({ dataset: { name: 'mnist-embedded' } }));
    expect(embedded.data.normalize).toEqual({ mean: 0.1307, std: 0.3081 });
  });
});
