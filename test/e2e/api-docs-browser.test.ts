/**
 * The API docs page in a real browser (Chromium, headless) under the app's own Content-Security-Policy:
 * Swagger UI loads from the hub, reads /api/openapi.json and lists the operations; nothing is refused.
 */
import assert from 'node:assert/strict';
import { chromium, type Browser } from 'playwright-core';
import { startTestHub, type RunningTestHub } from '../support/test-stack';

describe('the API docs page', function () {
  this.timeout(60_000);
  let stack: RunningTestHub;
  let browser: Browser;
  before(async () => {
    stack = await startTestHub();
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
    });
  });
  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('shows every documented operation, with no CSP refusal and nothing loaded from elsewhere', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    const foreign: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('request', (request) => {
      if (!request.url().startsWith(stack.baseUrl) && !request.url().startsWith('data:'))
        foreign.push(request.url());
    });
    const document = (await (await fetch(`${stack.baseUrl}/api/openapi.json`)).json()) as {
      paths: Record<string, object>;
    };
    const operations = Object.values(document.paths).reduce((n, item) => n + Object.keys(item).length, 0);
    await page.goto(`${stack.baseUrl}/api/docs`);
    // Swagger UI renders the tag sections one after another: wait until it has rendered as many operations.
    await page
      .waitForFunction((n) => globalThis.document.querySelectorAll('.opblock').length >= n, operations, {
        timeout: 30_000,
      })
      .catch(() => undefined);
    assert.equal(await page.locator('.opblock').count(), operations);
    assert.ok(await page.getByText('/api/conversations/{id}/messages').first().isVisible());
    assert.deepEqual(problems, []);
    assert.deepEqual(foreign, []);
  });
});
