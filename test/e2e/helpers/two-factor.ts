// Shared steps of the two-factor browser tests: TOTP codes computed with otplib from the secret
// the page shows, enrolling in My account, and the sign-in page's two steps.
import type { Page } from 'playwright-core';
import { generate } from 'otplib';

/** The code for the current 30-second step, or `stepsAhead` steps later (the server takes +1). */
export function totpCode(secret: string, stepsAhead = 0): Promise<string> {
  return generate({ secret, epoch: Math.floor(Date.now() / 1000) + stepsAhead * 30 });
}

/** Enrols an authenticator app in My account; returns the secret and the recovery codes. */
export async function enrolTotp(
  page: Page,
  baseUrl: string,
): Promise<{ secret: string; recoveryCodes: string[] }> {
  await page.goto(`${baseUrl}/account`);
  await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
  const secret = (await page.getByTestId('totp-secret').textContent())!.trim();
  await page.getByLabel('Code from the app').fill(await totpCode(secret));
  await page.getByRole('button', { name: 'Turn on two-factor sign-in' }).click();
  const list = page.getByTestId('recovery-codes');
  await list.waitFor();
  const recoveryCodes = (await list.locator('li').allTextContents()).map((code) => code.trim());
  return { secret, recoveryCodes };
}

/** The password step; afterwards the page shows the second step (or has left /signin). */
export async function signInPassword(
  page: Page,
  baseUrl: string,
  address: string,
  password: string,
): Promise<void> {
  await page.goto(`${baseUrl}/signin?callbackUrl=/account`);
  await page.getByLabel('Email address').fill(address);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Types a code in the second step and submits it. */
export async function submitCode(page: Page, code: string): Promise<void> {
  await page.getByLabel('Authentication code').fill(code);
  await page.getByRole('button', { name: 'Verify' }).click();
}
