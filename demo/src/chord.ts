/**
 * The chord explorer over a ChordSocket with k = 4 (a ring of 16 positions): join and leave, set
 * and get with the node that answered and the hops it took, and the ring as this node knows it
 * (itself, its predecessor, successors and fingers, from ringState()).
 */
import type { ChordSocket, LookupInfo, NodeEntry } from 'web2p';
import { describeError, el, onCircle, svg, who } from './dom.js';
import { joinRoom } from './room-status.js';

/** Ring drawing geometry, in SVG user units. */
const SIZE = 360;
const CENTER = SIZE / 2;
const RADIUS = 130;
/** ringState() has no change event (stabilization moves it), so the picture refreshes on a timer too. */
const REDRAW_MS = 1000;

export function mountChord(root: HTMLElement, sock: ChordSocket): void {
  const status = el('p', { id: 'chord-status' });
  const join = el('button', { id: 'chord-join', type: 'button' }, 'Join the ring');
  const leave = el('button', { id: 'chord-leave', type: 'button', disabled: true }, 'Leave');
  const key = el('input', { id: 'chord-key', placeholder: 'key', autocomplete: 'off', required: true });
  const value = el('input', { id: 'chord-value', placeholder: 'value', autocomplete: 'off' });
  const setButton = el('button', { id: 'chord-set', type: 'button' }, 'Set');
  const getButton = el('button', { id: 'chord-get', type: 'button' }, 'Get');
  const result = el('p', { id: 'chord-result' });
  const ring = svg('svg', { id: 'chord-ring', viewBox: `0 0 ${SIZE} ${SIZE}`, role: 'img' });
  let lastKey: { name: string; position: number } | undefined;

  const draw = (): void => {
    const state = sock.ringState();
    const nodes = new Map<string, number>();
    if (state.position !== undefined) nodes.set(sock.id, state.position);
    for (const entry of [state.predecessor, ...state.successors, ...state.fingers].filter((e): e is NodeEntry => e !== undefined)) {
      nodes.set(entry.id, entry.position);
    }
    const slots = 2 ** sock.k;
    const at = (position: number, r = RADIUS) => onCircle(CENTER, CENTER, r, position / slots);
    const parts: SVGElement[] = [svg('circle', { cx: CENTER, cy: CENTER, r: RADIUS, class: 'ring' })];
    for (let p = 0; p < slots; p++) {
      const { x, y } = at(p, RADIUS + 22);
      parts.push(svg('text', { x, y, class: 'slot' }, String(p)));
    }
    const self = state.position === undefined ? undefined : at(state.position);
    if (self) for (const finger of state.fingers) parts.push(svg('line', { x1: self.x, y1: self.y, ...end(at(finger.position)), class: 'finger' }));
    if (lastKey) {
      const { x, y } = at(lastKey.position, RADIUS - 52);
      parts.push(svg('text', { x, y, class: 'key' }, `◆ ${lastKey.name}`));
    }
    for (const [id, position] of nodes) {
      const { x, y } = at(position);
      const label = at(position, RADIUS - 26);
      parts.push(
        svg('circle', { cx: x, cy: y, r: 9, class: id === sock.id ? 'node self' : 'node', 'data-id': id }),
        svg('text', { x: label.x, y: label.y, class: 'label' }, who(id, sock.id)),
      );
    }
    ring.replaceChildren(...parts);
    ring.dataset.nodes = String(nodes.size);
    status.textContent = sock.joined ? `on the ring at position ${state.position} of ${slots}` : 'not on the ring: reads and writes go through storing neighbours';
    join.disabled = sock.joined;
    leave.disabled = !sock.joined;
  };

  /** Runs one user action with the buttons locked, showing its outcome or its error. */
  const act = async (what: () => Promise<string>): Promise<void> => {
    const buttons = [join, leave, setButton, getButton];
    buttons.forEach((b) => (b.disabled = true));
    result.classList.remove('error');
    try {
      result.textContent = await what();
    } catch (error) {
      result.classList.add('error');
      result.textContent = describeError(error);
    } finally {
      [setButton, getButton].forEach((b) => (b.disabled = false));
      draw();
    }
  };
  const answered = (info: LookupInfo): string => {
    lastKey = { name: key.value, position: info.position };
    return `answered by ${who(info.node, sock.id)} in ${info.hops} hop${info.hops === 1 ? '' : 's'} (key position ${info.position})`;
  };

  join.addEventListener('click', () => void act(async () => (await sock.join(), 'joined the ring')));
  leave.addEventListener('click', () => void act(async () => (await sock.leave(), 'left the ring; its keys went to its successor')));
  setButton.addEventListener('click', () =>
    void act(async () => {
      await sock.set(key.value, value.value);
      // set() reports nothing about its route, so a lookup of the key just written shows where it landed.
      return `stored “${key.value}”: ${answered(await sock.getWithInfo(key.value))}`;
    }),
  );
  getButton.addEventListener('click', () =>
    void act(async () => {
      const info = await sock.getWithInfo(key.value);
      return `${info.found ? `“${key.value}” = “${String(info.value)}”` : `“${key.value}” is not set`}: ${answered(info)}`;
    }),
  );
  for (const event of ['join', 'leave', 'peer', 'disconnect'] as const) sock.on(event, draw);
  setInterval(draw, REDRAW_MS);
  draw();

  root.append(
    el('h2', {}, 'Chord explorer'),
    joinRoom(sock, 'chord'),
    el('div', { className: 'row' }, join, leave, status),
    el('div', { className: 'row' }, key, value, setButton, getButton),
    result,
    ring,
  );
}

function end(point: { x: number; y: number }): { x2: number; y2: number } {
  return { x2: point.x, y2: point.y };
}
