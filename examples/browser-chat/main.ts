/**
 * A chat in a few lines: every tab that opens this page joins the room `chat` of the signaling
 * server that serves it (`npx web2p-signal --static dist`), and each line is a broadcast that
 * reaches every tab once, over WebRTC.
 */
import { MeshSocket, type Message } from 'web2p';

const CHAT = 'example/chat'; // what a packet means: msg.packets[0]

const log = document.querySelector<HTMLOListElement>('#log')!;
const form = document.querySelector<HTMLFormElement>('#form')!;
const text = document.querySelector<HTMLInputElement>('#text')!;
const status = document.querySelector<HTMLParagraphElement>('#status')!;

function show(from: string, line: string): void {
  const item = document.createElement('li');
  item.textContent = `${from}: ${line}`;
  log.append(item);
}

const chat = new MeshSocket({ iceServers: [] }); // add STUN/TURN servers for peers on other networks
chat.on('message', (msg: Message) => {
  const [type, line] = msg.packets;
  if (type === CHAT && typeof line === 'string') show(msg.sender.slice(0, 6), line);
});
chat.on('peer', () => (status.textContent = `${chat.routingTable.size} peer(s)`));
chat.on('disconnect', () => (status.textContent = `${chat.routingTable.size} peer(s)`));
chat.on('error', (error) => (status.textContent = error.message));

form.addEventListener('submit', (event) => {
  event.preventDefault();
  if (!text.value) return;
  chat.send(CHAT, text.value); // a broadcast: every tab gets it once (not this one)
  show('me', text.value);
  text.value = '';
});

const room = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/chat`;
chat.connect(room).then(
  () => (status.textContent = 'in the room: open this page in another tab'),
  (error: Error) => (status.textContent = `could not join ${room}: ${error.message}`),
);
