/** JSON pointers where `a` and `b` differ, not descending into the `skip` paths. Arrays compare whole. */
export function differingPaths(a: unknown, b: unknown, skip: string[] = [], path = ''): string[] {
  if (skip.includes(path)) return [];
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObj(a) && isObj(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => differingPaths(a[k], b[k], skip, `${path}/${k}`));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [path || '(top level)'];
}
