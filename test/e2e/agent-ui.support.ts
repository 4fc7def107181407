/**
 * Shared pieces of the agent-app browser tests: Debian's Chromium through playwright-core, a fresh UI
 * build when the sources are newer than the built bundle, sign-in, and screenshots written as artifacts
 * to test-artifacts/screenshots (ignored by git), or to docs/screenshots (the committed ones the README
 * shows) when UPDATE_SCREENSHOTS=1.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { repoRoot } from '../support/hub-process';

export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS =
  process.env.UPDATE_SCREENSHOTS === '1'
    ? path.join(repoRoot, 'docs', 'screenshots')
    : path.join(repoRoot, 'test-artifacts', 'screenshots');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/** Builds agent-ui/dist when it is missing or older than any source (so the test never runs a stale UI). */
export function ensureUiBuilt(): void {
  const built = path.join(repoRoot, 'agent-ui', 'dist', 'index.html');
  const sources = [path.join(repoRoot, 'agent-ui', 'src'), path.join(repoRoot, 'server', 'realtime')];
  const stale = !existsSync(built) || sources.some((dir) => newestMtime(dir) > statSync(built).mtimeMs);
  if (stale) execFileSync('npm', ['run', '--silent', 'build:ui'], { cwd: repoRoot, stdio: 'ignore' });
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

export const PASSWORD = 'correct horse battery';

/** Signs in through the login form and waits until the live connection is up. */
export async function signIn(page: Page, baseUrl: string, email: string, path = '/app/inbox'): Promise<void> {
  await page.goto(`${baseUrl}${path}`);
  await page.locator('input[name=email]').fill(email);
  await page.locator('input[name=password]').fill(PASSWORD);
  await page.locator('form.login button[type=submit]').click();
  await page.locator('[data-testid=connection].up').waitFor({ timeout: 30_000 });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
}

/** Whether the element's box is fully visible and on top (not covered by anything else) at its center. */
export async function isUncovered(page: Page, selector: string): Promise<boolean> {
  return page.locator(selector).evaluate((element) => {
    const box = element.getBoundingClientRect();
    if (box.width === 0 || box.bottom > window.innerHeight || box.right > window.innerWidth) return false;
    const points = [
      [box.left + box.width / 2, box.top + box.height / 2],
      [box.left + 2, box.top + 2],
      [box.right - 2, box.bottom - 2],
    ] as const;
    return points.every(([x, y]) => {
      const top = document.elementFromPoint(x, y);
      return top !== null && (top === element || element.contains(top));
    });
  });
}
