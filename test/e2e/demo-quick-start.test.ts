/**
 * The quick start, from outside: the hub runs as a process on its embedded default with the demo seed,
 * Twilio pointed at the local stub; everything is checked over HTTP only. A new SMS conversation has SLA
 * due times (the demo seeds a calendar, policies and team leads); the template, canned-response and
 * automation APIs answer an admin and refuse an agent where they should.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startHubProcess, type HubProcess } from '../support/hub-process';
import { waitFor } from '../support/twilio-hub';
import {
  startTwilioStub,
  STUB_ACCOUNT_SID,
  STUB_AUTH_TOKEN,
  type RunningTwilioStub,
} from '../support/twilio-stub';

const PUBLIC_URL = 'http://hub.test';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- API JSON
type Json = any;

async function api(
  base: string,
  method: string,
  route: string,
  token?: string,
  body?: unknown,
): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${base}${route}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

describe('the demo quick start from outside (hub process, HTTP only)', function () {
  this.timeout(120_000);
  let dataDir: string;
  let stub: RunningTwilioStub;
  let hub: HubProcess;
  const tokens: Record<string, string> = {};

  before(async function () {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'omnihub-e2e-quick-'));
    stub = await startTwilioStub({ publicUrl: PUBLIC_URL, statusDelayMs: 50 });
    hub = await startHubProcess({
      DATA_DIR: dataDir,
      PUBLIC_URL,
      EMBEDDED_MONGO_DURABILITY: 'memory',
      SEED_DEMO: '1',
      TWILIO_ACCOUNT_SID: STUB_ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: STUB_AUTH_TOKEN,
      TWILIO_PHONE_NUMBER: stub.stub.phoneNumber,
      TWILIO_WHATSAPP_NUMBER: stub.stub.whatsappNumber,
      TWILIO_API_BASE: stub.url,
    });
    stub.stub.setDeliverTo(hub.baseUrl);
    for (const who of ['admin', 'agent1', 'supervisor']) {
      const login = await api(hub.baseUrl, 'POST', '/api/auth/login', undefined, {
        email: `${who}@demo.omnihub`,
        password: 'demo',
      });
      assert.equal(login.status, 200, JSON.stringify(login.body));
      tokens[who] = login.body.token;
    }
  });

  after(async function () {
    await hub?.stop('SIGTERM');
    await stub?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('gives a new SMS conversation SLA due times from the seeded default policy and calendar', async () => {
    const customer = '+8613700000099';
    const delivery = await stub.stub.sendInboundMessage({
      from: customer,
      body: '你好，宽带装机什么时候到？',
    });
    assert.equal(delivery.status, 200);
    const view = await waitFor(
      async () => {
        const list = await api(
          hub.baseUrl,
          'GET',
          `/api/conversations?q=${encodeURIComponent(customer)}`,
          tokens.supervisor,
        );
        const id = list.body?.items?.[0]?.id;
        if (!id) return undefined;
        const detail = (await api(hub.baseUrl, 'GET', `/api/conversations/${id}`, tokens.supervisor)).body;
        const conversation = detail.conversation ?? detail;
        return conversation.sla?.firstResponseDueAt ? conversation : undefined;
      },
      'SLA due times on the new SMS conversation',
      20_000,
    );
    assert.equal(view.sla.policyName, '默认 Default');
    assert.equal(view.sla.timezone, 'Asia/Shanghai');
    const due = Date.parse(view.sla.firstResponseDueAt);
    const resolution = Date.parse(view.sla.resolutionDueAt);
    assert.ok(due > Date.parse(view.createdAt), 'first response due after the conversation started');
    assert.ok(resolution > due, 'resolution due after the first response');

    const policies = await api(hub.baseUrl, 'GET', '/api/sla/policies', tokens.admin);
    assert.equal(policies.status, 200);
    const names = (policies.body.items ?? policies.body).map((policy: Json) => policy.name);
    for (const name of ['投诉 Complaints', 'VIP / A 客户 VIP customers', '默认 Default'])
      assert.ok(names.includes(name), `policy ${name}`);
    const teams = await api(hub.baseUrl, 'GET', '/api/teams', tokens.admin);
    assert.equal(teams.status, 200);
    for (const team of teams.body.items ?? teams.body) {
      assert.ok(team.leadId, `team ${team.name} has a lead`);
      assert.ok(team.calendarId, `team ${team.name} has a calendar`);
    }
  });

  it('answers the template, canned-response and automation APIs for an admin and refuses an agent where it should', async () => {
    const templates = await api(hub.baseUrl, 'GET', '/api/templates', tokens.admin);
    assert.equal(templates.status, 200);
    assert.ok(templates.body.items.some((t: Json) => t.key === 'complaint-ack' && t.locale === 'zh-CN'));
    assert.equal((await api(hub.baseUrl, 'GET', '/api/templates', tokens.agent1)).status, 403);
    const put = await api(hub.baseUrl, 'PUT', '/api/templates/sms/en/complaint-ack', tokens.agent1, {
      parts: { text: 'x' },
    });
    assert.equal(put.status, 403);

    for (const who of ['admin', 'agent1']) {
      const canned = await api(hub.baseUrl, 'GET', '/api/canned-responses?limit=100', tokens[who]);
      assert.equal(canned.status, 200, `${who} reads canned responses`);
      const shortcuts = canned.body.items.map((item: Json) => `${item.locale}/${item.shortcut}`);
      for (const shortcut of ['zh-CN/greet', 'en/greet', 'zh-CN/complaint', 'en/solved', 'en/update'])
        assert.ok(shortcuts.includes(shortcut), `${who} sees ${shortcut}`);
    }
    const personal = await api(hub.baseUrl, 'GET', '/api/canned-responses?q=points', tokens.agent1);
    assert.equal(personal.body.items.length, 1, 'agent1 sees their personal demo response');
    const notTheirs = await api(hub.baseUrl, 'GET', '/api/canned-responses?q=points', tokens.admin);
    assert.equal(notTheirs.body.items.length, 0, 'a personal response stays personal');

    const automations = await api(hub.baseUrl, 'GET', '/api/automations', tokens.admin);
    assert.equal(automations.status, 200);
    assert.equal(automations.body.items.length, 2, 'the demo ships two automations');
    assert.equal((await api(hub.baseUrl, 'GET', '/api/automations', tokens.agent1)).status, 403);
    const dryRun = await api(
      hub.baseUrl,
      'POST',
      `/api/automations/${automations.body.items[0].id}/dry-run`,
      tokens.admin,
    );
    assert.equal(dryRun.status, 200);
    assert.ok(dryRun.body.scanned >= 10, 'the dry run looked at the demo conversations');
  });
});
