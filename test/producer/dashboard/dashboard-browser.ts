/**
 * Driving the dashboard in a real headless Chromium for the dashboard tests:
 * open a page that records console and page errors, sign in, look a message
 * up, wait for an element's text, read a shard table, record how the page's
 * own files were served, save a screenshot.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { waitFor } from '../../../src/core/wait-for';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');
const CHROMIUM_ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Starts the system Chromium; no skip on failure: a browser that cannot start fails the suite. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

/** Opens a page at 1280×900 in its own context (own sessionStorage), recording errors into `errors`. */
export async function openPage(browser: Browser, errors: string[]): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`page error: ${err.message}`));
  return page;
}

/** Polls the element's text until it matches; a timeout names the last text seen. */
export async function waitForText(page: Page, testId: string, expected: string | RegExp, timeoutMs = 15_000): Promise<void> {
  const locator = page.getByTestId(testId).first();
  await waitFor(
    async () => {
      const text = ((await locator.textContent({ timeout: 1000 })) ?? '').trim();
      const ok = typeof expected === 'string' ? text === expected : expected.test(text);
      if (!ok) throw new Error(`${testId} shows "${text}"`);
      return true;
    },
    { timeoutMs, intervalMs: 100, description: `${testId} to show ${String(expected)}` },
  );
}

/** Opens the dashboard and submits `token` in its form. */
export async function signIn(page: Page, url: string, token: string): Promise<void> {
  await page.goto(`${url}/dashboard`);
  await page.getByTestId('token-input').fill(token);
  await page.getByTestId('token-submit').click();
}

/** Looks a message up in the lookup box. */
export async function lookUp(page: Page, messageId: string): Promise<void> {
  await page.getByTestId('lookup-input').fill(messageId);
  await page.getByTestId('lookup-submit').click();
}

/** The shard table as shown: each row's lane, shard number and waiting count, in page order. */
export async function shownShards(page: Page): Promise<{ lane: string; index: number; waiting: number }[]> {
  const rows = await page.getByTestId('shard-row').all();
  return Promise.all(
    rows.map(async (row) => ({
      lane: (await row.getAttribute('data-lane')) ?? '',
      index: Number(await row.getAttribute('data-index')),
      waiting: Number(((await row.getByTestId('shard-waiting').textContent()) ?? '').replace(/,/g, '')),
    })),
  );
}

/** Saves a full-page screenshot as test-artifacts/`name` and logs where. */
export async function saveScreenshot(page: Page, name: string): Promise<void> {
  const file = path.join(REPO_ROOT, 'test-artifacts', name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await page.screenshot({ path: file, fullPage: true });
  console.log(`      dashboard screenshot: ${file}`);
}

/** A response to the page or one of its files, as the browser got it. */
export interface FileResponse {
  path: string;
  status: number;
  headers: Record<string, string>;
  /** The ETag the browser offered, when it revalidated a copy it had. */
  ifNoneMatch: string | undefined;
}

/** Records every response to /dashboard and /dashboard/static/*; call the result to read them. */
export function recordFileResponses(page: Page): () => Promise<FileResponse[]> {
  const seen: Promise<FileResponse>[] = [];
  page.on('response', (response) => {
    const { pathname } = new URL(response.url());
    if (pathname !== '/dashboard' && !pathname.startsWith('/dashboard/static/')) return;
    seen.push(
      (async () => ({
        path: pathname,
        status: response.status(),
        headers: await response.allHeaders(),
        ifNoneMatch: (await response.request().allHeaders())['if-none-match'],
      }))(),
    );
  });
  return () => Promise.all(seen);
}
