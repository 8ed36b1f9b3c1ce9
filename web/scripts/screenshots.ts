/**
 * `npm run screenshots` (or `npm run screenshots -w @huddle/web`): the main screens of the web
 * app, as PNGs in web/screenshots/ for its README, taken in Debian's chromium from a running,
 * seeded Huddle (`npm start`, then `npm run seed`). GATEWAY_URL defaults to http://localhost:8080.
 */
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../../test/support/browser';

const baseUrl = process.env.GATEWAY_URL || 'http://localhost:8080';
const out = fileURLToPath(new URL('../screenshots/', import.meta.url));
const desktop = { width: 1200, height: 760 };
const phone = { width: 360, height: 740 };

async function signedIn(browser: Browser, name: string, viewport: typeof desktop): Promise<Page> {
  const page = await (await browser.newContext({ viewport, deviceScaleFactor: 1 })).newPage();
  page.setDefaultTimeout(15_000);
  await page.goto(`${baseUrl}/app/`);
  await page.getByRole('button', { name: new RegExp(name) }).click();
  await page.getByTestId('me').getByText(name).waitFor();
  return page;
}

async function open(page: Page, title: string) {
  await page.getByRole('link', { name: new RegExp(title) }).click();
  await page.getByRole('heading', { level: 1, name: title }).waitFor();
  await page.getByRole('article').first().waitFor();
}

const shot = (page: Page, name: string) => page.screenshot({ path: `${out}${name}.png` });

await mkdir(out, { recursive: true });
const browser = await launchChromium();
try {
  const signIn = await (await browser.newContext({ viewport: desktop })).newPage();
  await signIn.goto(`${baseUrl}/app/`);
  await signIn.getByRole('button', { name: /Maya Patel/ }).waitFor();
  await shot(signIn, '1-sign-in');

  const maya = await signedIn(browser, 'Maya Patel', desktop);
  await open(maya, 'Healthy habits circle');
  await maya.getByRole('button', { name: '2 replies' }).click();
  await maya.getByText('Overnight oats work for me too!').waitFor();
  await shot(maya, '2-feed-group-with-thread');

  await maya.getByRole('button', { name: 'Settings' }).click();
  await maya.getByRole('dialog', { name: 'Group settings' }).waitFor();
  await shot(maya, '3-group-settings');
  await maya.keyboard.press('Escape');

  await open(maya, 'Care team');
  await shot(maya, '4-direct-style-group');

  await open(maya, 'Dana Smith');
  await maya.getByRole('button', { name: 'Share' }).click();
  await maya.getByRole('dialog').getByRole('list', { name: 'Participants' }).waitFor();
  await shot(maya, '5-share-a-1-on-1');
  await maya.keyboard.press('Escape');

  await maya.getByRole('link', { name: /Notifications/ }).click();
  await maya.getByRole('heading', { name: 'Notifications' }).waitFor();
  await maya.locator('.notifications li').first().waitFor();
  await shot(maya, '6-notifications');

  const dana = await signedIn(browser, 'Dana Smith', phone);
  await dana.getByTestId('chat-list').waitFor();
  await shot(dana, '7-client-phone-chat-list');
  await open(dana, 'Healthy habits circle');
  await shot(dana, '8-client-phone-feed-identities-hidden');
  console.log(`Screenshots written to ${out}`);
} finally {
  await browser.close();
}
