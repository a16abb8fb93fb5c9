// Seed populations (PROTOCOL.md Part 2: seeds are a sample). A seed list is written as numbers
// and inclusive ranges, "333-352" or "333,340-345,400", on the command line and in protocol files.

/** The largest population one list may name: a typo like 333-3330000 should not start a week-long run. */
const MAX_SEEDS = 10_000;

/**
 * Expands "333-352", "333,335" or a mix into the ascending list of distinct seeds. Throws a
 * RangeError naming the bad part. A JSON array may mix numbers and range strings.
 */
export function parseSeedList(spec: string | ReadonlyArray<string | number>): number[] {
  const parts = typeof spec === 'string' ? spec.split(',').map((s) => s.trim()) : spec.map((p) => (typeof p === 'number' ? String(p) : p.trim()));
  if (parts.length === 0 || (parts.length === 1 && parts[0] === '')) throw new RangeError('the seed list is empty');
  const out = new Set<number>();
  for (const part of parts) {
    const m = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(part);
    if (!m) throw new RangeError(`'${part}' is not a seed or a range of seeds (e.g. 333 or 333-352)`);
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to < from) throw new RangeError(`range '${part}' runs backwards`);
    if (to > 4294967295) throw new RangeError(`seed ${to} in '${part}' exceeds 4294967295`);
    if (to - from + 1 + out.size > MAX_SEEDS) throw new RangeError(`'${part}' makes the list longer than ${MAX_SEEDS} seeds`);
    for (let s = from; s <= to; s++) out.add(s);
  }
  return [...out].sort((a, b) => a - b);
}
