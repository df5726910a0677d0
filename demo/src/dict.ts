/**
 * The shared dict over a SyncSocket with `persist: true`: one table row per key, kept current from
 * the 'update' and 'delete' events (which also replay what IndexedDB restored), with the lease
 * holder and the time left on its lease. A write to a key another tab holds throws a LeaseError
 * before anything is sent; the form shows it inline.
 */
import { LeaseError, type Key, type SyncSocket } from 'web2p';
import { describeError, el, short, who } from './dom.js';
import { joinRoom } from './room-status.js';

/** SyncSocket's default lease (one hour from the owner's last write); the demo keeps it. */
const LEASE_SECONDS = 3600;

interface Row {
  tr: HTMLTableRowElement;
  value: HTMLTableCellElement;
  owner: HTMLTableCellElement;
  left: HTMLTableCellElement;
  expiresAt: number;
}

export function mountDict(root: HTMLElement, sock: SyncSocket): void {
  const rows = new Map<string, Row>();
  const body = el('tbody');
  const key = el('input', { id: 'dict-key', placeholder: 'key', autocomplete: 'off', required: true });
  const value = el('input', { id: 'dict-value', placeholder: 'value', autocomplete: 'off' });
  const error = el('p', { id: 'dict-error', className: 'error', hidden: true });
  const set = el('button', { type: 'submit', disabled: true }, 'Set');
  const remove = el('button', { type: 'button', disabled: true }, 'Delete');
  const form = el('form', { id: 'dict-form' }, key, value, set, remove, error);

  const row = (name: string): Row => {
    let existing = rows.get(name);
    if (!existing) {
      const cells = { value: el('td'), owner: el('td'), left: el('td', { className: 'left' }) };
      const edit = el('button', { type: 'button', className: 'link' }, 'edit');
      edit.addEventListener('click', () => {
        key.value = name;
        value.value = cells.value.textContent ?? '';
        value.focus();
      });
      const tr = el('tr', { dataset: { key: name } }, el('td', {}, el('code', {}, name)), cells.value, cells.owner, cells.left, el('td', {}, edit));
      existing = { tr, ...cells, expiresAt: 0 };
      rows.set(name, existing);
      body.append(tr);
    }
    return existing;
  };

  const tick = (): void => {
    const now = Date.now() / 1000;
    for (const r of rows.values()) r.left.textContent = timeLeft(r.expiresAt - now);
  };

  sock.on('update', (k, v, meta) => {
    const r = row(keyName(k));
    r.value.textContent = typeof v === 'string' ? v : JSON.stringify(v);
    r.owner.textContent = who(meta.owner, sock.id);
    r.owner.title = meta.owner;
    r.tr.classList.toggle('mine', meta.owner === sock.id);
    r.expiresAt = meta.ts + LEASE_SECONDS;
    tick();
  });
  sock.on('delete', (k) => {
    const name = keyName(k);
    rows.get(name)?.tr.remove();
    rows.delete(name);
  });
  setInterval(tick, 1000);

  /** Runs a write, showing a refusal (a LeaseError above all) under the form instead of throwing. */
  const attempt = (write: () => void): void => {
    try {
      write();
      error.hidden = true;
    } catch (caught) {
      error.hidden = false;
      // The library's message names the full owner id and an ISO expiry; the short form reads
      // better in a table of short ids, and the full one stays in the tooltip.
      error.title = describeError(caught);
      error.textContent =
        caught instanceof LeaseError
          ? `${caught.name}: key "${caught.key}" is leased to ${short(caught.owner)} (another tab) for ${timeLeft(caught.expiresAt - Date.now() / 1000)} more; only its holder can change it`
          : describeError(caught);
    }
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    attempt(() => sock.set(key.value, value.value));
  });
  remove.addEventListener('click', () => attempt(() => sock.delete(key.value)));

  // Until the store is restored, reads and writes throw (SyncSocket.ready).
  sock.ready.finally(() => ((set.disabled = false), (remove.disabled = false)));

  root.append(
    el('h2', {}, 'Shared dict'),
    joinRoom(sock, 'dict'),
    el('p', { className: 'hint' }, 'The first tab to write a key holds it for an hour; the others can read it but not change it.'),
    form,
    el(
      'table',
      { id: 'dict-table' },
      el('thead', {}, el('tr', {}, ...['key', 'value', 'lease holder', 'lease left', ''].map((h) => el('th', {}, h)))),
      body,
    ),
  );
}

function keyName(key: Key): string {
  return typeof key === 'string' ? key : `0x${[...key].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

function timeLeft(seconds: number): string {
  if (seconds <= 0) return 'expired';
  const s = Math.floor(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
