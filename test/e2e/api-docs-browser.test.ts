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
    await page.goto(`${stack.baseUrl}/api/docs`);
    await page.waitForSelector('.opblock-tag', { timeout: 30_000 });
    const document = (await (await fetch(`${stack.baseUrl}/api/openapi.json`)).json()) as {
      paths: Record<string, object>;
    };
    const operations = Object.values(document.paths).reduce((n, item) => n + Object.keys(item).length, 0);
    // Tags start collapsed: open each one, count its operations, close it again.
    const sections = page.locator('.opblock-tag-section');
    let listed = 0;
    let sawMessages = false;
    for (let i = 0; i < (await sections.count()); i++) {
      const section = sections.nth(i);
      await section.locator('.opblock-tag').click();
      await section.locator('.opblock').first().waitFor({ timeout: 10_000 });
      listed += await section.locator('.opblock').count();
      sawMessages ||= (await section.getByText('/api/conversations/{id}/messages').count()) > 0;
      await section.locator('.opblock-tag').click();
    }
    assert.equal(listed, operations);
    assert.ok(sawMessages);
    assert.deepEqual(problems, []);
    assert.deepEqual(foreign, []);
  });
});
