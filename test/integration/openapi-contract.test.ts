/**
 * The OpenAPI document against real answers: every documented operation is called on a real hub (embedded
 * engine, redis-server), as the roles that use it, and every answer (successes and errors) is validated
 * with ajv against the document. The last test fails when an operation was never called, or was only
 * ever answered with an error, except the few that need a provider account a test cannot have.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadContract, type ContractCall } from '../support/openapi-contract';
import { startTestHub, type RunningTestHub } from '../support/test-stack';

/** Operations that need a real provider account (Twilio voice, Telegram, IMAP mail in quarantine): their
 * refusals are validated, but no test can make them succeed. */
const PROVIDER_ONLY = new Set([
  'POST /api/conversations/{id}/call',
  'GET /api/voice/token',
  'POST /api/connectors/telegram/{inboxId}/webhook',
  'GET /api/email/imap/quarantine/{id}/raw',
  'POST /api/email/imap/quarantine/{id}/retry',
  'DELETE /api/email/imap/quarantine/{id}',
]);

const MISSING_ID = '0123456789abcdef01234567';

describe('the OpenAPI document matches real answers of every route', function () {
  this.timeout(120_000);
  let stack: RunningTestHub;
  let receiver: Server;
  let receiverUrl: string;
  let contract: Awaited<ReturnType<typeof loadContract>>;
  const tokens = { admin: '', supervisor: '', agent: '' };
  const ids = { agent: '', team: '', conversation: '', message: '', contact: '', storageKey: '' };
  const password = 'correct horse battery staple';

  const as = (role: keyof typeof tokens, request: Omit<ContractCall, 'token'>) =>
    contract.call({ ...request, token: tokens[role] });
  const idOf = (body: unknown) => String((body as { id: string }).id);

  before(async () => {
    // A webhook receiver on loopback, allowlisted past the SSRF guard.
    receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200).end('ok'));
    });
    receiver.listen(0, '127.0.0.1');
    await once(receiver, 'listening');
    const port = (receiver.address() as AddressInfo).port;
    receiverUrl = `http://127.0.0.1:${port}/hooks`;
    stack = await startTestHub({ configOverrides: { OUTGOING_WEBHOOK_ALLOWLIST: `127.0.0.1:${port}` } });
    contract = await loadContract(stack.baseUrl);
    const { agents } = stack.hub.agents;
    for (const role of ['admin', 'supervisor', 'agent'] as const) {
      const created = await agents.createAgent(
        { email: `${role}@contract.test`, password, name: `The ${role}`, role },
        null,
      );
      if (role === 'agent') ids.agent = created.id;
    }
    // Logging in is the first documented operation.
    for (const role of ['admin', 'supervisor', 'agent'] as const) {
      const login = await contract.call({
        method: 'POST',
        path: '/api/auth/login',
        body: { email: `${role}@contract.test`, password },
        expect: 200,
      });
      tokens[role] = (login.body as { token: string }).token;
    }
    const stored = await stack.hub.ingest.ingest({
      channel: 'sms',
      inboxId: 'contract-inbox',
      externalId: 'SM-contract-1',
      occurredAt: stack.hub.clock.now(),
      from: { externalId: '+15550100001', phone: '+15550100001', name: 'Contract Customer' },
      kind: 'message',
      text: 'my invoice, please',
      attachments: [
        { data: Buffer.from('%PDF-1.7 invoice'), filename: 'invoice.pdf', contentType: 'application/pdf' },
      ],
    });
    ids.conversation = stored.conversationId;
    ids.message = stored.messageId;
    const message = await stack.hub.conversations.timeline.getMessage(stored.messageId);
    ids.contact = message.contactId;
    ids.storageKey = message.attachments[0]!.storageKey!;
  });
  after(async () => {
    await stack?.close();
    receiver?.close();
  });

  it('describes itself and serves the docs page', async () => {
    await contract.call({ method: 'GET', path: '/api/openapi.json', expect: 200 });
    const page = await contract.call({ method: 'GET', path: '/api/docs', expect: 200 });
    assert.match(page.text, /swagger-ui-bundle\.js/);
    const asset = await fetch(`${stack.baseUrl}/api/docs/swagger-ui-bundle.js`);
    assert.equal(asset.status, 200);
    await asset.body?.cancel();
    const notServed = await fetch(`${stack.baseUrl}/api/docs/swagger-initializer.js`);
    assert.equal(notServed.status, 404, 'only the assets the page loads are served');
    await notServed.body?.cancel();
  });

  it('authentication: refresh, logout, the caller', async () => {
    const login = await contract.call({
      method: 'POST',
      path: '/api/auth/login',
      body: { email: 'agent@contract.test', password },
    });
    const session = login.body as { token: string; refreshToken: string };
    const refreshed = await contract.call({
      method: 'POST',
      path: '/api/auth/refresh',
      body: { refreshToken: session.refreshToken },
      expect: 200,
    });
    await contract.call({
      method: 'POST',
      path: '/api/auth/login',
      body: { email: 'agent@contract.test', password: 'wrong password!' },
      expect: 401,
    });
    await contract.call({ method: 'POST', path: '/api/auth/login', body: { email: 5 }, expect: 400 });
    await contract.call({
      method: 'POST',
      path: '/api/auth/logout',
      token: (refreshed.body as { token: string }).token,
      expect: 204,
    });
    await as('agent', { method: 'GET', path: '/api/me', expect: 200 });
    await contract.call({ method: 'GET', path: '/api/me', expect: 401 });
  });

  it('agents, teams and the audit trail', async () => {
    const team = await as('admin', {
      method: 'POST',
      path: '/api/teams',
      // Manual routing: a queued conversation waits to be picked (no offers race the test).
      body: { name: 'Billing', skills: ['billing'], routingStrategy: 'manual' },
      expect: 201,
    });
    ids.team = idOf(team.body);
    await as('admin', { method: 'GET', path: '/api/teams', expect: 200 });
    await as('admin', {
      method: 'PATCH',
      path: `/api/teams/${ids.team}`,
      body: { skills: ['refunds'] },
      expect: 200,
    });
    await as('supervisor', {
      method: 'POST',
      path: `/api/teams/${ids.team}/members`,
      body: { agentId: ids.agent },
      expect: 204,
    });
    await as('agent', { method: 'GET', path: `/api/teams/${ids.team}`, expect: 200 });
    await as('supervisor', { method: 'GET', path: `/api/teams/${ids.team}`, expect: 200 });
    await as('admin', { method: 'GET', path: `/api/teams/${MISSING_ID}`, expect: 404 });

    await as('agent', { method: 'GET', path: '/api/agents', expect: 200 });
    await as('admin', { method: 'GET', path: '/api/agents?role=agent', expect: 200 });
    await as('agent', { method: 'GET', path: `/api/agents/${ids.agent}`, expect: 200 });
    const extra = await as('admin', {
      method: 'POST',
      path: '/api/agents',
      body: { email: 'extra@contract.test', password, name: 'Extra', teamIds: [ids.team] },
      expect: 201,
    });
    await as('agent', {
      method: 'POST',
      path: '/api/agents',
      body: { email: 'x@contract.test' },
      expect: 403,
    });
    await as('admin', {
      method: 'PATCH',
      path: `/api/agents/${idOf(extra.body)}`,
      body: { skills: ['billing'], capacity: { chat: 3 } },
      expect: 200,
    });
    await as('supervisor', {
      method: 'DELETE',
      path: `/api/teams/${ids.team}/members/${idOf(extra.body)}`,
      expect: 204,
    });
    await as('admin', { method: 'DELETE', path: `/api/agents/${idOf(extra.body)}`, expect: 200 });
    const spare = await as('admin', {
      method: 'POST',
      path: '/api/teams',
      body: { name: 'Spare' },
      expect: 201,
    });
    await as('admin', { method: 'DELETE', path: `/api/teams/${idOf(spare.body)}`, expect: 204 });

    await as('supervisor', { method: 'GET', path: '/api/audit?limit=5', expect: 200 });
    await as('agent', { method: 'GET', path: '/api/audit', expect: 403 });
  });

  it('conversations, the timeline and replies', async () => {
    const c = `/api/conversations/${ids.conversation}`;
    await as('admin', { method: 'GET', path: '/api/conversations?status=new,open', expect: 200 });
    await as('admin', { method: 'GET', path: '/api/conversations?status=nonsense', expect: 400 });
    await as('admin', { method: 'GET', path: c, expect: 200 });
    await as('agent', { method: 'GET', path: c, expect: 404 });
    await as('admin', { method: 'GET', path: `${c}/timeline?limit=10`, expect: 200 });
    await as('admin', { method: 'POST', path: `${c}/messages`, body: { text: 'On it.' }, expect: 201 });
    await as('admin', {
      method: 'POST',
      path: `${c}/messages`,
      body: { text: 'internal', private: true },
      expect: 201,
    });
    await as('admin', { method: 'POST', path: `${c}/messages`, body: {}, expect: 400 });
    const upload = await as('admin', {
      method: 'POST',
      path: `${c}/attachments?filename=notes.txt`,
      body: 'the notes',
      headers: { 'content-type': 'text/plain' },
      expect: 201,
    });
    await as('admin', {
      method: 'POST',
      path: `${c}/messages`,
      body: { text: 'With the notes.', attachments: [idOf(upload.body)] },
      expect: 201,
    });
    await as('agent', {
      method: 'POST',
      path: `${c}/attachments?filename=notes.txt`,
      body: 'the notes',
      headers: { 'content-type': 'text/plain' },
      expect: 404,
    });
    await as('admin', {
      method: 'POST',
      path: `${c}/assign`,
      body: { assigneeId: ids.agent, teamId: ids.team },
      expect: 200,
    });
    await as('agent', { method: 'POST', path: `${c}/status`, body: { status: 'pending' }, expect: 200 });
    await as('agent', { method: 'POST', path: `${c}/priority`, body: { priority: 'high' }, expect: 200 });
    await as('agent', { method: 'POST', path: `${c}/category`, body: { category: 'inquiry' }, expect: 200 });
    await as('agent', { method: 'POST', path: `${c}/tags`, body: { add: ['invoice'] }, expect: 200 });
    await as('agent', {
      method: 'POST',
      path: `${c}/csat`,
      body: { score: 5, comment: 'great' },
      expect: 200,
    });
    await as('agent', { method: 'GET', path: `/api/contacts/${ids.contact}/conversations`, expect: 200 });
    // A reply that never failed cannot be retried; a failed one can.
    const timeline = await as('admin', { method: 'GET', path: `${c}/timeline`, expect: 200 });
    const reply = (timeline.body as { items: { id: string; direction: string; kind: string }[] }).items.find(
      (item) => item.direction === 'outbound' && item.kind === 'message',
    )!;
    await stack.hub.conversations.models.Message.updateOne(
      { _id: reply.id },
      { $set: { status: 'failed', error: { code: 'provider', message: 'refused' } } },
    );
    await as('admin', { method: 'POST', path: `/api/messages/${reply.id}/retry`, expect: 200 });
    await as('admin', { method: 'POST', path: `/api/messages/${MISSING_ID}/retry`, expect: 404 });
    await as('admin', { method: 'GET', path: `/api/attachments/${ids.storageKey}`, expect: 200 });
    await as('supervisor', { method: 'GET', path: `/api/attachments/${'f'.repeat(32)}`, expect: 404 });
    await as('agent', { method: 'POST', path: `${c}/call`, body: {}, expect: [400, 404, 503] });
    await as('agent', { method: 'GET', path: '/api/voice/token', expect: 503 });
  });

  it('contacts and organizations', async () => {
    const k = `/api/contacts/${ids.contact}`;
    await as('agent', { method: 'GET', path: '/api/contacts?q=Contract', expect: 200 });
    await as('agent', { method: 'GET', path: k, expect: 200 });
    await as('agent', { method: 'PATCH', path: k, body: { tags: ['vip'], tier: 'A' }, expect: 200 });
    await as('agent', { method: 'PATCH', path: k, body: { tier: 'Z' }, expect: 400 });
    const org = await as('agent', {
      method: 'POST',
      path: '/api/organizations',
      body: { name: 'Acme' },
      expect: 201,
    });
    const o = `/api/organizations/${idOf(org.body)}`;
    const other = await as('agent', {
      method: 'POST',
      path: '/api/organizations',
      body: { name: 'Acme Sub' },
      expect: 201,
    });
    await as('agent', { method: 'GET', path: '/api/organizations', expect: 200 });
    await as('agent', { method: 'GET', path: o, expect: 200 });
    await as('agent', { method: 'PATCH', path: o, body: { tags: ['key account'] }, expect: 200 });
    await as('agent', {
      method: 'POST',
      path: `${o}/relationships`,
      body: { organizationId: idOf(other.body), kind: 'partner' },
      expect: 200,
    });
    await as('agent', { method: 'GET', path: `${o}/network`, expect: 200 });
    await as('agent', {
      method: 'DELETE',
      path: `${o}/relationships?organizationId=${idOf(other.body)}`,
      expect: 200,
    });
    await as('agent', {
      method: 'POST',
      path: `${k}/relationships`,
      body: { organizationId: idOf(org.body), kind: 'buyer' },
      expect: 200,
    });
    await as('agent', { method: 'GET', path: `${k}/network?depth=2`, expect: 200 });
    await as('agent', {
      method: 'DELETE',
      path: `${k}/relationships?organizationId=${idOf(org.body)}`,
      expect: 200,
    });
    await as('agent', { method: 'DELETE', path: `/api/organizations/${idOf(other.body)}`, expect: 403 });
    await as('supervisor', { method: 'DELETE', path: `/api/organizations/${idOf(other.body)}`, expect: 204 });
    await as('supervisor', { method: 'GET', path: `${k}/export`, expect: 200 });

    // A duplicate contact merged into the real one, then erased by an admin.
    const twin = await stack.hub.ingest.ingest({
      channel: 'whatsapp',
      inboxId: 'contract-wa',
      externalId: 'WA-contract-1',
      occurredAt: stack.hub.clock.now(),
      from: { externalId: 'wa-twin', name: 'Twin' },
      kind: 'message',
      text: 'hello again',
    });
    const twinContact = (await stack.hub.conversations.conversations.findConversation(twin.conversationId))!
      .contactId;
    await as('agent', {
      method: 'POST',
      path: `/api/contacts/${twinContact}/merge`,
      body: { targetContactId: ids.contact },
      expect: 403,
    });
    await as('supervisor', {
      method: 'POST',
      path: `/api/contacts/${twinContact}/merge`,
      body: { targetContactId: ids.contact },
      expect: 200,
    });
    const gone = await stack.hub.ingest.ingest({
      channel: 'sms',
      inboxId: 'contract-inbox',
      externalId: 'SM-contract-erase',
      occurredAt: stack.hub.clock.now(),
      from: { externalId: '+15550100002', phone: '+15550100002' },
      kind: 'message',
      text: 'forget me',
    });
    const goneContact = (await stack.hub.conversations.conversations.findConversation(gone.conversationId))!
      .contactId;
    await as('admin', { method: 'POST', path: `/api/contacts/${goneContact}/erase`, expect: 200 });
  });

  it('inboxes, templates and canned responses', async () => {
    const inbox = await as('admin', {
      method: 'POST',
      path: '/api/inboxes',
      body: { name: 'Support mail', channel: 'email', address: 'support@contract.test' },
      expect: 201,
    });
    await as('admin', { method: 'GET', path: '/api/inboxes?channel=email', expect: 200 });
    await as('admin', { method: 'GET', path: `/api/inboxes/${idOf(inbox.body)}`, expect: 200 });
    await as('admin', {
      method: 'PATCH',
      path: `/api/inboxes/${idOf(inbox.body)}`,
      body: { name: 'Support' },
      expect: 200,
    });
    await as('agent', { method: 'GET', path: '/api/inboxes', expect: 403 });

    const t = '/api/templates/sms/en/conversation-ack';
    await as('supervisor', { method: 'GET', path: '/api/templates', expect: 200 });
    await as('supervisor', { method: 'GET', path: t, expect: 200 });
    await as('supervisor', { method: 'POST', path: `${t}/preview`, body: { data: {} }, expect: 200 });
    await as('admin', {
      method: 'PUT',
      path: t,
      body: { parts: { text: 'Thanks, we are on it.' }, note: 'shorter' },
      expect: 200,
    });
    await as('admin', { method: 'PUT', path: t, body: { parts: { text: '{{#if}}' } }, expect: 400 });
    await as('supervisor', { method: 'GET', path: `${t}/versions`, expect: 200 });
    await as('admin', { method: 'DELETE', path: t, expect: 200 });
    await as('admin', { method: 'GET', path: '/api/templates/sms/en/no-such-template', expect: 404 });

    const canned = await as('agent', {
      method: 'POST',
      path: '/api/canned-responses',
      body: { shortcut: 'hi', title: 'Hello', text: 'Hello {{contactName}}', locale: 'en' },
      expect: 201,
    });
    const r = `/api/canned-responses/${idOf(canned.body)}`;
    await as('agent', { method: 'GET', path: '/api/canned-responses?q=hello', expect: 200 });
    await as('agent', { method: 'GET', path: r, expect: 200 });
    await as('agent', { method: 'PATCH', path: r, body: { title: 'Hi there' }, expect: 200 });
    await as('agent', {
      method: 'POST',
      path: `${r}/render`,
      body: { conversationId: ids.conversation },
      expect: 200,
    });
    await as('agent', { method: 'DELETE', path: r, expect: 204 });
  });

  it('automations', async () => {
    const rule = await as('admin', {
      method: 'POST',
      path: '/api/automations',
      body: {
        name: 'tag invoices',
        trigger: { type: 'event', event: 'conversation.created' },
        actions: [{ type: 'add_note', text: 'invoice question' }],
      },
      expect: 201,
    });
    const a = `/api/automations/${idOf(rule.body)}`;
    await as('supervisor', { method: 'GET', path: '/api/automations', expect: 200 });
    await as('supervisor', { method: 'GET', path: a, expect: 200 });
    await as('admin', { method: 'PATCH', path: a, body: { enabled: false }, expect: 200 });
    await as('supervisor', { method: 'POST', path: `${a}/dry-run`, expect: 200 });
    await as('supervisor', {
      method: 'POST',
      path: '/api/automations/dry-run',
      body: { conditions: [] },
      expect: 200,
    });
    await as('supervisor', { method: 'DELETE', path: a, expect: 403 });
    await as('admin', { method: 'DELETE', path: a, expect: 204 });
  });

  it('SLA calendars, policies, reports, complaints and CSAT settings', async () => {
    const shift = [{ start: '09:00', end: '18:00' }];
    const calendar = await as('admin', {
      method: 'POST',
      path: '/api/sla/calendars',
      body: { name: 'Office', timezone: 'Asia/Shanghai', weekly: { mon: shift, tue: shift } },
      expect: 201,
    });
    const cal = `/api/sla/calendars/${idOf(calendar.body)}`;
    await as('supervisor', { method: 'GET', path: '/api/sla/calendars', expect: 200 });
    await as('supervisor', { method: 'GET', path: cal, expect: 200 });
    await as('admin', { method: 'PATCH', path: cal, body: { name: 'Shanghai office' }, expect: 200 });
    const policy = await as('admin', {
      method: 'POST',
      path: '/api/sla/policies',
      body: {
        name: 'standard',
        order: 1,
        isDefault: true,
        calendarId: idOf(calendar.body),
        targets: { firstResponse: 60 },
      },
      expect: 201,
    });
    const pol = `/api/sla/policies/${idOf(policy.body)}`;
    await as('supervisor', { method: 'GET', path: '/api/sla/policies', expect: 200 });
    await as('supervisor', { method: 'GET', path: pol, expect: 200 });
    await as('admin', { method: 'PATCH', path: pol, body: { targets: { firstResponse: 30 } }, expect: 200 });
    await as('admin', { method: 'GET', path: `/api/sla/conversations/${ids.conversation}`, expect: 200 });
    await as('admin', { method: 'DELETE', path: pol, expect: 204 });
    await as('admin', { method: 'DELETE', path: cal, expect: 204 });

    const range = 'from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z';
    await as('supervisor', { method: 'GET', path: `/api/reports/sla?${range}&groupBy=channel`, expect: 200 });
    const csv = await as('supervisor', { method: 'GET', path: `/api/reports/sla.csv?${range}`, expect: 200 });
    assert.match(csv.text, /group/i);
    await as('supervisor', {
      method: 'GET',
      path: '/api/reports/sla?from=2027-01-01T00:00:00Z&to=2026-01-01T00:00:00Z',
      expect: 400,
    });
    await as('supervisor', { method: 'GET', path: '/api/reports/sla/at-risk', expect: 200 });
    await as('agent', { method: 'GET', path: '/api/reports/sla/at-risk', expect: 403 });

    await as('supervisor', {
      method: 'PUT',
      path: `/api/complaints/${ids.conversation}/owner`,
      body: { ownerId: ids.agent },
      expect: 200,
    });
    await as('admin', {
      method: 'PUT',
      path: '/api/sla/csat-settings/contract-inbox',
      body: { enabled: false },
      expect: 200,
    });
    await as('supervisor', { method: 'GET', path: '/api/sla/csat-settings', expect: 200 });
  });

  it('routing: live view, queue, pick, transfer, reassign', async () => {
    await as('supervisor', { method: 'GET', path: '/api/routing/live', expect: 200 });
    await as('agent', { method: 'GET', path: `/api/routing/queue?teamId=${ids.team}`, expect: 200 });
    const r = `/api/routing/conversations/${ids.conversation}`;
    await as('supervisor', {
      method: 'POST',
      path: `${r}/transfer`,
      body: { teamId: ids.team, note: 'billing question' },
      expect: 200,
    });
    // The agent comes online (as their socket would tell routing), then takes it from the queue.
    await stack.hub.routing.presence.socketConnected(ids.agent, 'contract-socket');
    await stack.hub.routing.presence.setStatus(ids.agent, 'online');
    await as('agent', { method: 'POST', path: `/api/routing/queue/${ids.conversation}/pick`, expect: 200 });
    await as('supervisor', {
      method: 'POST',
      path: `${r}/reassign`,
      body: { agentId: ids.agent, force: true },
      expect: 200,
    });
    await as('agent', { method: 'POST', path: `${r}/reassign`, body: { agentId: ids.agent }, expect: 403 });
  });

  it('integrations: API tokens and webhook subscriptions', async () => {
    const created = await as('admin', {
      method: 'POST',
      path: '/api/api-tokens',
      body: { name: 'CRM', scopes: ['conversations:read'] },
      expect: 201,
    });
    const apiToken = (created.body as { token: string }).token;
    await contract.call({ method: 'GET', path: '/api/conversations', token: apiToken, expect: 200 });
    await contract.call({ method: 'GET', path: '/api/contacts', token: apiToken, expect: 403 });
    await as('admin', { method: 'GET', path: '/api/api-tokens', expect: 200 });
    await as('admin', { method: 'DELETE', path: `/api/api-tokens/${idOf(created.body)}`, expect: 200 });
    await contract.call({ method: 'GET', path: '/api/conversations', token: apiToken, expect: 401 });

    const subscription = await as('admin', {
      method: 'POST',
      path: '/api/webhooks',
      body: { url: receiverUrl, events: ['message.created'] },
      expect: 201,
    });
    const w = `/api/webhooks/${idOf(subscription.body)}`;
    await as('admin', {
      method: 'POST',
      path: '/api/webhooks',
      body: { url: 'http://127.0.0.1:9/x', events: ['message.created'] },
      expect: 400,
    });
    await as('admin', { method: 'GET', path: '/api/webhooks', expect: 200 });
    await as('admin', { method: 'GET', path: w, expect: 200 });
    await as('admin', { method: 'PATCH', path: w, body: { enabled: false }, expect: 200 });
    await as('admin', { method: 'GET', path: `${w}/deliveries?limit=10`, expect: 200 });
    // A reply's event reaches the outbox of an enabled subscription, and can then be redelivered.
    await as('admin', { method: 'PATCH', path: w, body: { enabled: true }, expect: 200 });
    const reply = await as('admin', {
      method: 'POST',
      path: `/api/conversations/${ids.conversation}/messages`,
      body: { text: 'Your invoice is attached.' },
      expect: 201,
    });
    const key = `message.created:${idOf(reply.body)}`;
    for (let i = 0; i < 100; i += 1) {
      const answer = await as('admin', {
        method: 'POST',
        path: `${w}/deliveries/${encodeURIComponent(key)}/redeliver`,
        expect: [202, 404],
      });
      if (answer.status === 202) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await as('admin', { method: 'POST', path: `${w}/deliveries/no-such-event/redeliver`, expect: 404 });
    await as('admin', { method: 'DELETE', path: w, expect: 204 });
    await as('agent', { method: 'GET', path: '/api/webhooks', expect: 403 });
  });

  it('tasks, care follow-ups and mentions', async () => {
    const task = await as('agent', {
      method: 'POST',
      path: '/api/tasks',
      body: {
        title: 'Call back about the invoice',
        dueAt: '2026-12-31T09:00:00Z',
        contactId: ids.contact,
        conversationId: ids.conversation,
      },
      expect: 201,
    });
    await as('agent', { method: 'GET', path: '/api/tasks?scope=mine&status=any', expect: 200 });
    await as('agent', { method: 'GET', path: `/api/tasks/${idOf(task.body)}`, expect: 200 });
    await as('agent', {
      method: 'POST',
      path: `/api/tasks/${idOf(task.body)}/complete`,
      body: { outcome: 'done', note: 'called' },
      expect: 200,
    });
    await as('agent', { method: 'GET', path: '/api/tasks?scope=all', expect: 403 });
    const range = 'from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z';
    await as('supervisor', { method: 'GET', path: `/api/care/follow-ups/report?${range}`, expect: 200 });
    await as('supervisor', { method: 'GET', path: '/api/care/settings', expect: 200 });
    await as('agent', { method: 'GET', path: '/api/care/settings', expect: 403 });
    await as('agent', { method: 'GET', path: '/api/mentions?limit=10', expect: 200 });
    await as('agent', { method: 'POST', path: '/api/mentions/read', body: {}, expect: 200 });
  });

  it('connector admin routes answer as documented', async () => {
    await as('admin', { method: 'GET', path: '/api/email/imap/quarantine', expect: 200 });
    await as('admin', { method: 'GET', path: `/api/email/imap/quarantine/${MISSING_ID}/raw`, expect: 404 });
    await as('admin', {
      method: 'POST',
      path: `/api/email/imap/quarantine/${MISSING_ID}/retry`,
      expect: 404,
    });
    await as('admin', { method: 'DELETE', path: `/api/email/imap/quarantine/${MISSING_ID}`, expect: 404 });
    await as('agent', { method: 'GET', path: '/api/email/imap/quarantine', expect: 403 });
    await as('admin', {
      method: 'POST',
      path: '/api/connectors/telegram/no-such-inbox/webhook',
      expect: 404,
    });
  });

  it('imports, exports and tiers', async () => {
    const waitForImport = async (id: string) => {
      for (;;) {
        const job = await as('admin', { method: 'GET', path: `/api/imports/${id}`, expect: 200 });
        if ((job.body as { status: string }).status === 'completed') return;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    const contacts = await as('admin', {
      method: 'POST',
      path: '/api/imports/contacts?dryRun=1',
      body: [{ email: 'contract.import@example.com' }, { email: 'broken' }],
      expect: 202,
    });
    await waitForImport(idOf(contacts.body));
    await as('admin', { method: 'GET', path: '/api/imports?limit=5', expect: 200 });
    await as('admin', { method: 'GET', path: `/api/imports/${idOf(contacts.body)}/errors`, expect: 200 });
    await as('admin', { method: 'GET', path: `/api/imports/${idOf(contacts.body)}/errors.csv`, expect: 200 });
    await as('admin', { method: 'GET', path: `/api/imports/${MISSING_ID}`, expect: 404 });
    await as('agent', { method: 'GET', path: '/api/imports', expect: 403 });
    const orders = await as('admin', {
      method: 'POST',
      path: '/api/imports/orders',
      body: [{ orderId: 'contract-1', contactId: ids.contact, placedAt: '2026-01-02', amount: '10.00' }],
      expect: 202,
    });
    await waitForImport(idOf(orders.body));
    for (let i = 0; ; i++) {
      const scores = await as('agent', {
        method: 'GET',
        path: `/api/tiers/contacts/${ids.contact}`,
        expect: [200, 404],
      });
      if (scores.status === 200) break;
      assert.ok(i < 200, 'the orders import recomputed the tiers');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await as('admin', { method: 'POST', path: '/api/tiers/recompute', expect: 202 });
    await as('agent', { method: 'POST', path: '/api/tiers/recompute', expect: 403 });
    await as('admin', { method: 'GET', path: '/api/exports/contacts.jsonl', expect: 200 });
    await as('admin', { method: 'GET', path: '/api/exports/conversations.jsonl', expect: 200 });
    await as('agent', { method: 'GET', path: '/api/exports/contacts.jsonl', expect: 403 });
  });

  it('called every documented operation, each with a success except provider-only ones', () => {
    assert.deepEqual(contract.uncovered(), [], 'every documented operation was called');
    assert.deepEqual(
      contract.onlyErrors().filter((operation) => !PROVIDER_ONLY.has(operation)),
      [],
      'every operation answered with a success at least once',
    );
  });
});
