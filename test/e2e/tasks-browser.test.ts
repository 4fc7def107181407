/**
 * The Tasks screen in Debian's Chromium against a whole hub with its workers: a complaint is resolved, the
 * care worker creates the 回访 task for its owner (CARE_FOLLOW_UP_BUSINESS_DAYS=0: at once), the owner
 * finds it in 任务 (zh-CN), records "满意" with a note, and the result is stored, reported and shown in the
 * contact sidebar's follow-up section, where the care opt-out switch works too.
 */
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { call, inbound } from '../integration/conversations-support';
import { startTestHub, type RunningTestHub } from '../support/test-stack';
import { ensureUiBuilt, launchChromium, PASSWORD, screenshot, signIn } from './agent-ui.support';

async function waitUntil<T>(read: () => Promise<T | null | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const value = await read();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('tasks in the agent app (Chromium): completing a 回访 follow-up', function () {
  this.timeout(180_000);
  let running: RunningTestHub;
  let browser: Browser;
  let context: BrowserContext;
  const owner = { email: 'owner.care@test.omnihub', name: '王芳' };
  const lead = { email: 'lead.care@test.omnihub', name: '李主管' };
  let ownerToken: string;
  let leadToken: string;

  before(async () => {
    ensureUiBuilt();
    running = await startTestHub({
      configOverrides: {
        SLA_SWEEP_INTERVAL_MS: '0',
        CARE_SWEEP_INTERVAL_MS: '0',
        CARE_FOLLOW_UP_BUSINESS_DAYS: '0',
      },
    });
    const agents = running.hub.agents.agents;
    const team = await agents.createTeam({ name: '投诉组' }, null);
    await agents.createAgent(
      { email: owner.email, name: owner.name, password: PASSWORD, role: 'agent', teamIds: [team.id] },
      null,
    );
    await agents.createAgent(
      { email: lead.email, name: lead.name, password: PASSWORD, role: 'supervisor', teamIds: [team.id] },
      null,
    );
    const login = async (email: string) =>
      (await call(running.baseUrl, 'POST', '/api/auth/login', { body: { email, password: PASSWORD } })).body
        .token as string;
    ownerToken = await login(owner.email);
    leadToken = await login(lead.email);
    browser = await launchChromium();
    context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1440, height: 900 } });
  });
  after(async () => {
    await context?.close().catch(() => undefined);
    await browser?.close();
    await running?.close();
  });
  afterEach(async function () {
    if (this.currentTest?.state !== 'failed') return;
    for (const [index, page] of context.pages().entries())
      await page.screenshot({ path: `/tmp/tasks-browser-failure-${index}.png` }).catch(() => undefined);
  });

  it('shows the owner the follow-up task, records the visit result, and shows it on the contact', async () => {
    const hub = running.hub;
    const from = '+8613911112222';
    const { conversationId } = await hub.ingest.ingest(
      inbound({
        occurredAt: new Date(),
        from: { externalId: from, phone: from, name: '赵先生' },
        text: '投诉：快递把包裹弄坏了',
      }),
    );
    const ownerAgent = await hub.agents.agents.listAgents({ limit: 50 });
    const ownerId = ownerAgent.items.find((a) => a.email === owner.email)!.id;
    const teamId = (await hub.agents.agents.findAgent(ownerId))!.teamIds[0]!;
    await hub.conversations.conversations.setCategory(conversationId, 'complaint');
    await hub.conversations.conversations.assign(conversationId, { assigneeId: ownerId, teamId });
    await hub.sla.complaints.setOwner(conversationId, ownerId);
    await hub.conversations.conversations.setStatus(conversationId, { status: 'resolved' });
    const task = await waitUntil(
      () => hub.connection.collection('tasks').findOne({ conversationId, kind: 'follow_up' }),
      'the follow-up task from the care worker',
    );
    const taskId = String(task._id);
    const number = (await hub.conversations.conversations.getConversation(conversationId)).number;

    const page: Page = await context.newPage();
    await signIn(page, running.baseUrl, owner.email, '/app/tasks');
    await page.locator('[data-testid=tasks-page]').waitFor();
    assert.equal(await page.locator('nav[aria-label=screens] a[href="/app/tasks"]').innerText(), '任务');
    const row = page.locator(`[data-testid=task][data-task-id="${taskId}"]`);
    await row.waitFor();
    assert.match(await row.innerText(), /回访/);
    await screenshot(page, 'tasks-follow-up');
    await row.getByRole('button', { name: '完成' }).click();
    await row.locator('select[name=outcome]').selectOption('satisfied');
    assert.equal(await row.locator('select[name=outcome] option:checked').innerText(), '满意');
    await row.locator('textarea[name=note]').fill('客户表示包裹已补发，很满意');
    await row.getByRole('button', { name: '保存结果' }).click();
    await row.waitFor({ state: 'detached' });

    const stored = await call(running.baseUrl, 'GET', `/api/tasks/${taskId}`, { token: ownerToken });
    assert.equal(stored.body.status, 'done');
    assert.equal(stored.body.result.outcome, 'satisfied');
    assert.equal(stored.body.result.note, '客户表示包裹已补发，很满意');
    const since = new Date(Date.now() - 3_600_000).toISOString();
    const until = new Date(Date.now() + 3_600_000).toISOString();
    const report = await call(
      running.baseUrl,
      'GET',
      `/api/care/follow-ups/report?from=${since}&to=${until}`,
      {
        token: leadToken,
      },
    );
    assert.equal(report.body.byOutcome.satisfied, 1);

    // The contact sidebar shows the visit's result, and the opt-out switch turns care messages off.
    await page.goto(`${running.baseUrl}/app/conversations/${number}`);
    const care = page.locator('[data-testid=contact-care]');
    await care.waitFor();
    await care.locator('[data-testid=task-result]').filter({ hasText: '满意' }).waitFor();
    assert.match(await care.innerText(), /回访与任务/);
    assert.equal(await care.locator('[data-testid=care-opt-out]').innerText(), '接收祝福和关怀消息');
    await care.getByRole('button', { name: '退订' }).click();
    await care.locator('[data-testid=care-opt-out]').filter({ hasText: '已退订' }).waitFor();
    const contactId = (await hub.conversations.conversations.getConversation(conversationId)).contactId;
    assert.equal((await hub.contacts.contacts.findContact(contactId))?.careOptOut, true);
    await screenshot(page, 'contact-care');

    // An automation's notify reaches the assignee's screen as a notice.
    const rule = await hub.automations.rules.create(
      {
        name: 'notify on 再次',
        enabled: true,
        order: 1,
        trigger: { type: 'event', event: 'message.received' },
        conditions: [{ field: 'message.text', op: 'contains', value: '再次' }],
        actions: [{ type: 'notify', to: ['assignee'], text: '客户再次来信，请尽快回复' }],
      },
      null,
    );
    await hub.ingest.ingest(
      inbound({ occurredAt: new Date(), from: { externalId: from, phone: from }, text: '我再次联系你们' }),
    );
    const notice = page.locator('[data-testid=notices-tray] [data-testid=notice]');
    await notice.filter({ hasText: '客户再次来信，请尽快回复' }).waitFor();
    await screenshot(page, 'notice');
    await notice.getByRole('button', { name: '知道了' }).click();
    await page.locator('[data-testid=notices-tray]').waitFor({ state: 'detached' });
    await hub.automations.rules.remove((rule as { id: string }).id);
  });
});
