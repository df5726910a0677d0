/**
 * Chat over a MeshSocket: a line is a broadcast `[CHAT, name, text]`, so every tab gets it once,
 * in order of arrival; a reply is `msg.reply(REPLY, name, text, quoted)`, which goes to the
 * original sender alone (straight back, or routed when it is not a neighbour).
 */
import type { Message, MeshSocket } from 'web2p';
import { el } from './dom.js';
import { memberList } from './members.js';
import { joinRoom } from './room-status.js';

const CHAT = 'web2p-demo/chat';
const REPLY = 'web2p-demo/reply';
const NAME_KEY = 'web2p-demo:name';

interface Line {
  from: string;
  text: string;
  time: Date;
  /** For a direct reply: who it was to and the line it answers. */
  reply?: { to: string; quoted: string };
  /** Set on lines from others, so they can be answered. */
  msg?: Message;
}

export function mountChat(root: HTMLElement, sock: MeshSocket): void {
  const name = el('input', { id: 'chat-name', value: localStorage.getItem(NAME_KEY) ?? `guest-${sock.id.slice(0, 4)}`, maxLength: 24 });
  name.addEventListener('change', () => localStorage.setItem(NAME_KEY, name.value));
  const log = el('ol', { id: 'chat-log' });
  const text = el('input', { id: 'chat-text', placeholder: 'say something', autocomplete: 'off' });
  const replyingTo = el('p', { id: 'chat-replying', hidden: true });
  const form = el('form', { id: 'chat-form' }, replyingTo, text, el('button', { type: 'submit' }, 'Send'));
  let target: Line | undefined;

  const replyTo = (line: Line | undefined): void => {
    target = line;
    replyingTo.hidden = !line;
    replyingTo.replaceChildren();
    if (!line) return;
    const cancel = el('button', { type: 'button', className: 'link' }, 'cancel');
    cancel.addEventListener('click', () => replyTo(undefined));
    replyingTo.append(`replying to ${line.from}: “${line.text}” `, cancel);
    text.focus();
  };

  const show = (line: Line): HTMLElement => {
    const item = el(
      'li',
      { className: line.reply ? 'line direct' : 'line' },
      el('time', {}, line.time.toLocaleTimeString()),
      el('b', {}, line.from),
      line.reply ? el('span', { className: 'quote' }, `↩ to ${line.reply.to}: “${line.reply.quoted}”`) : '',
      el('span', { className: 'text' }, line.text),
    );
    if (line.msg) {
      const answer = el('button', { type: 'button', className: 'link' }, 'reply');
      answer.addEventListener('click', () => replyTo(line));
      item.append(answer);
    }
    log.append(item);
    item.scrollIntoView({ block: 'nearest' });
    return item;
  };

  sock.registerHandler((msg, _conn) => {
    const [, kind, from, said, quoted] = msg.packets;
    if ((kind !== CHAT && kind !== REPLY) || typeof from !== 'string' || typeof said !== 'string') return false;
    const time = new Date(msg.time * 1000);
    if (kind === CHAT) show({ from, text: said, time, msg });
    else show({ from, text: said, time, reply: { to: 'you', quoted: String(quoted) } });
    return true;
  });

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const said = text.value.trim();
    if (!said) return;
    const line: Line = { from: name.value, text: said, time: new Date() };
    if (target?.msg) {
      line.reply = { to: target.from, quoted: target.text };
      const item = show(line);
      target.msg.reply(REPLY, name.value, said, target.text).catch(() => item.append(el('em', { className: 'error' }, ' not delivered')));
    } else {
      sock.send(CHAT, name.value, said);
      show(line);
    }
    text.value = '';
    replyTo(undefined);
  });

  root.append(
    el('h2', {}, 'Chat'),
    joinRoom(sock, 'chat'),
    el('label', {}, 'Your name ', name),
    el('div', { id: 'chat-body' }, log, memberList(sock, name)),
    form,
  );
}
