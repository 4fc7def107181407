/**
 * The reply window in the agent app, in Debian's Chromium against a whole hub wired to the local Meta
 * (WhatsApp Cloud) stub: a WhatsApp conversation whose customer wrote 25 h ago shows the composer locked
 * with the reason and sends an approved template with its variable filled in (the stub records the
 * template send); a conversation whose window is about to close counts down live and locks itself when
 * it runs out; the phrases are translated in zh-CN.
 */
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startMetaTestHub, type MetaTestHub } from '../support/meta-harness';
import { apiGet, waitUntil, type Json } from '../support/social-support';
import { ensureUiBuilt, launchChromium, PASSWORD, screenshot, signIn } from './agent-ui.support';

const HOUR = 3_600_000;

describe('reply window in the agent app (Chromium, WhatsApp Cloud stub)', function () {
  this.timeout(180_000);
  let hub: MetaTestHub;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const supervisor = { email: 'reply.window@test.omnihub', name: '周主管' };

  async function newPage(locale: string): Promise<Page> {
    const context = await browser.newContext({ locale, viewport: { width: 1440, height: 900 } });
    contexts.push(context);
    return context.newPage();
  }

  /** A WhatsApp customer writes (at `timestamp`); resolves with the conversation number. */
  async function customerWrites(
    waId: string,
    name: string,
    text: string,
    timestamp: number,
  ): Promise<number> {
    assert.equal((await hub.stub.sendWhatsApp({ waId, name, text, timestamp })).status, 200);
    return waitUntil(async () => {
      const page = await apiGet(
        hub.running.baseUrl,
        hub.token,
        `/api/conversations?q=${encodeURIComponent(text)}`,
      );
      return (page.items as Json[])[0]?.number as number | undefined;
    }, `the conversation of "${text}"`);
  }

  before(async () => {
    ensureUiBuilt();
    hub = await startMetaTestHub();
    browser = await launchChromium();
    await hub.running.hub.agents.agents.createAgent(
      { email: supervisor.email, name: supervisor.name, password: PASSWORD, role: 'supervisor', teamIds: [] },
      null,
    );
  });

  afterEach(async function () {
    if (this.currentTest?.state !== 'failed') return;
    let index = 0;
    for (const context of contexts)
      for (const page of context.pages())
        await page.screenshot({ path: `/tmp/reply-window-failure-${index++}.png` }).catch(() => undefined);
  });

  after(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await hub?.close();
  });

  it('locks the composer 25 h after the customer wrote, explains why, and sends an approved template', async () => {
    const number = await customerWrites(
      '8613800138001',
      '王芳',
      '我的退款到哪一步了？',
      Date.now() - 25 * HOUR,
    );
    const page = await newPage('en-US');
    await signIn(page, hub.running.baseUrl, supervisor.email, `/app/conversations/${number}`);
    const bar = page.locator('[data-testid=reply-window]');
    await bar.waitFor();
    assert.match(await bar.innerText(), /Reply window closed · WhatsApp/);
    assert.match(await bar.innerText(), /only an approved template can be sent/);
    assert.equal(await page.locator('.composer textarea').isDisabled(), true, 'free text is locked');
    assert.equal(await page.locator('.composer button[type=submit]').isDisabled(), true);

    const picker = page.locator('.template-picker');
    await picker.locator('select').selectOption({ label: 'follow_up (zh_CN)' });
    const send = picker.getByRole('button', { name: 'Send template' });
    assert.equal(await send.isDisabled(), true, 'not before the variable is filled in');
    await picker.getByLabel('Value 1').fill('王芳');
    assert.equal(
      await picker.locator('[data-testid=template-preview]').innerText(),
      'Preview: 您好 王芳，关于您的问题我们有新的进展，请回复此消息继续沟通。',
    );
    await screenshot(page, 'reply-window-template');
    await send.click();

    const sent = await waitUntil(
      () => hub.stub.sends.find((s) => s.type === 'template'),
      'the template at the stub',
    );
    assert.equal(sent.template?.name, 'follow_up');
    assert.deepEqual(sent.template?.components, [
      { type: 'body', parameters: [{ type: 'text', text: '王芳' }] },
    ]);
    await page
      .locator('.timeline')
      .getByText('您好 王芳，关于您的问题我们有新的进展，请回复此消息继续沟通。')
      .waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('.composer textarea').isDisabled(), true, 'still only templates');
  });

  it('counts the time left down live and locks the composer when the window runs out', async () => {
    const number = await customerWrites(
      '8613800138002',
      '李雷',
      '在吗？马上要出门',
      Date.now() - 24 * HOUR + 40_000,
    );
    const page = await newPage('en-US');
    await signIn(page, hub.running.baseUrl, supervisor.email, `/app/conversations/${number}`);
    const left = page.locator('[data-testid=reply-window-left]');
    await left.waitFor();
    const seconds = async () => Number(/(\d+)\s*s/.exec(await left.innerText())?.[1] ?? NaN);
    const first = await seconds();
    assert.ok(first > 0 && first <= 40, `seconds left: ${first}`);
    assert.equal(await page.locator('.composer textarea').isDisabled(), false, 'free text while open');
    await waitUntil(
      async () => ((await seconds()) < first ? true : undefined),
      'the countdown to move',
      10_000,
    );
    await page.locator('.reply-window.closed').waitFor({ timeout: 60_000 });
    assert.equal(
      await page.locator('.composer textarea').isDisabled(),
      true,
      'locked once the window ran out',
    );
    assert.equal(await page.locator('.template-picker').count(), 1, 'templates offered instead');
  });

  it('says it in Chinese for a zh-CN agent', async () => {
    const number = await customerWrites('8613800138003', '韩梅梅', '你好，还有人吗', Date.now() - 30 * HOUR);
    const page = await newPage('zh-CN');
    await signIn(page, hub.running.baseUrl, supervisor.email, `/app/conversations/${number}`);
    const bar = page.locator('[data-testid=reply-window]');
    await bar.waitFor();
    const text = await bar.innerText();
    assert.match(text, /回复时限已过/);
    assert.match(text, /只能发送已审核的模板消息/);
    assert.match(text, /发送模板/);
    assert.doesNotMatch(text, /Reply window|approved template/);
  });
});
