// Text and markup helpers for the HTML report.

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and double- or single-quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/**
 * Prepares an SVG document for inlining into an HTML page: drops any XML prolog/doctype and
 * prefixes every id (and its url(#id) / href="#id" references) so two inlined figures cannot
 * collide (vega names its clip paths clip1, clip2, ... in every SVG).
 */
export function inlineSvg(svg: string, idPrefix: string, label: string): string {
  if (!/^[A-Za-z][\w-]*$/.test(idPrefix)) throw new RangeError(`inlineSvg: id prefix "${idPrefix}" is not a valid id start`);
  const start = svg.indexOf('<svg');
  if (start < 0 || !svg.trimEnd().endsWith('</svg>')) throw new Error(`${label}: not an SVG document (no <svg ...>...</svg>)`);
  return svg
    .slice(start)
    .replace(/\bid="([^"]+)"/g, (_, id: string) => `id="${idPrefix}-${id}"`)
    .replace(/url\(#([^)]+)\)/g, (_, id: string) => `url(#${idPrefix}-${id})`)
    .replace(/\b(xlink:href|href)="#([^"]+)"/g, (_, attr: string, id: string) => `${attr}="#${idPrefix}-${id}"`);
}

/**
 * An <img> of a PNG beside report.html, by its run-relative path: linked, not embedded, so the
 * page stays small however many examples a run has; the browser loads each when scrolled to.
 */
export function linkedImage(rel: string, alt: string): string {
  return `<img src="${escapeHtml(encodeURI(rel))}" loading="lazy" alt="${escapeHtml(alt)}">`;
}
