/**
 * The demo's diagnostics (issues 14 and 18) in real Chromium: the status line says in plain words
 * that a tab is alone in its room and why a member could not be reached, then that it is connected;
 * the network picture colours the tab's links by how they travel. Screenshots in test-results/demo.
 *
 * The unreachable member is a real room member over the real signaling server whose engine cannot
 * connect: it answers each offer with the protocol's `failed` signal, as a browser whose ICE failed
 * does, so the tab gives its verdict after its retries, in about a second.
 */
import { expect, test, type Browser, type Page } from '@playwright/test';
import WebSocket from 'ws';
import { createIdentity, systemRandom } from '../../packages/web2p/dist/index.js';
import { nodeIdOf } from '../../packages/web2p/dist/identity/identity.js';
import { makeJoinProof } from '../../packages/web2p/dist/signaling/index.js';
import { DEMO_PORT } from '../../playwright.config.js';

const DEMO_URL = `http://127.0.0.1:${DEMO_PORT}/`;
const SHOTS = 'test-results/demo';
/** The protocol the member's id is derived on: the server checks only that the id is the key's. */
const MEMBER_PROTOCOL = 'demo-diagnostics-test';

/** Joins `room` as a member that answers every WebRTC offer with `failed` (reason `ice-failed`). */
async function memberThatCannotConnect(room: string): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${DEMO_PORT}/${room}`);
  // A real identity: the server makes every join prove its id over the connection's challenge.
  const identity = createIdentity(systemRandom);
  const id = nodeIdOf(identity.publicKey, MEMBER_PROTOCOL);
  ws.on('message', (raw) => {
    const message = JSON.parse(String(raw));
    if (message.type === 'signal' && message.data?.signal?.type === 'offer') {
      ws.send(JSON.stringify({ type: 'signal', to: message.from, data: { session: message.data.session, signal: { type: 'failed', reason: 'ice-failed' } } }));
    }
  });
  await new Promise<void>((resolve, reject) => {
    ws.on('message', (raw) => {
      const message = JSON.parse(String(raw));
      // signed by WebCrypto here (a promise): this process did not load web2p/node
      if (message.type === 'challenge') void Promise.resolve(makeJoinProof(identity, message.nonce, id, MEMBER_PROTOCOL)).then((proof) => ws.send(JSON.stringify({ type: 'join', id, proof })));
      if (message.type === 'peers') resolve();
    });
    ws.once('error', reject);
  });
  return ws;
}

/** A demo tab; with `clockAheadMs`, its clock (Date.now, which its sockets read) runs that far ahead. */
async function openTab(browser: Browser, clockAheadMs = 0): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1000, height: 820 } })).newPage();
  if (clockAheadMs !== 0) {
    await page.addInitScript((ahead) => {
      const now = Date.now.bind(Date);
      Date.now = () => now() + ahead;
    }, clockAheadMs);
  }
  await page.goto(DEMO_URL);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  return page;
}

test('the status line says alone and why, then connected; the network picture colours links by route', async ({ browser }) => {
  const member = await memberThatCannotConnect('chat');
  const a = await openTab(browser);
  const status = a.locator('#chat .room-status');
  await expect(status).toHaveAttribute('data-unreachable', 'ice-failed', { timeout: 30_000 });
  await expect(status).toHaveAttribute('data-state', 'joined-alone');
  await expect(status).toContainText('joined, but no peer could be reached');
  await expect(status).toContainText('TURN');
  await a.screenshot({ path: `${SHOTS}/diagnostics-unreachable.png` });
  member.close();

  const b = await openTab(browser);
  await expect(status).toHaveAttribute('data-state', 'connected', { timeout: 30_000 });
  await expect(status).toContainText('connected to 1 peer');
  await expect(b.locator('#chat .room-status')).toHaveAttribute('data-state', 'connected');
  await a.click('nav button[data-view="network"]');
  // On one machine (host candidates unhidden) the pair is direct; the peer's end may show as prflx.
  await expect(a.locator('#network-graph line.edge.mine')).toHaveAttribute('data-route', /^(host|prflx)$/, { timeout: 10_000 });
  await expect(a.locator('.route-legend')).toContainText('relay: relayed by a TURN server');
  await a.screenshot({ path: `${SHOTS}/diagnostics-network.png` });
  await Promise.all([a.context().close(), b.context().close()]);
});

test("a tab whose clock is 90 s ahead: both status lines say the clocks are apart and what to do", async ({ browser }) => {
  const a = await openTab(browser);
  const b = await openTab(browser, 90_000);
  const statusA = a.locator('#chat .room-status');
  const statusB = b.locator('#chat .room-status');
  await expect(statusA).toHaveAttribute('data-state', 'connected', { timeout: 30_000 });
  // Whole seconds on each side, so 89-91 apart; the sign says whose clock is ahead.
  await expect(statusA).toHaveAttribute('data-clock-skew', /^(89|90|91)$/, { timeout: 10_000 });
  await expect(statusB).toHaveAttribute('data-clock-skew', /^-(89|90|91)$/, { timeout: 10_000 });
  await expect(statusA).toContainText(/'s clock is 9\d s ahead of this tab's: messages between them get lost, set the wrong system clock right/);
  await expect(statusB).toContainText(/'s clock is 9\d s behind this tab's/);
  await a.screenshot({ path: `${SHOTS}/diagnostics-clock-skew.png` });
  await Promise.all([a.context().close(), b.context().close()]);
});
