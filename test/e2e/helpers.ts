import { expect, test, type Browser, type Page } from '@playwright/test';
import { startSignalingServer, type SignalingServer } from '../../signaling-server/dist/index.js';

/** A fresh page (its own context, so its own IndexedDB) with the harness loaded. */
export async function harnessPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto('/index.html');
  await waitForHarness(page);
  return page;
}

export async function waitForHarness(page: Page): Promise<void> {
  await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
}

/** A page whose MeshSocket joins `url` (on `window.sock`), keeping packets[1] of every message on `window.heard`. */
export async function roomPage(browser: Browser, url: string): Promise<Page> {
  const page = await harnessPage(browser);
  await page.evaluate(async (url) => {
    const sock = new window.web2p.MeshSocket({ iceServers: [] });
    const heard: unknown[] = [];
    sock.on('message', (msg) => {
      heard.push(msg.packets[1]);
      sock.recv();
    });
    Object.assign(window, { sock, heard });
    await sock.connect(url);
  }, url);
  return page;
}

/** What a roomPage has heard so far. */
export const heardOn = (page: Page): Promise<unknown[]> => page.evaluate(() => (window as unknown as { heard: unknown[] }).heard);

/** Waits until `check` resolves true, polling; fails with `what` after `timeoutMs`. */
export async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  await expect.poll(check, { message: what, timeout: timeoutMs, intervals: [50, 100, 200] }).toBe(true);
}

/** A node as the tests see it: its id and its routing table's ids. */
export interface NodeView {
  id: string;
  neighbours: string[];
}

/** The id and neighbours of the socket a page keeps on `window.sock`. */
export function nodeView(page: Page): Promise<NodeView> {
  return page.evaluate(() => {
    const sock = (window as unknown as { sock: { id: string; routingTable: Map<string, unknown> } }).sock;
    return { id: sock.id, neighbours: [...sock.routingTable.keys()] };
  });
}

/** Whether the nodes form one connected graph through their routing tables. */
export function connected(nodes: readonly NodeView[]): boolean {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const seen = new Set([nodes[0]!.id]);
  const todo = [nodes[0]!];
  while (todo.length) {
    for (const id of todo.pop()!.neighbours) {
      if (byId.has(id) && !seen.has(id)) {
        seen.add(id);
        todo.push(byId.get(id)!);
      }
    }
  }
  return seen.size === nodes.length;
}

/** A signaling server of its own for each test of the file, on a free port. */
export function signalingServerPerTest(): { current(): SignalingServer; restart(): Promise<void> } {
  let server: SignalingServer | undefined;
  test.beforeEach(async () => {
    server = await startSignalingServer({ port: 0, host: '127.0.0.1' });
  });
  test.afterEach(async () => {
    await server?.close();
  });
  return {
    current: () => server!,
    async restart() {
      server = await startSignalingServer({ port: 0, host: '127.0.0.1' });
    },
  };
}
