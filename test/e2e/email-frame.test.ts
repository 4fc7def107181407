import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { startTestHub, type RunningTestHub } from '../support/test-stack';
import { ensureUiBuilt, launchChromium, PASSWORD, signIn } from './agent-ui.support';

/** A 1×1 PNG: the inline (`cid:`) image of the test mail. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

/**
 * An email in the agent app (Chromium): its inline image shows (fetched with the agent's token), its
 * remote image stays blocked until the agent asks, then loads from the copy that kept it.
 */
describe('email in the agent app: inline and remote images', function () {
  this.timeout(180_000);
  let stack: RunningTestHub;
  let browser: Browser;

  before(async () => {
    ensureUiBuilt();
    stack = await startTestHub();
    await stack.hub.agents.agents.createAgent(
      { email: 'admin@mail.test', password: PASSWORD, name: 'Admin', role: 'admin' },
      null,
    );
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('shows the inline image at once and the remote one only after "Show remote images"', async () => {
    const html =
      '<p>Our new catalogue<img src="cid:logo@shop.example" alt="logo">' +
      '<img src="https://news.example/banner.png" alt="banner"></p>';
    const stored = await stack.hub.ingest.ingest({
      channel: 'email',
      inboxId: 'email',
      externalId: `<catalogue-${Date.now()}@shop.example>`,
      occurredAt: new Date(),
      from: { externalId: 'news@shop.example', email: 'news@shop.example', name: 'Shop' },
      kind: 'message',
      subject: 'Catalogue',
      text: 'Our new catalogue',
      html,
      attachments: [
        { contentType: 'image/png', filename: 'logo.png', data: PNG, contentId: 'logo@shop.example' },
      ],
      email: { to: ['support@example.test'], cc: [], fullHtml: html, remoteImages: 1 },
    });
    const conversation = await stack.hub.conversations.conversations.getConversation(stored.conversationId);
    const page = await (await browser.newContext({ locale: 'en-US' })).newPage();
    await signIn(page, stack.baseUrl, 'admin@mail.test', `/app/conversations/${conversation.number}`);
    const frame = page.frameLocator('iframe.html');
    await frame.locator('img[alt=logo][src^="data:image/png"]').waitFor({ timeout: 30_000 });
    assert.equal(await frame.locator('img[alt=banner]').getAttribute('src'), null, 'remote image blocked');
    await page.locator('.images-blocked button').click();
    await frame
      .locator('img[alt=banner][src="https://news.example/banner.png"]')
      .waitFor({ timeout: 30_000 });
    assert.match((await frame.locator('img[alt=logo]').getAttribute('src')) ?? '', /^data:image\/png/);
  });
});
