/**
 * The demo page: one socket of each kind, each in its own signaling room on the server that served
 * the page, and four views of them. Every socket joins on load, so the tabs find each other
 * whichever view is open; the views only choose what is shown.
 */
import { ChordSocket, MeshSocket, SyncSocket } from 'web2p';
import { mountChat } from './chat.js';
import { mountChord } from './chord.js';
import { mountDict } from './dict.js';
import { mountNetwork } from './network.js';

/** Loopback and LAN only: no STUN/TURN servers, so nothing leaves the machines in the room. */
const iceServers: RTCIceServer[] = [];

const chat = new MeshSocket({ iceServers });
const dict = new SyncSocket({ iceServers, persist: true });
const chord = new ChordSocket({ iceServers, k: 4 });

const section = (id: string): HTMLElement => document.getElementById(id)!;
mountChat(section('chat'), chat);
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
