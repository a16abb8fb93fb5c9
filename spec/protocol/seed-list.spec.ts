import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SMOKE, THESIS } from '../../src/protocol/builtin.ts';
import { resolveProtocol, runId, withOverrides } from '../../src/protocol/resolve.ts';
import { parseSeedList } from '../../src/protocol/seed-list.ts';

describe('seed lists', () => {
  it('expands ranges and lists, ascending and without repeats', () => {
    expect(parseSeedList('333-337')).toEqual([333, 334, 335, 336, 337]);
    expect(parseSeedList('340, 333-334,333')).toEqual([333, 334, 340]);
    expect(parseSeedList(['333-335', 400])).toEqual([333, 334, 335, 400]);
    expect(parseSeedList('333-352')).toHaveLength(20);
  });
  it('names the bad part', () => {
    expect(() => parseSeedList('335-333')).toThrow("range '335-333' runs backwards");
    expect(() => parseSeedList('1,x')).toThrow("'x' is not a seed or a range of seeds");
    expect(() => parseSeedList('')).toThrow('the seed list is empty');
    expect(() => parseSeedList('0-20000')).toThrow('longer than 10000 seeds');
  });
  it('protocol files may write seeds as ranges', () => {
    const f = join(mkdtempSync(join(tmpdir(), 'prunecam-seeds-')), 'p.json');
    writeFileSync(f, JSON.stringify({ extends: 'smoke', seeds: '333-342' }));
    expect(resolveProtocol(f).seeds).toEqual([333, 334, 335, 336, 337, 338, 339, 340, 341, 342]);
    writeFileSync(f, JSON.stringify({ extends: 'smoke', seeds: ['1-2', 9] }));
    expect(resolveProtocol(f).seeds).toEqual([1, 2, 9]);
    writeFileSync(f, JSON.stringify({ extends: 'smoke', seeds: '9-1' }));
    expect(() => resolveProtocol(f)).toThrow("/seeds: range '9-1' runs backwards");
  });
});

describe('run id', () => {
  it('does not depend on the seed list, and does on everything else', () => {
    expect(runId(withOverrides(THESIS, { seeds: [1, 2, 3, 4] }))).toBe(runId(THESIS));
    expect(runId(SMOKE)).not.toBe(runId(THESIS));
    expect(runId(withOverrides(THESIS, { pruning: { levels: 5 } }))).not.toBe(runId(THESIS));
  });
});
