/**
 * A member's departure told by the server's `unknown-peer` refusal before its `left` (with Redis
 * scale-out the refusal can overtake it: the member is out of Redis before its server's `left`
 * crosses over). The client then dropped the member without emitting 'left', and the `left` that
 * followed found no member, so the transport never heard that it left. The real server runs here;
 * a WebSocket subclass holds back the `left` until the refusal has passed, the order Redis allows,
 * which one server alone does not produce.
 */
import { expect, it } from 'vitest';
import WebSocket from 'ws';
import { SignalingClient, type WebSocketConstructor, type WebSocketLike } from '../../packages/web2p/src/index.js';
import { EVENT_TIMEOUT_MS, makeId, startServer, waitFor } from './signaling-helpers.js';

type Listener = (event: { data: unknown }) => void;

/** A `ws` socket whose `left` frames reach the client only after the next `unknown-peer` refusal. */
class LeftAfterRefusal implements WebSocketLike {
  static held = 0;
  readonly #ws: WebSocket;
  constructor(url: string) {
    this.#ws = new WebSocket(url);
  }
  send(data: string): void {
    this.#ws.send(data);
  }
  close(code?: number, reason?: string): void {
    this.#ws.close(code, reason);
  }
  addEventListener(type: 'open' | 'error' | 'message' | 'close', listener: (event: never) => void): void {
    if (type !== 'message') return void this.#ws.addEventListener(type, listener as () => void);
    const deliver = listener as Listener;
    const held: Array<{ data: unknown }> = [];
    this.#ws.addEventListener('message', (event) => {
      const frame = JSON.parse(String(event.data)) as { type: string; code?: string };
      if (frame.type === 'left') {
        held.push(event);
        LeftAfterRefusal.held++;
        return;
      }
      deliver(event);
      if (frame.type === 'error' && frame.code === 'unknown-peer') for (const left of held.splice(0)) deliver(left);
    });
  }
}

it("a member whose refusal (unknown-peer) comes before its 'left' is reported as left, once", async () => {
  const server = await startServer();
  const url = `${server.url}/room`;
  const [aId, bId] = [makeId(), makeId()];
  const a = new SignalingClient({ url, id: aId, WebSocket: LeftAfterRefusal });
  const b = new SignalingClient({ url, id: bId, WebSocket: WebSocket as unknown as WebSocketConstructor });
  try {
    await a.start();
    await b.start();
    await waitFor(() => a.members.has(bId), EVENT_TIMEOUT_MS, 'b in a\'s room');
    const left: string[] = [];
    a.on('left', (id) => left.push(id));

    b.close();
    await waitFor(() => LeftAfterRefusal.held === 1, EVENT_TIMEOUT_MS, "the server's 'left', held back");
    expect(a.send(bId, { type: 'offer' })).toBe(true); // b is still a member to a: its signal goes out
    await waitFor(() => left.length > 0, EVENT_TIMEOUT_MS, "'left' after the refusal");
    // (the held 'left' was delivered right after the refusal, in the same callback)
    expect(left).toEqual([bId]);
    expect(a.members.has(bId)).toBe(false);
  } finally {
    a.close();
    b.close();
  }
});
