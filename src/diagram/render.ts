// DOT → SVG with Graphviz compiled to WebAssembly (@viz-js/viz): runs offline inside Node, no browser,
// no native binary. The same DOT and the same Graphviz build give byte-identical SVG.
import { instance } from '@viz-js/viz';

let viz: ReturnType<typeof instance> | undefined;

export async function renderSvg(dot: string): Promise<string> {
  viz ??= instance();
  const svg = (await viz).renderString(dot, { format: 'svg', engine: 'dot' });
  return svg.endsWith('\n') ? svg : `${svg}\n`;
}

/** The SVG without its XML prolog and DOCTYPE, to inline in an HTML page. */
export function inlineSvg(svg: string): string {
  return svg.slice(Math.max(0, svg.indexOf('<svg'))).trim();
}
