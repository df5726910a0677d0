/**
 * The demo page: one socket of each kind, each in its own signaling room on the server that served
 * the page, and four views of them. Every socket joins on load, so the tabs find each other
 * whichever view is open; the views only choose what is shown.
 */
import { ChordSocket, MeshSocket, SyncSocket } from 'web2p';
import { streams } from 'web2p/streams';
import { mountChat } from './chat.js';
import { mountChord } from './chord.js';
import { mountDict } from './dict.js';
import { mountFileTransfer } from './file-transfer.js';
import { mountNetwork } from './network.js';

// No iceServers: the sockets use the STUN/TURN servers the signaling server hands out (none with
// plain `npm start`, which is enough on one machine or LAN; see the README's "Deploying with coturn").
const chat = new MeshSocket({ streams: streams() }); // streams: the file transfer
const dict = new SyncSocket({ persist: true });
const chord = new ChordSocket({ k: 4 });

const section = (id: string): HTMLElement => document.getElementById(id)!;
mountChat(section('chat'), chat);
mountFileTransfer(section('chat'), chat);
mountDict(section('dict'), dict);
mountChord(section('chord'), chord);
mountNetwork(section('network'), chat);

// Views are addressed by the URL hash (#chat, #dict, #chord, #network), so each can be linked to.
const views = ['chat', 'dict', 'chord', 'network'];
const show = (): void => {
  const current = views.includes(location.hash.slice(1)) ? location.hash.slice(1) : 'chat';
  for (const view of views) section(view).hidden = view !== current;
  for (const button of document.querySelectorAll<HTMLButtonElement>('nav button')) button.classList.toggle('active', button.dataset.view === current);
};
for (const button of document.querySelectorAll<HTMLButtonElement>('nav button')) button.addEventListener('click', () => (location.hash = button.dataset.view!));
window.addEventListener('hashchange', show);
show();

// For the Playwright tests and for poking at the sockets from the console.
Object.assign(window, { demo: { chat, dict, chord } });
document.body.dataset.ready = 'true';
