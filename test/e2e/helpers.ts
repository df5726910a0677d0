import type { Browser, Page } from '@playwright/test';

/** A fresh page (its own context, so its own IndexedDB) with the harness loaded. */
export async function harnessPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  await page.goto('/index.html');
  await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
  return page;
}
