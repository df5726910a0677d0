/** Tiny element builders: the demo has no UI framework, and these keep the views declarative. */

type Child = Node | string;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> & { dataset?: Record<string, string> } = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const { dataset, ...rest } = props;
  const node = Object.assign(document.createElement(tag), rest);
  if (dataset) Object.assign(node.dataset, dataset);
  node.append(...children);
  return node;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

export function svg(tag: string, attrs: Record<string, string | number> = {}, ...children: Child[]): SVGElement {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  node.append(...children);
  return node;
}

/** Node ids are 40-odd base58 characters; six tell tabs apart at a glance. */
export function short(id: string): string {
  return id.slice(0, 6);
}

/** A node as the user reads it: "you" for this tab's own socket. */
export function who(id: string, self: string): string {
  return id === self ? 'you' : short(id);
}

/** A point on a circle, angle 0 at the top, clockwise, as a ring or a graph is read. */
export function onCircle(cx: number, cy: number, r: number, turns: number): { x: number; y: number } {
  const angle = turns * 2 * Math.PI - Math.PI / 2;
  return { x: cx + r * Math.cos(angle), y: cy + r * Math.sin(angle) };
}

/** An error as one line, its name (LeaseError, KeyError, …) included. */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
