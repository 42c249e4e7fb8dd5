// Debian's chromium driven by playwright-core: headless, no sandbox, no background traffic, a
// fresh profile each time. Screenshots go to test-artifacts/.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { projectRoot } from './app';

export const ARTIFACTS = join(projectRoot, 'test-artifacts');

export interface Browser {
  context: BrowserContext;
  page: Page;
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

export async function openBrowser(options: { timezone?: string } = {}): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'postroom-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.POSTROOM_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1280, height: 860 },
    timezoneId: options.timezone ?? 'Europe/Berlin',
    locale: 'en-GB',
  });
  // Generous: the test machine is shared, so a page can take a while under load.
  context.setDefaultTimeout(30_000);
  const page = context.pages()[0] ?? (await context.newPage());
  mkdirSync(ARTIFACTS, { recursive: true });
  return {
    context,
    page,
    async screenshot(name: string) {
      const path = join(ARTIFACTS, `${name}.png`);
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Signs in through the sign-in page and waits for the landing page. */
export async function signIn(page: Page, baseUrl: string, address: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/signin`);
  await page.getByLabel('Email address').fill(address);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/signin'));
}
