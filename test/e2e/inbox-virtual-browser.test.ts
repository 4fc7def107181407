/**
 * The inbox's virtualized conversation list in Debian's Chromium against a whole hub (embedded engine,
 * redis-server), at the 1024 px layout: 300 customers text in through the engine's ingest; a supervisor's
 * "All" list keeps only a window of rows in the DOM while every loaded row keeps its place for assistive
 * technology (aria-setsize / aria-posinset); j walks past the window (loading the next pages as it goes)
 * with the selected row scrolled into view, k walks back, Enter opens the row; and a new message for a
 * conversation far down the list moves it to the top live, with its preview and unread mark.
 */
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { inbound } from '../integration/conversations-support';
import { startTestHub, type RunningTestHub } from '../support/test-stack';
import { ensureUiBuilt, launchChromium, PASSWORD, signIn } from './agent-ui.support';

const CONVERSATIONS = 300;
const phone = (i: number) => `+86139${String(10_000_000 + i).slice(-8)}`;

describe('inbox: the virtualized conversation list (Chromium)', function () {
  this.timeout(240_000);
  let running: RunningTestHub;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const ids: string[] = [];

  const list = () => page.locator('[data-testid=conversation-list][data-view=all]');
  const domRows = () => list().locator('li');
  const loaded = async () => Number(await list().getAttribute('data-count'));
  /** The list item (its place in the list, its conversation) of the keyboard's row. */
  const highlighted = async () => {
    const item = list().locator('li:has(.row.highlighted)');
    return {
      position: Number(await item.getAttribute('aria-posinset')),
      id: await item.locator('.row').getAttribute('data-conversation-id'),
    };
  };
  /** Whether the keyboard's row is wholly inside the list's scrolled viewport. */
  const highlightedInView = () =>
    page.locator('[data-testid=conversation-scroll]').evaluate((scroller) => {
      const row = scroller.querySelector('.row.highlighted');
      if (!row) return false;
      const view = scroller.getBoundingClientRect();
      const box = row.getBoundingClientRect();
      return box.top >= view.top - 1 && box.bottom <= view.bottom + 1;
    });

  before(async () => {
    ensureUiBuilt();
    running = await startTestHub({ configOverrides: { SLA_SWEEP_INTERVAL_MS: '0' } });
    await running.hub.agents.agents.createAgent(
      {
        email: 'lin.sup@test.omnihub',
        name: '林主管',
        password: PASSWORD,
        role: 'supervisor',
        teamIds: [],
      },
      null,
    );
    // Conversation i last heard from its customer i minutes ago: the newest first, the last one at the
    // bottom of the list.
    const start = Date.now();
    for (let i = 0; i < CONVERSATIONS; i += 20) {
      const batch = Array.from({ length: Math.min(20, CONVERSATIONS - i) }, (_, j) => i + j);
      const created = await Promise.all(
        batch.map((n) =>
          running.hub.ingest.ingest(
            inbound({
              occurredAt: new Date(start - (n + 1) * 60_000),
              from: { externalId: phone(n), phone: phone(n), name: `客户${n}` },
              text: `第${n}位客户的问题`,
            }),
          ),
        ),
      );
      ids.push(...created.map((c) => c.conversationId));
    }
    browser = await launchChromium();
    context = await browser.newContext({ locale: 'en-US', viewport: { width: 1024, height: 768 } });
    page = await context.newPage();
  });
  after(async () => {
    await context?.close().catch(() => undefined);
    await browser?.close();
    await running?.close();
  });
  afterEach(async function () {
    if (this.currentTest?.state !== 'failed') return;
    await page?.screenshot({ path: '/tmp/inbox-virtual-failure.png' }).catch(() => undefined);
  });

  it('keeps only a window of the rows in the DOM, each with its place in the whole list', async () => {
    await signIn(page, running.baseUrl, 'lin.sup@test.omnihub');
    await list().locator('.row').first().waitFor();
    assert.equal(await page.locator('[role=tab][aria-selected=true]').innerText(), 'All');
    // The first page (50) is loaded; far fewer are drawn.
    await page.waitForFunction(
      () =>
        Number(document.querySelector('[data-testid=conversation-list]')?.getAttribute('data-count')) >= 50,
    );
    const count = await loaded();
    const drawn = await domRows().count();
    assert.ok(drawn > 3 && drawn < 30, `${drawn} of ${count} rows in the DOM`);
    assert.equal(await list().getAttribute('role'), 'list');
    const first = domRows().first();
    assert.equal(await first.getAttribute('aria-posinset'), '1');
    assert.equal(await first.getAttribute('aria-setsize'), String(count));
    assert.equal(await first.locator('.row').getAttribute('data-conversation-id'), ids[0]);
    // Each row still shows its waiting time and its customer's latest words.
    await first.locator('.badge.waiting').waitFor();
    assert.match(await first.locator('.preview').innerText(), /第0位客户的问题/);
  });

  it('walks with j past the drawn rows and the next pages, keeping the row in view; k walks back; Enter opens it', async () => {
    const steps = 70;
    for (let i = 0; i < steps; i++) await page.keyboard.press('j');
    await page.waitForFunction(
      (n) => document.querySelector('.row.highlighted')?.closest('li')?.getAttribute('aria-posinset') === n,
      String(steps + 1),
    );
    const far = await highlighted();
    assert.equal(far.position, steps + 1);
    assert.equal(far.id, ids[steps]);
    assert.ok(await highlightedInView(), 'the highlighted row is scrolled into view');
    // The window moved: the top rows left the DOM, and the next page came in as the list was walked.
    assert.equal(await list().locator(`[data-conversation-id="${ids[0]}"]`).count(), 0);
    assert.ok((await loaded()) >= 100, 'the next page loaded while walking');
    assert.ok((await domRows().count()) < 30);

    for (let i = 0; i < 5; i++) await page.keyboard.press('k');
    await page.waitForFunction(
      (n) => document.querySelector('.row.highlighted')?.closest('li')?.getAttribute('aria-posinset') === n,
      String(steps - 4),
    );
    assert.equal((await highlighted()).id, ids[steps - 5]);
    assert.ok(await highlightedInView());

    await page.keyboard.press('Enter');
    const opened = list().locator(`[data-conversation-id="${ids[steps - 5]}"]`);
    await page.locator('[data-testid=conversation-list] .row.selected').waitFor();
    assert.equal(await opened.getAttribute('aria-current'), 'true');
    assert.match(page.url(), new RegExp(`/app/conversations/${await opened.getAttribute('data-number')}$`));
  });

  it('moves a conversation from far down to the top live when its customer writes again', async () => {
    // Back to the top of the list, as an agent scrolling up would.
    await page.locator('[data-testid=conversation-scroll]').evaluate((scroller) => scroller.scrollTo(0, 0));
    await list().locator('li[aria-posinset="1"]').waitFor();
    const count = await loaded();
    const target = ids[count - 1]!; // the last loaded row, far below the drawn window
    assert.equal(await list().locator(`[data-conversation-id="${target}"]`).count(), 0);
    const n = count - 1;
    await running.hub.ingest.ingest(
      inbound({
        occurredAt: new Date(),
        from: { externalId: phone(n), phone: phone(n), name: `客户${n}` },
        text: '我又来了：订单还没到',
      }),
    );
    await page.waitForFunction(
      (id) => {
        const first = document.querySelector('[data-testid=conversation-list] li[aria-posinset="1"] .row');
        return first?.getAttribute('data-conversation-id') === id && first.textContent?.includes('我又来了');
      },
      target,
      { timeout: 30_000 },
    );
    const top = list().locator('li[aria-posinset="1"] .row');
    assert.ok(await top.evaluate((row) => row.classList.contains('unread')), 'the moved row is unread');
    assert.equal(await top.locator('.dot').count(), 1);
    // The one that was first is now second; nothing got lost or duplicated.
    const second = list().locator('li[aria-posinset="2"] .row');
    assert.equal(await second.getAttribute('data-conversation-id'), ids[0]);
    assert.equal(await loaded(), count);
    assert.equal(await list().locator(`[data-conversation-id="${target}"]`).count(), 1);
  });
});
