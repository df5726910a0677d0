/**
 * Issue 6: the demo, built and served with the signaling server by Playwright's second webServer
 * (DEMO_PORT), driven like a user would in three tabs of real Chromium over real WebRTC. Then the
 * README's `npm start`, run as written. Every wait is on a condition, never a fixed sleep.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { DEMO_PORT } from '../../playwright.config.js';

const DEMO_URL = `http://127.0.0.1:${DEMO_PORT}/`;
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SHOTS = 'test-results/demo';
type SocketName = 'chat' | 'dict' | 'chord';

interface Tab {
  page: Page;
  /** Console errors and uncaught exceptions seen on the page. */
  errors: string[];
}

/** A tab with the demo loaded: in a context of its own (own IndexedDB and localStorage) unless given one. */
async function openTab(browser: Browser, url: string, context?: BrowserContext): Promise<Tab> {
  const page = await (context ?? (await browser.newContext({ viewport: { width: 1000, height: 820 } }))).newPage();
  const errors: string[] = [];
  page.on('console', (msg) => msg.type() === 'error' && errors.push(msg.text()));
  page.on('pageerror', (error) => errors.push(String(error)));
  await page.goto(url);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  return { page, errors };
}

/** Each tab's id and routing-table neighbours for one of its sockets. */
function tables(tabs: Tab[], socket: SocketName): Promise<Array<{ id: string; neighbours: string[] }>> {
  return Promise.all(
    tabs.map(({ page }) =>
      page.evaluate(async (socket) => {
        const sock = (window as any).demo[socket];
        await sock.ready; // a persisted dict reads its id from IndexedDB first
        return { id: sock.id as string, neighbours: [...sock.routingTable.keys()] as string[] };
      }, socket),
    ),
  );
}

/** Whether the tabs' sockets form one connected mesh. */
async function meshed(tabs: Tab[], socket: SocketName): Promise<boolean> {
  const all = await tables(tabs, socket);
  const byId = new Map(all.map((t) => [t.id, t]));
  const seen = new Set([all[0]!.id]);
  const todo = [all[0]!];
  while (todo.length) for (const id of todo.pop()!.neighbours) if (byId.has(id) && !seen.has(id)) seen.add(id), todo.push(byId.get(id)!);
  return seen.size === all.length;
}

async function until(what: string, check: () => Promise<boolean>, timeout = 30_000): Promise<void> {
  await expect.poll(check, { message: what, timeout, intervals: [50, 100, 250] }).toBe(true);
}

async function view(tab: Tab, name: string): Promise<void> {
  await tab.page.click(`nav button[data-view="${name}"]`);
  await expect(tab.page.locator(`section#${name}`)).toBeVisible();
}

/** Sets a key through the dict's form, as a user does. */
async function setInDict(tab: Tab, key: string, value: string): Promise<void> {
  await tab.page.fill('#dict-key', key);
  await tab.page.fill('#dict-value', value);
  await tab.page.click('#dict-form button[type=submit]');
}

const dictRow = (tab: Tab, key: string) => tab.page.locator(`#dict-table tr[data-key="${key}"]`);

test.describe.serial('the demo in three tabs', () => {
  let tabs: Tab[] = [];

  test.beforeAll(async ({ browser }) => {
    for (let i = 0; i < 3; i++) tabs.push(await openTab(browser, DEMO_URL));
    for (const socket of ['chat', 'dict', 'chord'] as const) await until(`the ${socket} sockets form one mesh`, () => meshed(tabs, socket));
  });

  test.afterAll(async () => {
    for (const { page } of tabs) await page.context().close();
    tabs = [];
  });

  test('chat: every line reaches every tab, and a reply goes back to its sender', async () => {
    const [alice, bob, carol] = tabs as [Tab, Tab, Tab];
    for (const [tab, name] of [[alice, 'alice'], [bob, 'bob'], [carol, 'carol']] as const) await tab.page.fill('#chat-name', name);

    for (const [tab, text] of [[alice, 'hello from alice'], [bob, 'hi, bob here'], [alice, 'how is everyone?']] as const) {
      await tab.page.fill('#chat-text', text);
      await tab.page.press('#chat-text', 'Enter');
    }
    for (const tab of tabs) {
      for (const text of ['hello from alice', 'hi, bob here', 'how is everyone?']) await expect(tab.page.locator('#chat-log .line', { hasText: text })).toHaveCount(1);
    }
    await expect(carol.page.locator('#chat-log .line', { hasText: 'hello from alice' }).locator('b')).toHaveText('alice');

    // bob answers alice's first line: only alice gets it, marked as a direct reply
    await bob.page.locator('#chat-log .line', { hasText: 'hello from alice' }).getByRole('button', { name: 'reply' }).click();
    await expect(bob.page.locator('#chat-replying')).toContainText('replying to alice');
    await bob.page.fill('#chat-text', 'welcome, alice');
    await bob.page.press('#chat-text', 'Enter');
    const reply = alice.page.locator('#chat-log .line.direct', { hasText: 'welcome, alice' });
    await expect(reply).toHaveCount(1);
    await expect(reply).toContainText('“hello from alice”');
    await expect(bob.page.locator('#chat-log .line.direct', { hasText: 'welcome, alice' })).toHaveCount(1);
    expect(await carol.page.locator('#chat-log .line', { hasText: 'welcome, alice' }).count()).toBe(0);
    await alice.page.screenshot({ path: `${SHOTS}/chat.png` });
  });

  test('chat: the member list shows every other tab by the name it typed, live', async () => {
    const [alice, bob, carol] = tabs as [Tab, Tab, Tab];
    const names = (tab: Tab) => tab.page.locator('#chat-members-list .member:not(.self) b').allTextContents();
    for (const [tab, others] of [[alice, ['bob', 'carol']], [bob, ['alice', 'carol']], [carol, ['alice', 'bob']]] as const) {
      await until('the other tabs listed by name', async () => JSON.stringify((await names(tab)).sort()) === JSON.stringify(others));
      await expect(tab.page.locator('#chat-members-list .member.self')).toContainText('(you)');
    }
    // a rename shows everywhere; every member says whether it is linked directly or through the mesh
    await carol.page.fill('#chat-name', 'caroline');
    for (const tab of [alice, bob]) await until('the new name', async () => (await names(tab)).includes('caroline'));
    await expect(alice.page.locator('#chat-members h3')).toHaveText('In the room (3)');
    await expect(alice.page.locator('#chat-members-list .member:not(.self) small').first()).toContainText(/direct|via mesh/);
    await alice.page.screenshot({ path: `${SHOTS}/members.png` });
    await carol.page.fill('#chat-name', 'carol');
  });

  test('shared dict: edits reach every tab, and a foreign edit shows the LeaseError inline', async () => {
    const [alice, bob, carol] = tabs as [Tab, Tab, Tab];
    for (const tab of tabs) await view(tab, 'dict');
    const [set, row] = [setInDict, dictRow];
    const aliceId = await alice.page.evaluate(async () => { await (window as any).demo.dict.ready; return (window as any).demo.dict.id as string; });

    await set(alice, 'colour', 'blue');
    await set(bob, 'size', 'L');
    for (const tab of tabs) {
      await expect(row(tab, 'colour').locator('td').nth(1)).toHaveText('blue');
      await expect(row(tab, 'size').locator('td').nth(1)).toHaveText('L');
    }
    await expect(row(alice, 'colour').locator('td').nth(2)).toHaveText('you');
    await expect(row(carol, 'colour').locator('td').nth(2)).toHaveText(aliceId.slice(0, 6));
    await expect(row(carol, 'colour').locator('td').nth(3)).toHaveText(/^(59|60):\d\d$/);

    // carol may not change alice's key: the LeaseError shows under the form, and nothing is sent.
    // Within the second of alice's write the smaller id would win the tie (PROTOCOL.md §6.3), so
    // carol tries once that second is over.
    const written = await alice.page.evaluate(() => Math.floor(Date.now() / 1000));
    await until("alice's second is over", () => carol.page.evaluate((written) => Date.now() / 1000 >= written + 1, written));
    await set(carol, 'colour', 'red');
    await expect(carol.page.locator('#dict-error')).toBeVisible();
    await expect(carol.page.locator('#dict-error')).toContainText(`LeaseError: key "colour" is leased to ${aliceId.slice(0, 6)} (another tab)`);
    await expect(carol.page.locator('#dict-error')).toHaveAttribute('title', new RegExp(`^LeaseError: key "colour" is leased to ${aliceId} until `));
    await expect(row(carol, 'colour').locator('td').nth(1)).toHaveText('blue');

    // the owner can, and everyone sees it
    await set(alice, 'colour', 'green');
    for (const tab of tabs) await expect(row(tab, 'colour').locator('td').nth(1)).toHaveText('green');
    await carol.page.screenshot({ path: `${SHOTS}/dict.png` });
  });

  test('chord explorer: set on one tab, get on another, with the answering node and hops', async () => {
    const [alice, bob, carol] = tabs as [Tab, Tab, Tab];
    for (const tab of tabs) await view(tab, 'chord');
    for (const tab of [alice, bob]) {
      await tab.page.click('#chord-join');
      await expect(tab.page.locator('#chord-status')).toContainText('on the ring at position', { timeout: 30_000 });
    }
    await alice.page.fill('#chord-key', 'fruit');
    await alice.page.fill('#chord-value', 'apple');
    await alice.page.click('#chord-set');
    await expect(alice.page.locator('#chord-result')).toContainText('stored “fruit”: answered by', { timeout: 30_000 });

    for (const tab of [bob, carol]) {
      await tab.page.fill('#chord-key', 'fruit');
      await tab.page.click('#chord-get');
      await expect(tab.page.locator('#chord-result')).toContainText(/“fruit” = “apple”: answered by \S+ in \d+ hops? \(key position \d+\)/, { timeout: 30_000 });
    }
    // both storing nodes are on each other's ring drawing
    for (const tab of [alice, bob]) await expect(tab.page.locator('#chord-ring')).toHaveAttribute('data-nodes', '2');
    await alice.page.screenshot({ path: `${SHOTS}/chord.png` });
  });

  test('network picture: every tab draws the whole chat mesh, its nodes and its links', async () => {
    for (const tab of tabs) await view(tab, 'network');
    const links = async (): Promise<number> => {
      const edges = new Set<string>();
      for (const { id, neighbours } of await tables(tabs, 'chat')) for (const n of neighbours) edges.add([id, n].sort().join('-'));
      return edges.size;
    };
    await until('every tab draws 3 nodes and the real links', async () => {
      const expected = String(await links());
      const drawn = await Promise.all(tabs.map(({ page }) => page.locator('#network-graph').evaluate((svg: SVGElement) => [svg.dataset.nodes, svg.dataset.edges])));
      return drawn.every(([nodes, edges]) => nodes === '3' && edges === expected);
    });
    await expect(tabs[0]!.page.locator('#network-graph circle.node')).toHaveCount(3);
    await tabs[0]!.page.screenshot({ path: `${SHOTS}/network.png` });
    for (const { errors } of tabs) expect(errors).toEqual([]);
  });

  test('file transfer: a file picked in one tab reaches its peers as a stream, with progress bars and a download link', async () => {
    const [alice, ...others] = tabs as [Tab, Tab, Tab];
    for (const tab of tabs) await view(tab, 'chat');
    const peers = (await tables([alice], 'chat'))[0]!.neighbours.length;
    const bytes = Buffer.alloc(3 * 1024 * 1024 + 5, 0);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7 + (i >> 12)) & 0xff;
    await alice.page.setInputFiles('#file-input', { name: 'notes.bin', mimeType: 'application/octet-stream', buffer: bytes });
    await expect(alice.page.locator('#file-transfers li.transfer.done[data-direction="out"]')).toHaveCount(peers, { timeout: 60_000 });
    const receivers = [];
    for (const tab of others) if ((await tables([tab], 'chat'))[0]!.neighbours.includes((await tables([alice], 'chat'))[0]!.id)) receivers.push(tab);
    for (const tab of receivers) {
      const link = tab.page.locator('#file-transfers li.transfer.done[data-direction="in"] a.download');
      await expect(link).toHaveAttribute('download', 'notes.bin');
      await expect(tab.page.locator('#file-transfers li[data-direction="in"] progress')).toHaveJSProperty('value', bytes.length);
      // the download link holds exactly the bytes sent
      const digest = await link.evaluate(async (a: HTMLAnchorElement) => {
        const hash = await crypto.subtle.digest('SHA-256', await (await fetch(a.href)).arrayBuffer());
        return Array.from(new Uint8Array(hash), (b) => b.toString(16).padStart(2, '0')).join('');
      });
      expect(digest).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
    expect(receivers.length).toBe(peers);
    await alice.page.screenshot({ path: `${SHOTS}/files-sender.png` });
    await receivers[0]!.page.screenshot({ path: `${SHOTS}/files-receiver.png` });
    for (const { errors } of tabs) expect(errors).toEqual([]);
  });
});

test('shared dict in two tabs of one browser: after both reload, each still edits its own key and not the other tab\'s', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 1000, height: 820 } });
  const tabs = [await openTab(browser, DEMO_URL, context), await openTab(browser, DEMO_URL, context)] as const;
  const [left, right] = tabs;
  await until('the two tabs\' dicts connect', () => meshed([...tabs], 'dict'));
  for (const tab of tabs) await view(tab, 'dict');
  await setInDict(left, 'left key', 'L1');
  await setInDict(right, 'right key', 'R1');
  for (const tab of tabs) await expect(dictRow(tab, 'right key').locator('td').nth(1)).toHaveText('R1');
  await expect(dictRow(right, 'left key').locator('td').nth(1)).toHaveText('L1');

  for (const tab of tabs) {
    await tab.page.evaluate(() => (window as any).demo.dict.flush());
    await tab.page.reload();
    await expect(tab.page.locator('body')).toHaveAttribute('data-ready', 'true');
    await view(tab, 'dict');
    await expect(dictRow(tab, 'left key').locator('td').nth(1)).toHaveText('L1'); // restored
  }
  await until('the reloaded dicts connect', () => meshed([...tabs], 'dict'));
  await setInDict(left, 'left key', 'L2');
  await setInDict(right, 'right key', 'R2');
  for (const tab of tabs) {
    await expect(tab.page.locator('#dict-error')).toBeHidden();
    await expect(dictRow(tab, 'left key').locator('td').nth(1)).toHaveText('L2');
    await expect(dictRow(tab, 'right key').locator('td').nth(1)).toHaveText('R2');
  }
  // Within the second of right's write the smaller id would win the tie (PROTOCOL.md §6.3).
  const written = await right.page.evaluate(() => Math.floor(Date.now() / 1000));
  await until("right's second is over", () => left.page.evaluate((written) => Date.now() / 1000 >= written + 1, written));
  await setInDict(left, 'right key', 'taken by left');
  await expect(left.page.locator('#dict-error')).toContainText('LeaseError: key "right key" is leased');
  await expect(dictRow(right, 'right key').locator('td').nth(1)).toHaveText('R2');
  for (const { errors } of tabs) expect(errors).toEqual([]);
  await context.close();
});

test('the README start command serves a page that loads with no console errors, and the API reference at /docs/', async ({ browser }) => {
  test.setTimeout(240_000);
  // detached: npm, its shell and the server form one process group, killed together below
  const child = spawn('npm', ['start'], { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = new Promise<string>((resolve, reject) => {
    const scan = (chunk: Buffer) => {
      output += chunk;
      const served = /serving \S+ at (http:\/\/\S+)/.exec(output);
      if (served) resolve(served[1]!);
    };
    child.stdout!.on('data', scan);
    child.stderr!.on('data', scan);
    child.on('exit', (code) => reject(new Error(`npm start exited (${code}) before printing a URL:\n${output}`)));
  });
  try {
    const printed = await Promise.race([url, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no URL within 180 s:\n${output}`)), 180_000))]);
    expect(printed).toBe('http://127.0.0.1:8787/');
    const tab = await openTab(browser, printed);
    await expect(tab.page.locator('#chat .room-status')).toContainText('joined');
    expect(tab.errors).toEqual([]);
    await tab.page.context().close();
    // The API reference is served beside the demo, built from the doc comments.
    const reference = await fetch(new URL('docs/classes/index.MeshSocket.html', printed));
    expect(reference.status).toBe(200);
    expect(await reference.text()).toContain("MeshSocket: py2p's mesh");
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      process.kill(-child.pid!, 'SIGTERM');
      await exited;
    }
  }
});
