/**
 * File transfer in the chat: drop a file (or pick one) and it goes to every neighbour as a stream
 * (`sock.sendStream`), with a progress bar per peer on the sending side and one per file on the
 * receiving side, which ends in a download link. The bytes never pass through the chat messages:
 * each transfer is flow-controlled on its own, so a large file does not hold the chat up.
 */
import type { IncomingStream, MeshSocket } from 'web2p';
import { el, short } from './dom.js';

export function mountFileTransfer(root: HTMLElement, sock: MeshSocket): void {
  const input = el('input', { type: 'file', id: 'file-input', multiple: true });
  const zone = el('div', { id: 'file-drop', className: 'drop' }, 'Drop a file here to send it to your peers, or ', input);
  const list = el('ul', { id: 'file-transfers' });

  const row = (text: string, size: number | undefined): { item: HTMLElement; bar: HTMLProgressElement; done(link?: HTMLElement): void; failed(error: Error): void } => {
    const bar = el('progress', { max: size ?? 1, value: 0 });
    const status = el('span', { className: 'status' }, size === undefined ? '' : formatBytes(size));
    const item = el('li', { className: 'transfer' }, el('span', { className: 'name' }, text), bar, status);
    list.append(item);
    return {
      item,
      bar,
      done: (link) => {
        item.classList.add('done');
        status.replaceChildren(link ?? 'delivered');
      },
      failed: (error) => {
        item.classList.add('failed');
        status.replaceChildren(el('em', { className: 'error' }, `${error.name}: ${error.message}`));
      },
    };
  };

  const send = (file: File): void => {
    const peers = [...sock.routingTable.keys()];
    if (peers.length === 0) row(`${file.name}: nobody to send to yet`, undefined).failed(new Error('no peers in the room'));
    for (const peer of peers) {
      const view = row(`${file.name} → ${short(peer)}`, file.size);
      view.item.dataset.direction = 'out';
      sock
        .sendStream(peer, file, { label: file.name, onProgress: (delivered) => (view.bar.value = delivered) })
        .then(() => view.done(), (error: Error) => view.failed(error));
    }
  };

  const receive = async (stream: IncomingStream): Promise<void> => {
    const view = row(`${stream.label || 'file'} ← ${short(stream.from)}`, stream.size);
    view.item.dataset.direction = 'in';
    stream.on('progress', (received) => (view.bar.value = received));
    // Chunks go into a Blob as they come (the browser may keep it out of the JS heap), not one big array.
    const parts: Uint8Array<ArrayBuffer>[] = [];
    const reader = stream.readable.getReader();
    try {
      for (let next = await reader.read(); !next.done; next = await reader.read()) parts.push(next.value as Uint8Array<ArrayBuffer>);
    } catch (error) {
      view.failed(error as Error);
      return;
    }
    const blob = new Blob(parts);
    if (stream.size === undefined) view.bar.max = view.bar.value = blob.size;
    view.done(el('a', { href: URL.createObjectURL(blob), download: stream.label || 'file', className: 'download' }, `download (${formatBytes(blob.size)})`));
  };

  sock.on('stream', (stream) => void receive(stream));
  input.addEventListener('change', () => {
    for (const file of input.files ?? []) send(file);
    input.value = '';
  });
  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('over');
    for (const file of event.dataTransfer?.files ?? []) send(file);
  });

  root.append(el('h3', {}, 'Files'), zone, list);
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
