import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createApiKey } from '@airlock/db';
import { afterAll, beforeAll, inject } from 'vitest';
import { repoRoot } from '../support/binaries.js';
import { recordOnFailure } from '../support/failure-evidence.js';
import { seedTeam, startHarness, type Harness } from '../support/harness.js';
import { CONSOLE_SETUP_TIMEOUT_MS, startConsole, type RunningConsole } from './console-app.js';

// Debian's chromium with the flags measured on these machines; playwright-core gives each launch a fresh profile directory.
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: FLAGS });
}

/** A browser test file's console and Chromium; `stop()` ends both. */
export interface BrowserConsole {
  app: RunningConsole;
  browser: Browser;
  /** Prints the console's output when AIRLOCK_E2E_LOG is set, closes the browser, stops the console. The harness is the caller's. */
  stop(): Promise<void>;
}

/**
 * The set-up every browser test file shares: `startConsole` against the harness's database and task
 * queue (and this run's Temporal), with `env` added (an OIDC issuer, a policy file), then Chromium.
 * `startConsole` builds the console first when its build is stale, so the hook calling this needs a
 * time limit that covers a build (CONSOLE_SETUP_TIMEOUT_MS).
 */
export async function startBrowserConsole(h: Pick<Harness, 'database' | 'taskQueue'>, env: Record<string, string> = {}): Promise<BrowserConsole> {
  const app = await startConsole({ DATABASE_URL: h.database.url, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_TASK_QUEUE: h.taskQueue, ...env });
  const printOutput = () => {
    if (process.env.AIRLOCK_E2E_LOG) console.log(app.output());
  };
  let browser: Browser;
  try {
    browser = await launchChromium();
  } catch (error) {
    printOutput();
    await app.stop();
    throw error;
  }
  const forget = recordOnFailure((testName) => recordPages(browser, app, testName));
  return {
    app,
    browser,
    async stop() {
      forget();
      printOutput();
      try {
        await browser.close();
      } finally {
        await app.stop();
      }
    },
  };
}

/** What `useBrowserConsole` hands a test file; its fields are there once the file's beforeAll has run. */
export interface BrowserBed<User extends string> {
  h: Harness;
  app: RunningConsole;
  browser: Browser;
  /** Each named user's API key, for `signedIn` and REST calls. */
  keys: Record<User, string>;
}

/**
 * The hooks a browser test file shares: a harness (with `deps` and the rest of `startHarness`'s options)
 * and the seeded team, then `seed` (people or agents of the file's own), an API key for each user in
 * `keys`, then the console and Chromium; afterAll stops them and closes the harness. Like
 * `useSeededHarness`, the returned object is filled in beforeAll, so tests read it, never destructure it.
 */
export function useBrowserConsole<const User extends string>(
  options: Parameters<typeof startHarness>[0] & { keys: readonly User[]; seed?: (h: Harness) => Promise<unknown>; env?: Record<string, string> },
): BrowserBed<User> {
  const { keys: users, seed, env, ...harnessOptions } = options;
  const bed = {} as BrowserBed<User>;
  let h: Harness | undefined;
  let ui: BrowserConsole | undefined;
  beforeAll(async () => {
    h = await startHarness(harnessOptions);
    await seedTeam(h.db);
    await seed?.(h);
    const keys = {} as Record<User, string>;
    for (const user of users) keys[user] = (await createApiKey(h.db, { userId: user })).key;
    ui = await startBrowserConsole(h, env);
    Object.assign(bed, { h, app: ui.app, browser: ui.browser, keys });
  }, CONSOLE_SETUP_TIMEOUT_MS);
  afterAll(async () => {
    await ui?.stop();
    await h?.close();
  });
  return bed;
}

export const artifactsDir = path.join(repoRoot, 'test/artifacts');

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(artifactsDir, { recursive: true });
  await page.screenshot({ path: path.join(artifactsDir, `${name}.png`), fullPage: true });
}

/** A failed test's evidence: every open page's screenshot and alerts, and the console's recent log (its server errors). */
async function recordPages(browser: Browser, app: RunningConsole, testName: string): Promise<void> {
  const slug = testName
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 60);
  let n = 0;
  for (const context of browser.contexts()) {
    for (const page of context.pages()) {
      const name = `failed-${slug}-${++n}`;
      await screenshot(page, name);
      const alerts = await page.getByRole('alert').allTextContents();
      console.error(`failed "${testName}": page ${n} at ${page.url()} (test/artifacts/${name}.png), alerts: ${JSON.stringify(alerts)}`);
    }
  }
  console.error(`failed "${testName}": the console's log, last 8000 characters:\n${app.output().slice(-8000)}`);
}

/** A fresh browser context signed in with `apiKey` through the sign-in page. */
export async function signedIn(browser: Browser, baseURL: string, apiKey: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ baseURL, viewport: { width: 1200, height: 800 } });
  const page = await context.newPage();
  await page.goto('/sign-in');
  await page.getByLabel('API key').fill(apiKey);
  await page.getByRole('button', { name: 'Sign in with API key' }).click();
  await page.getByRole('heading', { name: 'Inbox' }).waitFor();
  return { context, page };
}

/** A fresh browser context that submits the email + password form; the caller waits for where it lands. */
export async function passwordSignIn(browser: Browser, baseURL: string, email: string, password: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ baseURL, viewport: { width: 1200, height: 800 } });
  const page = await context.newPage();
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  return { context, page };
}
