/**
 * Issue 14's NAT lab, run by `npm test` (CI runs as root): Chromium pages in network namespaces
 * behind cone and symmetric NAT routers, the signaling server and coturn on a public segment (see
 * lab.ts). Each case starts its own signaling server in `pub` with the ICE flags it is about.
 * Skipped, with the reason, where namespaces are unavailable.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from '@playwright/test';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCoturn, type Coturn } from '../support/coturn.js';
import { startDaemon, type Daemon } from '../support/daemon.js';
import { CHROMIUM_ARGS } from '../e2e/chromium-args.js';
import { TOOLS, requireExecutable } from '../executables.js';
import * as app from '../e2e/page-app.js';
import { NatLab, PUBLIC_IP, unavailable, type Home } from './lab.js';

const why = unavailable();
if (why) console.warn(`NAT lab skipped: ${why}`);

const SECRET = 'nat-lab-secret';
const TURN_PORT = 3478;
/** Cross-NAT handshakes here take well under a second; STUN and TURN allocation add a few round trips. */
const LINK_TIMEOUT_MS = 20_000;
/**
 * The chord case: joins and stabilization rounds, with chord messages on the mesh route once the
 * NATed pages' direct dial has not linked within a second (it used to wait for the dial to fail, up
 * to the connect timeout).
 */
const CHORD_ACROSS_MS = 60_000;
/** How long the reply case waits: a route through the public page answers in milliseconds. */
const REPLY_WAIT_MS = 5_000;
/** Attempts fail fast in the lab, so the unreachable verdict comes within the case's budget. */
const POLL_MS = 50;

let lab: NatLab;
let coturn: Coturn;
let dir: string;
const browsers = new Map<string, Browser>();
const servers: Daemon[] = [];

describe.skipIf(why !== undefined)('NAT lab (network namespaces, Chromium, coturn)', () => {
  let cone: [Home, Home];
  let symmetric: [Home, Home];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'web2p-nat-'));
    // The harness page, built here: the Playwright run builds its own copy later.
    await build({ configFile: 'test/e2e/harness/vite.config.ts', logLevel: 'warn', build: { outDir: join(dir, 'harness') } });
    lab = new NatLab();
    cone = [lab.addHome('cone'), lab.addHome('cone')];
    symmetric = [lab.addHome('symmetric'), lab.addHome('symmetric')];
    coturn = await startCoturn({ host: PUBLIC_IP, port: TURN_PORT, secret: SECRET, prefix: ['ip', 'netns', 'exec', lab.pub] });
  }, 120_000);

  afterAll(async () => {
    await Promise.all([...browsers.values()].map((browser) => browser.close()));
    await Promise.all(servers.splice(0).map((server) => server.stop()));
    await coturn?.stop();
    lab?.teardown();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('cone + cone with STUN from the server: the pages link through their NAT mappings', async () => {
    const url = await signalingServer(['--stun', coturn.stunUrl]);
    const [a, b] = await pagesIn(url, cone);
    const [, bId] = await joinMesh(url, [a, b] as const);
    await linked(a, bId, 'the cone pages to link');
    await logConnectTime('cone + cone, STUN', b);
    // Through the NAT mappings: no host pair (mDNS names do not cross NATs) and no relay (none given).
    expect((await peerStats(a, bId)).candidates.local).toMatch(/^(srflx|prflx)$/);
  });

  it('symmetric + symmetric with TURN from the server: the pages link through a relay', async () => {
    const url = await signalingServer(['--turn', coturn.turnUrl, '--turn-secret', SECRET]);
    const [a, b] = await pagesIn(url, symmetric);
    const [, bId] = await joinMesh(url, [a, b] as const);
    await linked(a, bId, 'the symmetric pages to link');
    await logConnectTime('symmetric + symmetric, TURN', b);
    // One relay suffices: the other side may reach it from its own NAT mapping (a prflx candidate).
    const { route, candidates } = await peerStats(a, bId);
    expect([candidates.local, candidates.remote]).toContain('relay');
    expect(route).toBe('relay');
  });

  it('wrong TURN secret: the unreachable reason says the TURN server refused the credentials', async () => {
    const url = await signalingServer(['--turn', coturn.turnUrl, '--turn-secret', 'not-the-secret']);
    const [a, b] = await pagesIn(url, symmetric);
    await joinMesh(url, [a, b]);
    // b joined last and offers; its socket gives the transport's verdict after the handshake retries.
    await pollUntil(async () => (await unreachable(b)).length > 0, LINK_TIMEOUT_MS * 3, "b's unreachable verdict");
    expect(await unreachable(b)).toContain('turn-auth-failed');
  });

  describe('symmetric pair + a public page, no TURN', () => {
    let pages: Page[];
    let ids: string[];

    beforeAll(async () => {
      const url = await signalingServer(['--stun', coturn.stunUrl]);
      const [pub] = await pagesIn(url, [{ ns: lab.pub, kind: 'cone' }] as const);
      pages = [...(await pagesIn(url, symmetric)), pub];
      ids = await joinMesh(url, pages);
      await linked(pages[2]!, ids[0]!, 'the public page to link with a');
      await linked(pages[2]!, ids[1]!, 'the public page to link with b');
      await logConnectTime('symmetric pair + public page, no TURN (public ← b)', pages[1]!);
    }, 120_000);

    it('a broadcast reaches the other NATed page exactly once, through the public page', async () => {
      await pages[0]!.evaluate(app.broadcast, 'over the public page');
      await pollUntil(async () => (await pages[1]!.evaluate(app.heard)).includes('over the public page'), LINK_TIMEOUT_MS, 'the broadcast');
      expect((await pages[1]!.evaluate(app.heard)).filter((text) => text === 'over the public page')).toHaveLength(1);
    });

    it('sync carries a key across', async () => {
      // sync rides its own room on the same server
      const url = new URL(pages[0]!.url()).origin.replace(/^http/, 'ws');
      for (const page of pages) await page.evaluate(app.startSync, `${url}/sync`);
      await pollUntil(async () => (await pages[0]!.evaluate(app.neighbourIds)).sync.length > 0, LINK_TIMEOUT_MS, 'a sync link');
      await pages[0]!.evaluate(app.syncSet, ['behind', 'two NATs'] as [string, string]);
      await pollUntil(async () => (await pages[1]!.evaluate(app.syncGet, 'behind')) === 'two NATs', LINK_TIMEOUT_MS, 'the key to arrive');
    });

    // A reply to a member with no direct link goes over the mesh route (PROTOCOL.md §14.9): it used to
    // dial the sender directly, which no path without TURN can reach.
    it('a reply crosses to the other NATed page over the mesh route', async () => {
      await pages[1]!.evaluate(app.broadcast, 'ping');
      await pollUntil(async () => (await pages[1]!.evaluate(app.heard)).filter((text) => text === 'pong').length >= 2, REPLY_WAIT_MS, 'both replies');
    });

    // In a ring of three every pair is adjacent, so the NATed pages are each other's successor or
    // predecessor: they talk over the mesh route through the public page (chord/mesh-routes.ts).
    it('a chord key set behind one NAT is read behind the other, over the mesh route', async () => {
      const url = new URL(pages[0]!.url()).origin.replace(/^http/, 'ws');
      for (const page of pages) await page.evaluate(app.startChord, `${url}/chord`);
      await pages[0]!.evaluate(app.chordSet, ['ring', 'across'] as [string, string]);
      // over the mesh route a second into the NATed pages' dial to each other, which fails later
      await pollUntil(async () => (await pages[1]!.evaluate(app.chordGet, 'ring')) === 'across', CHORD_ACROSS_MS, 'the chord key');
      // one correct ring of three: the NATed pages, which have no link, are each other's neighbours on it
      const ring = () => Promise.all(pages.map((page) => page.evaluate(app.chordRing)));
      await pollUntil(async () => ringIsCorrect(await ring()), CHORD_ACROSS_MS, 'one ring of three');
      expect((await pages[0]!.evaluate(app.neighbourIds)).chord).not.toContain((await ring())[1]!.id);
    }, 3 * CHORD_ACROSS_MS);
  });
});

/** A signaling server in `pub` serving the harness page too, with `iceArgs`; its ws:// URL. */
async function signalingServer(iceArgs: string[]): Promise<string> {
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const cli = ['node', 'signaling-server/dist/cli.js', '--host', PUBLIC_IP, '--port', String(port), '--static', join(dir, 'harness'), ...iceArgs];
  servers.push(await startDaemon('ip', ['netns', 'exec', lab.pub, ...cli], 'listening on'));
  return `ws://${PUBLIC_IP}:${port}`;
}

/** A harness page in each home's namespace, from the server at `url`, in the same order. */
async function pagesIn<T extends readonly Home[]>(url: string, homes: T): Promise<{ [K in keyof T]: Page }> {
  const pages: Page[] = [];
  for (const home of homes) {
    const context = await (await browserIn(home.ns)).newContext();
    const page = await context.newPage();
    await page.goto(`${url.replace(/^ws/, 'http')}/index.html`);
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
    pages.push(page);
  }
  return pages as { [K in keyof T]: Page };
}

/** One Chromium per namespace, launched through `ip netns exec` (Playwright's pipe survives the exec). */
async function browserIn(ns: string): Promise<Browser> {
  const known = browsers.get(ns);
  if (known) return known;
  const wrapper = join(dir, `chromium-${ns}`);
  writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${ns} ${requireExecutable(TOOLS.chromium)} "$@"\n`);
  chmodSync(wrapper, 0o755);
  const browser = await chromium.launch({ executablePath: wrapper, args: CHROMIUM_ARGS });
  browsers.set(ns, browser);
  return browser;
}

/** Each page joins the mesh room in turn (the later ones offer); their ids, in the same order. */
async function joinMesh<T extends readonly Page[]>(url: string, pages: T): Promise<{ [K in keyof T]: string }> {
  const ids: string[] = [];
  for (const page of pages) ids.push(await page.evaluate(app.startMesh, `${url}/mesh`));
  return ids as { [K in keyof T]: string };
}

async function linked(page: Page, peerId: string, what: string): Promise<void> {
  await pollUntil(async () => (await page.evaluate(app.neighbourIds)).mesh.includes(peerId), LINK_TIMEOUT_MS, what);
}

/** The ms from the page's `connect()` to its first link, for the report (issue 14 asks for them). */
async function logConnectTime(label: string, page: Page): Promise<void> {
  console.log(`NAT lab connect time, ${label}: ${Math.round((await page.evaluate(app.connectMs))!)} ms`);
}

const unreachable = (page: Page): Promise<string[]> => page.evaluate(() => (window as any).unreachable as string[]);

/** `page`'s stats() of its link to `peerId`, once they carry the selected pair's candidate types. */
async function peerStats(page: Page, peerId: string): Promise<{ route: string; candidates: { local: string; remote: string } }> {
  const read = () => page.evaluate(async (id) => ((await (window as any).sock.stats()).peers as any[]).find((peer) => peer.id === id), peerId);
  await pollUntil(async () => (await read())?.candidates !== undefined, LINK_TIMEOUT_MS, 'the candidate types');
  return (await read())!;
}

/** Polls an async condition with a deadline (page state lives in the browser). */
async function pollUntil(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Whether the pages' chord nodes form one ring in which each one's successor and predecessor are its ring neighbours. */
function ringIsCorrect(nodes: Array<{ id: string; position: number | null; successor: string | null; predecessor: string | null }>): boolean {
  if (nodes.some((node) => node.position === null)) return false;
  const ring = [...nodes].sort((a, b) => a.position! - b.position!);
  return ring.every((node, i) => node.successor === ring[(i + 1) % ring.length]!.id && node.predecessor === ring[(i + ring.length - 1) % ring.length]!.id);
}
