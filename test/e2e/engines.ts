/**
 * Both browser engines with their stock settings, behind one small page interface: Debian's
 * Chromium through Playwright without the suite's `WebRtcHideLocalIpsWithMdns` switch, and Debian's
 * Firefox ESR over WebDriver BiDi through puppeteer-core (Playwright cannot fetch its own Firefox
 * here). Stock means mDNS host candidates on, as every user's browser has them.
 */
import { chromium } from '@playwright/test';
import puppeteer from 'puppeteer-core';
import { TOOLS, requireExecutable } from '../executables.js';
import { CHROMIUM_ARGS } from './chromium-args.js';

export type EngineName = 'chromium' | 'firefox';

/** What the tests do with a page, in either engine: run a function in it, reload it, close it. */
export interface EnginePage {
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
  reload(): Promise<void>;
  close(): Promise<void>;
}

export interface Engine {
  readonly name: EngineName;
  /** A page in a context of its own (its own storage), at `url`, once `ready()` holds there. */
  newPage(url: string): Promise<EnginePage>;
  close(): Promise<void>;
}

/** The harness page says 'ready' once `window.web2p` is set. */
const ready = (): boolean => document.getElementById('status')?.textContent === 'ready';

export async function launchStock(name: EngineName): Promise<Engine> {
  return name === 'chromium' ? launchChromium() : launchFirefox();
}

async function launchChromium(): Promise<Engine> {
  const browser = await chromium.launch({ executablePath: requireExecutable(TOOLS.chromium), args: CHROMIUM_ARGS });
  return {
    name: 'chromium',
    async newPage(url) {
      const context = await browser.newContext();
      return open(await context.newPage(), url, () => context.close());
    },
    close: () => browser.close(),
  };
}

async function launchFirefox(): Promise<Engine> {
  const browser = await puppeteer.launch({ browser: 'firefox', executablePath: requireExecutable(TOOLS.firefox), headless: true });
  return {
    name: 'firefox',
    async newPage(url) {
      const context = await browser.createBrowserContext();
      return open(await context.newPage(), url, () => context.close());
    },
    close: () => browser.close(),
  };
}

/** The part of a page both drivers have alike. */
interface DriverPage {
  goto(url: string): Promise<unknown>;
  reload(): Promise<unknown>;
  waitForFunction(fn: () => boolean): Promise<unknown>;
  evaluate(fn: never, arg: never): Promise<unknown>;
}

async function open(page: DriverPage, url: string, close: () => Promise<void>): Promise<EnginePage> {
  await page.goto(url);
  await page.waitForFunction(ready);
  return {
    evaluate: <R, A>(fn: (arg: A) => R | Promise<R>, arg: A) => page.evaluate(fn as never, arg as never) as Promise<R>,
    reload: async () => {
      await page.reload();
      await page.waitForFunction(ready);
    },
    close,
  };
}
