// Small, independent SVG inspection helpers for the figure specs (no code shared with src/).

const HTML_VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr']);

/**
 * Throws unless `xml` is well formed: balanced, properly nested tags and no bare '&'. With
 * `html`, the doctype is skipped and HTML void elements (img, meta, ...) need no closing tag.
 */
export function assertWellFormedXml(xml: string, html = false): void {
  const body = xml.replace(/<\?[\s\S]*?\?>/g, '').replace(/<!--[\s\S]*?-->/g, '').replace(/^<!DOCTYPE html>/i, '');
  const stack: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/g;
  let last = 0;
  for (let m = tag.exec(body); m; m = tag.exec(body)) {
    const between = body.slice(last, m.index);
    if (between.includes('<')) throw new Error(`malformed markup near: ${between.slice(between.indexOf('<'), between.indexOf('<') + 60)}`);
    last = tag.lastIndex;
    const [, closing, name, , selfClosing] = m;
    if (closing) {
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> closes <${open}>`);
    } else if (!selfClosing && !(html && HTML_VOID.has(name.toLowerCase()))) stack.push(name);
  }
  if (body.slice(last).includes('<')) throw new Error('malformed markup at the end');
  if (stack.length) throw new Error(`unclosed tags: ${stack.join(' > ')}`);
  const bare = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.exec(body);
  if (bare) throw new Error(`bare & at ${bare.index}: ${body.slice(bare.index, bare.index + 20)}`);
}

/** The translate(x,y) positions of the paths inside the SVG mark group with the given class. */
export function markPositions(svg: string, markClass: string): Array<{ x: number; y: number }> {
  const start = svg.indexOf(`${markClass}"`);
  if (start < 0) throw new Error(`no mark group with class ${markClass}`);
  const group = svg.slice(start, svg.indexOf('</g>', start));
  return [...group.matchAll(/<path[^>]*transform="translate\(([-\d.e]+),([-\d.e]+)\)"/g)].map((m) => ({ x: Number(m[1]), y: Number(m[2]) }));
}

/** x positions of axis tick labels by their text (first occurrence of each text). */
export function axisLabelX(svg: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const group of svg.split('role-axis-label').slice(1)) {
    const body = group.slice(0, group.indexOf('</g>'));
    for (const m of body.matchAll(/<text[^>]*transform="translate\(([-\d.e]+),[-\d.e]+\)"[^>]*>([^<]*)<\/text>/g)) {
      if (!out.has(m[2])) out.set(m[2], Number(m[1]));
    }
  }
  return out;
}

/** Text content of every <text> element. */
export function texts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
}
