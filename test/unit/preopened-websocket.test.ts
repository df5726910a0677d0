/**
 * The signaling WebSocket opened before the key pair exists (preopened-websocket.ts): what the
 * server sends before the SignalingClient takes the socket over reaches the client's listeners in
 * order and ahead of later events; a server that sends too much before the join, or a pre-open
 * nobody takes within the join timeout, is closed and no longer offered.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../packages/web2p/src/sim/virtual-clock.js';
import { PREOPEN_MAX_HELD_FRAMES, PREOPEN_MAX_WAIT_MS, PreopenedWebSocket } from '../../packages/web2p/src/transport/webrtc/preopened-websocket.js';
import type { WebSocketLike } from '../../packages/web2p/src/transport/webrtc/signaling-client.js';

/** A WebSocket the test drives: `emit` is the server's side, `closed` what the client did. */
class FakeWebSocket implements WebSocketLike {
  static last: FakeWebSocket;
  readonly listeners = new Map<string, Array<(event: unknown) => void>>();
  closed = false;
  constructor(readonly url: string) {
    FakeWebSocket.last = this;
  }
  send(): void {}
  close(): void {
    this.closed = true;
  }
  addEventListener(type: string, listener: (event: never) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener as (event: unknown) => void]);
  }
  emit(type: string, event: unknown = {}): void {
    for (const listener of this.listeners.get(type) ?? []) listener(event);
  }
}

function preopen(): { socket: PreopenedWebSocket; server: FakeWebSocket; clock: VirtualClock } {
  const clock = new VirtualClock();
  const socket = new PreopenedWebSocket(FakeWebSocket, 'ws://signal.test/room', clock);
  return { socket, server: FakeWebSocket.last, clock };
}

describe('PreopenedWebSocket', () => {
  it('hands what came before the take-over to the listeners, in order, ahead of what comes after', async () => {
    const { socket, server } = preopen();
    server.emit('open');
    server.emit('message', { data: 'challenge' });
    const heard: string[] = [];
    const client = socket.takeOver();
    client.addEventListener('open', () => heard.push('open'));
    client.addEventListener('message', (event) => heard.push(String(event.data)));
    expect(heard).toEqual([]); // not before the client added all of its listeners
    await Promise.resolve();
    expect(heard).toEqual(['open', 'challenge']);
    server.emit('message', { data: 'peers' });
    expect(heard).toEqual(['open', 'challenge', 'peers']);
  });

  it(`closes a socket whose server sent more than ${PREOPEN_MAX_HELD_FRAMES} frames before the join; it is not offered`, () => {
    const { socket, server } = preopen();
    for (let i = 0; i <= PREOPEN_MAX_HELD_FRAMES; i++) server.emit('message', { data: `frame ${i}` });
    expect(server.closed).toBe(true);
    expect(socket.usable).toBe(false);
  });

  it('closes a pre-open nobody took within the join timeout, and one the server closed is not offered', async () => {
    const waited = preopen();
    await waited.clock.run(PREOPEN_MAX_WAIT_MS - 1);
    expect(waited.server.closed).toBe(false);
    await waited.clock.run(1);
    expect(waited.server.closed).toBe(true);
    expect(waited.socket.usable).toBe(false);

    const dropped = preopen();
    dropped.server.emit('close', { code: 4001, reason: 'join-timeout' });
    expect(dropped.socket.usable).toBe(false);
  });

  it('is not closed for waiting once taken over', async () => {
    const { socket, server, clock } = preopen();
    socket.takeOver();
    await clock.run(PREOPEN_MAX_WAIT_MS * 2);
    expect(server.closed).toBe(false);
  });
});
