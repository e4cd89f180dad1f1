/// <reference lib="dom" />
// Small DOM helpers for the report webview. Everything is built with createElement and
// textContent: no innerHTML, so nothing from a report (a file name, a message) is ever parsed
// as markup.

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: Array<Node | string>
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

export function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number> = {},
  ...children: Array<Node | string>
): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  for (const c of children) e.append(c);
  return e;
}

/** A tooltip for an SVG element (its <title> child). */
export function svgTitle(text: string): SVGTitleElement {
  const t = document.createElementNS(SVG_NS, 'title');
  t.textContent = text;
  return t;
}
