/**
 * The agent workspace in Debian's Chromium against a whole hub (real HTTP, Socket.IO, embedded engine,
 * redis-server) wired to the local Twilio stub: customers write SMS through the stub's signed webhooks and
 * replies go out through it with real delivery callbacks. The steps build on each other (one hub, one
 * browser, one context per person), in order:
 * an agent takes an SMS offered in the tray while another conversation's composer stays uncovered,
 * replies with Ctrl+Enter and sees it delivered; a second agent sees who has it and does not get it in
 * Unassigned; a failed send shows the provider's reason and Retry sends it; Away survives a reload; a
 * supervisor sees a breach arrive live on the wallboard, reassigns from it, opens the reports, drills down
 * to a conversation and exports CSV; an admin creates a calendar with a holiday and an SLA policy and a new
 * conversation gets its due time from them. Screenshots of the main screens go to docs/screenshots.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { waitFor as pollUntil, startTwilioTestHub, type TwilioTestHub } from '../support/twilio-hub';
import { ensureUiBuilt, isUncovered, launchChromium, PASSWORD, screenshot, signIn } from './agent-ui.support';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- API JSON
type Json = any;

const waitFor = <T>(check: () => Promise<T | undefined | false>, what: string, timeoutMs = 30_000) =>
  pollUntil(check, what, timeoutMs);

describe('agent workspace in Chromium', function () {
  this.timeout(240_000);
  let hub: TwilioTestHub;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let agentPage: Page;
  let secondPage: Page;
  let teamId: string;
  let complaintsTeamId: string;
  let adminToken: string;
  const people = {
    agent: { email: 'li.na@test.omnihub', name: '李娜', id: '' },
    second: { email: 'wang.qiang@test.omnihub', name: '王强', id: '' },
    supervisor: { email: 'zhao.sup@test.omnihub', name: '赵主管', id: '' },
    admin: { email: 'admin@test.omnihub', name: '系统管理员', id: '' },
  };
  let second: { id: string; number: number };

  async function api(method: string, path: string, body?: unknown, token = hub.token): Promise<Json> {
    const response = await fetch(`${hub.running.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : null;
  }

  /** A customer texts the hub through the stub; resolves with the conversation once it exists. */
  async function customerTexts(
    from: string,
    body: string,
    profileName?: string,
  ): Promise<{ id: string; number: number }> {
    await hub.stub.stub.sendInboundMessage({ from, body, ...(profileName ? { profileName } : {}) });
    return waitFor(async () => {
      const page = await api('GET', `/api/conversations?q=${encodeURIComponent(body)}&limit=5`);
      const found = page.items[0];
      return found ? { id: found.id as string, number: found.number as number } : undefined;
    }, `the conversation of "${body}"`);
  }

  async function newPage(locale = 'en-US', viewport = { width: 1440, height: 900 }): Promise<Page> {
    const context = await browser.newContext({ locale, viewport });
    contexts.push(context);
    return context.newPage();
  }

  const selectedView = (page: Page) => page.locator('[role=tab][aria-selected=true]').innerText();

  before(async () => {
    ensureUiBuilt();
    hub = await startTwilioTestHub();
    browser = await launchChromium();
    const agents = hub.running.hub.agents.agents;
    teamId = (await agents.createTeam({ name: '售后服务' }, null)).id;
    complaintsTeamId = (await agents.createTeam({ name: '投诉专线' }, null)).id;
    for (const [key, person] of Object.entries(people)) {
      const role = key === 'supervisor' ? 'supervisor' : key === 'admin' ? 'admin' : 'agent';
      const created = await agents.createAgent(
        {
          email: person.email,
          name: person.name,
          password: PASSWORD,
          role,
          teamIds: role === 'agent' ? [teamId] : [],
          languages: ['zh-CN'],
        },
        null,
      );
      person.id = created.id;
    }
    const login = await fetch(`${hub.running.baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: people.admin.email, password: PASSWORD }),
    });
    adminToken = ((await login.json()) as { token: string }).token;
    const agentLogin = await fetch(`${hub.running.baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: people.agent.email, password: PASSWORD }),
    });
    const agentToken = ((await agentLogin.json()) as { token: string }).token;
    await api(
      'POST',
      '/api/canned-responses',
      {
        shortcut: 'invoice',
        title: '开票时间',
        text: '{{contactName}}您好，发票将在三个工作日内开具。',
        locale: 'zh-CN',
      },
      agentToken,
    );
  });

  afterEach(async function () {
    // A failed step leaves what every open page showed (for a human to look at; not an artifact).
    if (this.currentTest?.state !== 'failed') return;
    let index = 0;
    for (const context of contexts)
      for (const page of context.pages())
        await page.screenshot({ path: `/tmp/agent-ui-failure-${index++}.png` }).catch(() => undefined);
  });

  after(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await hub?.close();
  });

  it('offers an SMS in a tray that leaves the composer uncovered; the agent accepts, replies and sees it delivered', async () => {
    agentPage = await newPage();
    await signIn(agentPage, hub.running.baseUrl, people.agent.email);
    assert.equal(await agentPage.getByTestId('presence').inputValue(), 'online', 'agents start online');
    assert.equal(await selectedView(agentPage), 'Mine', 'agents start in their own work');

    // A first customer: accepted from the tray, it opens with its composer.
    const first = await customerTexts('+8613800000101', '我的快递三天还没到', '张伟');
    const firstOffer = agentPage.getByRole('alertdialog');
    await firstOffer.waitFor({ timeout: 30_000 });
    await firstOffer.getByText('张伟').waitFor();
    await firstOffer.getByRole('button', { name: 'Accept' }).click();
    await agentPage.waitForURL(`**/app/conversations/${first.number}`);
    await agentPage.getByText('我的快递三天还没到').first().waitFor();

    // A second customer writes while the agent works: the offer stacks in the tray, the composer stays usable.
    second = await customerTexts('+8613800000102', '发票什么时候能开？', '刘芳');
    const offer = agentPage.getByRole('alertdialog');
    await offer.waitFor({ timeout: 30_000 });
    await offer.getByText('发票什么时候能开？').waitFor(); // the offer previews the customer's message
    assert.ok(await isUncovered(agentPage, 'form.composer button[type=submit]'), 'Send is not covered');
    assert.ok(await isUncovered(agentPage, 'form.composer textarea'), 'the text box is not covered');
    await waitFor(async () => /^\(1\) /.test(await agentPage.title()), 'the title to count the offer');
    await offer.getByRole('button', { name: 'Accept' }).click();
    await agentPage.waitForURL(`**/app/conversations/${second.number}`);
    await waitFor(async () => !/^\(\d+\) /.test(await agentPage.title()), 'the title without a count');

    // The reply is a canned response: `/` opens the picker, Enter inserts it with the customer's name filled in.
    const composer = agentPage.getByLabel('Message text');
    await composer.fill('/invo');
    await agentPage
      .getByTestId('canned-picker')
      .getByRole('option', { name: /开票时间/ })
      .waitFor();
    await composer.press('Enter');
    await waitFor(
      async () => (await composer.inputValue()) === '刘芳您好，发票将在三个工作日内开具。',
      'the rendered canned text',
    );
    await composer.press('Control+Enter');
    const reply = agentPage.locator('.msg.outbound', { hasText: '三个工作日内开具' });
    await reply.waitFor();
    await reply.locator('[data-testid=delivery]', { hasText: 'Delivered' }).waitFor({ timeout: 30_000 });
    assert.ok(
      hub.stub.stub.messages.some((m) => m.body.includes('三个工作日内开具')),
      'the stub got the SMS',
    );
    await agentPage.getByTestId('contact-sidebar').getByText('刘芳').waitFor();
  });

  it('shows a second agent who has the conversation and keeps it out of their Unassigned view', async () => {
    secondPage = await newPage();
    await signIn(secondPage, hub.running.baseUrl, people.second.email);
    // The second agent steps away so nothing later is offered to them.
    await secondPage.getByTestId('presence').selectOption('away');
    await secondPage.getByRole('tab', { name: 'Unassigned' }).click();
    const list = secondPage.locator('[data-testid=conversation-list][data-view=unassigned]');
    await list.waitFor({ state: 'attached' });
    await secondPage.getByText('No conversations in this view.').waitFor();
    assert.equal(await list.locator(`[data-conversation-id="${second.id}"]`).count(), 0);
    await secondPage.getByRole('tab', { name: 'My teams' }).click();
    await secondPage
      .locator(`[data-testid=conversation-list][data-view=teams] [data-conversation-id="${second.id}"]`)
      .waitFor();

    await secondPage.goto(`${hub.running.baseUrl}/app/conversations/${second.number}`);
    await secondPage.getByTestId('assignee').getByText(people.agent.name).waitFor();
    // The first agent still has it open: the collision indicator names them, on both sides.
    await secondPage.getByTestId('collision').getByText(people.agent.name).waitFor();
    await agentPage.getByTestId('collision').getByText(people.second.name).waitFor();
  });

  it('shows why a send failed and sends it again on Retry', async () => {
    hub.stub.stub.failNextRequest({
      status: 400,
      code: 21610,
      message: 'Attempt to send to unsubscribed recipient',
    });
    // The HTTP answers are held until the send went further, as happens under load: the socket's status
    // arrives before the (older) answer, which must not undo it.
    const statusOf = async (id: string) =>
      (await hub.running.hub.conversations.timeline.findMessage(id))?.status;
    const holdUntil = (pattern: string, reached: (id: string) => Promise<boolean>) =>
      agentPage.route(pattern, async (route) => {
        const response = await route.fetch();
        const { id } = (await response.json()) as { id: string };
        await waitFor(async () => (await reached(id)) || undefined, `message ${id} to move on`, 30_000);
        await new Promise((resolve) => setTimeout(resolve, 300)); // the socket event reaches the page
        await route.fulfill({ response });
      });
    await holdUntil('**/api/conversations/*/messages', async (id) => (await statusOf(id)) === 'failed');
    await agentPage.getByLabel('Message text').fill('请问还有其他问题吗？');
    const answered = (path: RegExp) =>
      agentPage.waitForResponse(
        (r) => r.request().method() === 'POST' && path.test(new URL(r.url()).pathname),
      );
    const replied = answered(/^\/api\/conversations\/[^/]+\/messages$/);
    await agentPage.getByRole('button', { name: 'Send', exact: true }).click();
    await replied;
    const entry = agentPage.locator('.msg.outbound', { hasText: '还有其他问题吗' });
    await entry.getByTestId('failure-reason').waitFor({ timeout: 30_000 });
    assert.match(await entry.getByTestId('failure-reason').innerText(), /unsubscribed/i);
    await agentPage.unroute('**/api/conversations/*/messages');
    await holdUntil('**/api/messages/*/retry', async (id) => (await statusOf(id)) === 'delivered');
    const retried = answered(/^\/api\/messages\/[^/]+\/retry$/);
    await entry.getByRole('button', { name: 'Retry' }).click();
    await retried;
    await entry.locator('[data-testid=delivery]', { hasText: 'Delivered' }).waitFor({ timeout: 30_000 });
    assert.equal(await entry.getByTestId('failure-reason').count(), 0);
    await agentPage.unroute('**/api/messages/*/retry');
    await agentPage.goto(`${hub.running.baseUrl}/app/inbox`);
    // The row previews the newest entry (the retried reply).
    await agentPage
      .locator(`[data-conversation-id="${second.id}"] .preview`, { hasText: '还有其他问题吗' })
      .waitFor();
    await screenshot(agentPage, 'inbox');
  });

  it('keeps Away across a reload', async () => {
    await agentPage.getByTestId('presence').selectOption('away');
    await waitFor(
      async () => (await hub.running.hub.routing.presence.getStatus(people.agent.id)) === 'away',
      'the server to store Away',
    );
    await agentPage.reload();
    await agentPage.locator('[data-testid=connection].up').waitFor();
    // Give the reconnect time to (wrongly) go online; then both the UI and the server still say Away.
    await waitFor(
      async () => (await agentPage.getByTestId('presence').inputValue()) === 'away',
      'Away in the UI',
    );
    assert.equal(await hub.running.hub.routing.presence.getStatus(people.agent.id), 'away');
  });

  it('starts a supervisor in All (not an empty Mine) and keeps the chosen view across a reload', async () => {
    const page = await newPage();
    await signIn(page, hub.running.baseUrl, people.supervisor.email);
    assert.equal(await selectedView(page), 'All');
    await page
      .locator(`[data-testid=conversation-list][data-view=all] [data-conversation-id="${second.id}"]`)
      .waitFor();
    await page.getByRole('tab', { name: 'Unassigned' }).click();
    await page
      .locator('[data-testid=conversation-list][data-view=unassigned]')
      .waitFor({ state: 'attached' });
    await page.reload();
    await page
      .locator('[data-testid=conversation-list][data-view=unassigned]')
      .waitFor({ state: 'attached' });
    assert.equal(await selectedView(page), 'Unassigned');
    await page.context().close();
  });

  it('mentions a colleague in a note: @ suggests agents, the colleague gets a badge, a desktop notification and a link', async () => {
    // The colleague's browser allows notifications; the page records what the app shows.
    // (A string: tsx would wrap the named class in a helper the page does not have.)
    await secondPage.context().addInitScript(`
      window.shownNotifications = [];
      window.Notification = class {
        static permission = 'granted';
        static requestPermission() { return Promise.resolve('granted'); }
        constructor(title, options) {
          this.onclick = null;
          window.shownNotifications.push({ title, body: options && options.body });
        }
        close() {}
      };
    `);
    await secondPage.goto(`${hub.running.baseUrl}/app/inbox`);
    await secondPage.locator('[data-testid=connection].up').waitFor();

    await agentPage.goto(`${hub.running.baseUrl}/app/conversations/${second.number}`);
    await agentPage
      .locator('form.composer')
      .getByRole('button', { name: 'Internal note', exact: true })
      .click();
    const composer = agentPage.getByLabel('Message text');
    await composer.fill('请帮忙核对发票抬头 @王');
    const option = agentPage.getByTestId('mention-picker').getByRole('option', { name: /王强/ });
    await option.waitFor();
    await composer.press('Enter');
    // The box shows the name; the token with the id goes only with the note (the chip below proves it).
    await waitFor(
      async () => (await composer.inputValue()) === '请帮忙核对发票抬头 @王强 ',
      'the mention as @Name in the note box',
    );
    await composer.pressSequentially('谢谢');
    await composer.press('Control+Enter');
    const noteEntry = agentPage.locator('.msg.kind-note', { hasText: '核对发票抬头' });
    await noteEntry.locator('.mention', { hasText: '@王强' }).waitFor();
    assert.doesNotMatch(await noteEntry.innerText(), /\]\(/, 'the token reads as @Name');
    const rowPreview = agentPage.locator(`[data-conversation-id="${second.id}"] .preview`);
    await rowPreview.getByText('@王强 谢谢').waitFor();
    assert.doesNotMatch(await rowPreview.innerText(), /\]\(/, 'the list preview reads as @Name too');
    await agentPage.getByRole('button', { name: 'Reply', exact: true }).click();

    await secondPage.getByTestId('mentions-unread').getByText('1').waitFor({ timeout: 30_000 });
    const shown = await waitFor(
      async () =>
        (
          await secondPage.evaluate(
            () =>
              (window as unknown as { shownNotifications: { title: string; body?: string }[] })
                .shownNotifications,
          )
        )[0],
      'the desktop notification',
    );
    assert.match(shown.title, new RegExp(`${people.agent.name}.*#${second.number}`));
    assert.match(shown.body ?? '', /@王强 谢谢|核对发票抬头/);
    await secondPage.getByRole('button', { name: /^Mentions/ }).click();
    await secondPage
      .getByTestId('mentions-list')
      .getByRole('button', { name: new RegExp(`#${second.number}`) })
      .click();
    await secondPage.waitForURL(`**/app/conversations/${second.number}`);
    await secondPage.locator('.msg.kind-note .mention', { hasText: '@王强' }).waitFor();
    await secondPage.getByTestId('mentions-unread').waitFor({ state: 'detached' });
  });

  it("shows the contact's relationship network in the sidebar and edits it as the API allows", async () => {
    await api('POST', '/api/organizations', { name: '华东贸易有限公司' });
    await agentPage.goto(`${hub.running.baseUrl}/app/conversations/${second.number}`);
    const network = agentPage.getByTestId('contact-network');
    await network.getByText('No relationships.').waitFor();
    const relate = async (kind: string, search: string, pick: RegExp) => {
      await network.getByRole('button', { name: 'Add relationship' }).click();
      const form = network.getByTestId('add-relationship');
      await form.getByLabel('Kind').fill(kind);
      await form.getByLabel('Search contacts and organizations').fill(search);
      await form.getByRole('button', { name: pick }).click();
      await form.waitFor({ state: 'detached' });
    };
    await relate('同事', '张伟', /张伟/);
    await relate('供应商', '华东贸易', /华东贸易有限公司/);
    await network.locator('li[data-related="张伟"]', { hasText: '同事' }).waitFor();
    await network.locator('li[data-related="华东贸易有限公司"]', { hasText: '供应商' }).waitFor();
    const contactId = (await api('GET', `/api/conversations/${second.id}`)).contact.id as string;
    const stored = await api('GET', `/api/contacts/${contactId}`);
    assert.deepEqual((stored.contact.relationships as { kind: string }[]).map((r) => r.kind).sort(), [
      '供应商',
      '同事',
    ]);
    await screenshot(agentPage, 'conversation');

    await network.getByRole('button', { name: 'Remove 张伟' }).click();
    await network.locator('li[data-related="张伟"]').waitFor({ state: 'detached' });
    const after = await api('GET', `/api/contacts/${contactId}`);
    assert.deepEqual(
      (after.contact.relationships as { kind: string }[]).map((r) => r.kind),
      ['供应商'],
    );
  });

  it('lays out the conversation and composer without clipping at 1024 × 768', async () => {
    const page = await newPage('en-US', { width: 1024, height: 768 });
    await signIn(page, hub.running.baseUrl, people.agent.email, `/app/conversations/${second.number}`);
    await page.locator('form.composer textarea').waitFor();
    await page.getByTestId('contact-sidebar').waitFor();
    const selectors = [
      'section.detail',
      'section.detail .timeline',
      'form.composer',
      'form.composer textarea',
      'form.composer button[type=submit]',
      '[data-testid=contact-sidebar]',
      'header.top',
    ];
    const layout = await page.evaluate((wanted) => {
      const boxes = wanted.map((selector) => {
        const element = document.querySelector(selector);
        if (!element) return { selector, left: 0, top: 0, right: 0, bottom: 0, width: 0 };
        const r = element.getBoundingClientRect();
        return { selector, left: r.left, top: r.top, right: r.right, bottom: r.bottom, width: r.width };
      });
      return {
        viewport: { width: window.innerWidth, height: window.innerHeight },
        scrollWidth: document.documentElement.scrollWidth,
        clientWidth: document.documentElement.clientWidth,
        boxes,
      };
    }, selectors);
    assert.ok(
      layout.scrollWidth <= layout.clientWidth,
      `no horizontal scroll (${layout.scrollWidth} > ${layout.clientWidth})`,
    );
    for (const b of layout.boxes) {
      assert.ok(b.width > 0, `${b.selector} is on the page with a width`);
      assert.ok(
        b.left >= 0 &&
          b.top >= 0 &&
          b.right <= layout.viewport.width + 0.5 &&
          b.bottom <= layout.viewport.height + 0.5,
        `${b.selector} inside the 1024 × 768 viewport: ${JSON.stringify(b)}`,
      );
    }
    assert.ok(await isUncovered(page, 'form.composer button[type=submit]'), 'Send is visible and on top');
    assert.ok(await isUncovered(page, 'form.composer textarea'), 'the text box is visible and on top');
    await page.context().close();
  });

  it('lets a supervisor watch a breach arrive live, reassign it, drill into reports and export CSV', async () => {
    await api(
      'POST',
      '/api/sla/policies',
      { name: '极速测试', order: 50, targets: { firstResponse: 0.1, resolution: 600 }, conditions: {} },
      adminToken,
    );
    const page = await newPage();
    await signIn(page, hub.running.baseUrl, people.supervisor.email, '/app/supervisor');
    assert.equal(await page.getByTestId('presence').inputValue(), 'away', 'supervisors start away');
    await page.getByTestId('queue-tile').first().waitFor();

    const late = await customerTexts('+8613800000103', '投诉：客服一直不回复', '陈静');
    const row = page.locator(`[data-testid=breached] [data-conversation-id="${late.id}"]`);
    await row.waitFor({ timeout: 60_000 });
    await screenshot(page, 'wallboard');
    await row.getByRole('combobox').selectOption({ label: people.second.name });
    await waitFor(
      async () => (await api('GET', `/api/conversations/${late.id}`)).assigneeId === people.second.id,
      'the reassignment',
    );
    await page
      .locator(`tr[data-agent-id="${people.second.id}"] .current-conversations`)
      .getByRole('link', { name: `#${late.number}` })
      .waitFor();

    // Something resolved under a policy, so the resolution chart has a point.
    await api('POST', `/api/conversations/${late.id}/messages`, { text: '非常抱歉，已为您加急处理。' });
    await api('POST', `/api/conversations/${late.id}/status`, { status: 'resolved' });
    await api('POST', `/api/conversations/${second.id}/status`, { status: 'resolved' });
    await page.getByRole('link', { name: 'Reports' }).click();
    const chart = page.getByTestId('resolution-chart');
    await chart.locator('svg.recharts-surface').first().waitFor();
    // Today's median and p90 are points on the chart, and the axis says durations, not bare minutes.
    await waitFor(
      async () => (await chart.locator('circle.recharts-line-dot').count()) >= 2,
      "today's resolution time on the chart",
    );
    let ticks: string[] = [];
    await waitFor(async () => {
      ticks = await chart.locator('svg text').allTextContents();
      return ticks.some((tick) => /\d+\s?(s|sec|m|min|h|hr)\b/.test(tick));
    }, 'duration ticks on the y axis').catch(() => assert.fail(`the y axis ticks: ${JSON.stringify(ticks)}`));
    assert.equal(await chart.getByText('Nothing was resolved in this range.').count(), 0);
    const table = page.getByTestId('report-table');
    await table.waitFor();
    await screenshot(page, 'reports');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    const csv = await readFile(await download.path(), 'utf8');
    assert.match(csv, /group,label,count/);
    assert.match(csv, /售后服务/);

    await table.getByRole('button', { name: '售后服务' }).click();
    const drill = page.getByTestId('drill-down');
    await drill.getByRole('link', { name: new RegExp(`#${late.number}`) }).click();
    await page.waitForURL(`**/app/conversations/${late.number}`);
    await page.getByText('投诉：客服一直不回复').first().waitFor();
  });

  it("lets a supervisor transfer a breached conversation from the wallboard into another team's queue", async () => {
    const page = await newPage();
    await signIn(page, hub.running.baseUrl, people.supervisor.email, '/app/supervisor');
    // The fast policy of the test before still applies: first response due in 6 s.
    const late = await customerTexts('+8613800000104', '退货申请一直没人处理', '周敏');
    const row = page.locator(`[data-testid=breached] [data-conversation-id="${late.id}"]`);
    await row.waitFor({ timeout: 60_000 });
    await row.getByRole('combobox').selectOption({ label: '投诉专线' });
    await waitFor(
      async () => (await api('GET', `/api/conversations/${late.id}`)).teamId === complaintsTeamId,
      'the transfer to the other team',
    );
    await waitFor(
      async () =>
        (await page.getByTestId('queue-tile').filter({ hasText: '投诉专线' }).locator('.big').innerText()) ===
        '1',
      "the other team's queue tile counting it",
      30_000,
    );
  });

  it('lets an admin create a calendar with a holiday and an SLA policy that sets the next due times', async () => {
    const page = await newPage();
    await signIn(page, hub.running.baseUrl, people.admin.email, '/app/admin/calendars');
    await page.getByRole('button', { name: '+ New' }).click();
    const form = page.getByRole('form', { name: 'Business calendars' });
    await form.getByLabel('Name', { exact: true }).fill('上海工作日');
    await form.getByRole('button', { name: '+ Add holiday' }).click();
    await form.getByLabel('Date 1').fill('2027-01-01');
    await form.getByLabel('Holiday name 1').fill('元旦');
    await form.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('cell', { name: '2027-01-01 元旦' }).waitFor();
    const calendars = await api('GET', '/api/sla/calendars', undefined, adminToken);
    const calendar = calendars.items.find((c: Json) => c.name === '上海工作日');
    assert.deepEqual(
      calendar.holidays.map((h: Json) => h.date),
      ['2027-01-01'],
    );

    await page.getByRole('link', { name: 'SLA policies' }).click();
    await page.getByRole('button', { name: '+ New' }).click();
    const policyForm = page.getByRole('form', { name: 'SLA policies' });
    await policyForm.getByLabel('Name', { exact: true }).fill('短信咨询');
    await policyForm.getByLabel('Order', { exact: true }).fill('10');
    await policyForm.getByRole('group', { name: 'Channel' }).getByLabel('SMS', { exact: true }).check();
    await policyForm.getByLabel('Calendar', { exact: true }).selectOption({ label: '上海工作日' });
    await policyForm.getByLabel('First response').fill('240');
    await policyForm.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('cell', { name: '短信咨询' }).waitFor();
    await screenshot(page, 'admin-sla-policies');

    const fresh = await customerTexts('+8613800000104', '请问营业时间是几点？');
    const conversation = await waitFor(async () => {
      const c = await api('GET', `/api/conversations/${fresh.id}`);
      return c.sla?.firstResponseDueAt ? c : undefined;
    }, 'due times on the new conversation');
    assert.equal(conversation.sla.policyName, '短信咨询');
  });

  it('lets an admin edit a template: problems at their position, a preview with sample data, the version history', async () => {
    const page = await newPage();
    await signIn(page, hub.running.baseUrl, people.admin.email, '/app/admin/templates');
    const row = page.locator('tr[data-template="sms/zh-CN/resolution-suggestion"]');
    await row.getByRole('button', { name: 'Edit' }).click();
    const editor = page.getByTestId('template-editor');
    const text = editor.getByLabel('Text', { exact: true });
    await text.fill('{{contactName}}您好，{{nosuch}}已记录');
    await editor.getByRole('button', { name: 'Preview' }).click();
    const problems = editor.getByTestId('template-problems');
    await problems.waitFor();
    assert.match(await problems.innerText(), /line 1, column \d+: .*nosuch/i);
    await editor.getByRole('button', { name: 'Save' }).click();
    await problems.getByText(/^Text · line 1, column \d+: .*nosuch/).waitFor();
    assert.equal(
      (await api('GET', '/api/templates/sms/zh-CN/resolution-suggestion', undefined, adminToken)).version,
      0,
    );

    await text.fill('{{contactName}}您好，您的建议已记录（{{ticket number}}）。');
    await editor.getByLabel('Change note').fill('更友好的措辞');
    await editor.getByRole('button', { name: 'Preview' }).click();
    await editor
      .getByTestId('template-preview')
      .getByText(/^张伟您好，您的建议已记录/)
      .waitFor();
    await editor.getByRole('button', { name: 'Save' }).click();
    await editor
      .getByTestId('template-versions')
      .getByText(/Version 1 .*更友好的措辞/)
      .waitFor();
    await row.getByRole('cell', { name: 'Override' }).waitFor();
    const saved = await api('GET', '/api/templates/sms/zh-CN/resolution-suggestion', undefined, adminToken);
    assert.equal(saved.version, 1);
    assert.match(saved.parts.text, /您的建议已记录/);
    await screenshot(page, 'admin-templates');
    await page.context().close();
  });

  it('lets an admin create an automation, dry-run it on recent conversations, and disable it', async () => {
    const page = await newPage();
    await signIn(page, hub.running.baseUrl, people.admin.email, '/app/admin/automations');
    await page.getByRole('button', { name: '+ New' }).click();
    const form = page.getByRole('form', { name: 'Automations' });
    await form.getByLabel('Name', { exact: true }).fill('短信加急');
    await form.getByRole('button', { name: '+ Add condition' }).click();
    await form.getByLabel('Field 1').selectOption({ label: 'Channel' });
    await form.getByLabel('Operator 1').selectOption({ label: 'is' });
    await form.getByLabel('Value 1', { exact: true }).fill('sms');
    await form.getByRole('button', { name: 'Dry run' }).click();
    const dryRun = form.getByTestId('dry-run');
    await dryRun.getByRole('link', { name: `#${second.number}` }).waitFor();
    assert.match(await dryRun.innerText(), /^[1-9]\d* of [1-9]\d* recent conversations match/);
    await form.getByRole('button', { name: 'Save' }).click();
    const row = page.locator('tr[data-rule="短信加急"]');
    await row.getByRole('cell', { name: 'Enabled' }).waitFor();
    const created = (await api('GET', '/api/automations', undefined, adminToken)).items.find(
      (r: Json) => r.name === '短信加急',
    );
    assert.deepEqual(created.conditions, [{ field: 'conversation.channel', op: 'eq', value: 'sms' }]);
    assert.deepEqual(created.actions, [{ type: 'set_priority', priority: 'high' }]);
    await screenshot(page, 'admin-automations');
    await row.getByRole('button', { name: 'Disable' }).click();
    await row.getByRole('cell', { name: 'Disabled' }).waitFor();
    assert.equal((await api('GET', `/api/automations/${created.id}`, undefined, adminToken)).enabled, false);
    await page.context().close();
  });

  /** The page's text without what people wrote (messages, previews, subjects): only the UI's own words. */
  const uiText = (page: Page) =>
    page.evaluate(() => {
      const copy = document.body.cloneNode(true) as HTMLElement;
      copy
        .querySelectorAll(
          '.msg .text, .row .preview, .subject, .mail-subject, .transcription, .offer .preview',
        )
        .forEach((node) => node.remove());
      document.body.append(copy);
      copy.style.position = 'absolute';
      const text = copy.innerText;
      copy.remove();
      return text;
    });

  it('shows no English enum value anywhere in zh-CN', async () => {
    const page = await newPage('zh-CN');
    await signIn(page, hub.running.baseUrl, people.supervisor.email, `/app/conversations/${second.number}`);
    await page.getByText('三个工作日内开具').first().waitFor();
    const texts: string[] = [await uiText(page)];
    await page.getByRole('tab', { name: '全部' }).click();
    await page.locator('[data-testid=conversation-list][data-view=all] .row').first().waitFor();
    texts.push(await uiText(page));
    await page.goto(`${hub.running.baseUrl}/app/supervisor`);
    await page.locator('[data-testid=queue-tile]').first().waitFor();
    texts.push(await uiText(page));
    await page.goto(`${hub.running.baseUrl}/app/reports`);
    await page.getByTestId('report-table').waitFor();
    texts.push(await uiText(page));
    const english =
      /\b(new|open|pending|snoozed|resolved|closed|low|normal|high|urgent|complaint|inquiry|suggestion|praise|other|online|away|offline|queued|sent|delivered|failed|sms|voice|email|webchat|firstResponse|resolution|Unassigned|Inbox|Status|Priority|Category)\b/i;
    for (const text of texts) {
      const match = english.exec(text);
      assert.equal(
        match,
        null,
        `English enum value "${match?.[0]}" in: ${text.slice(Math.max(0, (match?.index ?? 0) - 60), (match?.index ?? 0) + 60)}`,
      );
    }
  });
});
