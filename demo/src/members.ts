/**
 * The chat's member list: every tab in the room, not only this tab's neighbours (`sock.members`),
 * by the name each publishes with `setMeta({ name })`, marked "direct" when linked to this tab and
 * "via mesh" when reached through others. Kept current from the member events.
 */
import type { MeshSocket } from 'web2p';
import { el, short } from './dom.js';

/** Publishes `name`'s value as this tab's member name (now and as it is edited); returns the list. */
export function memberList(sock: MeshSocket, name: HTMLInputElement): HTMLElement {
  const list = el('ul', { id: 'chat-members-list' });
  const count = el('h3', {}, 'In the room');
  const publish = (): void => sock.setMeta({ name: name.value.trim().slice(0, 24) });
  name.addEventListener('input', publish);
  publish();

  const show = (): void => {
    const members = [...sock.members.values()].sort((a, b) => label(a.meta, a.id).localeCompare(label(b.meta, b.id)));
    count.textContent = `In the room (${members.length + 1})`;
    list.replaceChildren(
      el('li', { className: 'member self' }, el('b', {}, `${name.value || short(sock.id)} (you)`)),
      ...members.map((m) =>
        el(
          'li',
          { className: 'member', dataset: { id: m.id, link: m.neighbour ? 'direct' : 'mesh' } },
          el('b', {}, label(m.meta, m.id)),
          el('small', { title: m.id }, ` ${short(m.id)} · ${m.neighbour ? 'direct' : 'via mesh'}`),
        ),
      ),
    );
  };
  for (const event of ['member-join', 'member-leave', 'member-update'] as const) sock.on(event, show);
  name.addEventListener('input', show);
  show();
  return el('aside', { id: 'chat-members' }, count, list);
}

/** A member's published name, else its short id. */
function label(meta: Readonly<Record<string, unknown>>, id: string): string {
  return typeof meta['name'] === 'string' && meta['name'] ? meta['name'] : short(id);
}
