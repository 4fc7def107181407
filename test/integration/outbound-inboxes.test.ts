import assert from 'node:assert/strict';
import type { InboxConfig } from '../../server/modules/channels';
import { RecordingChannel } from '../support/recording-channel';
import { startTestHub, type RunningTestHub } from '../support/test-stack';

/** Inboxes (admin-configured channels) and the registry that turns them into connectors for sending. */
describe('outbound: inboxes and the channel registry', () => {
  let stack: RunningTestHub;
  const tokens: Record<'admin' | 'agent', string> = { admin: '', agent: '' };
  const built: InboxConfig[] = [];

  const api = async (role: 'admin' | 'agent', method: string, path: string, body?: unknown) => {
    const response = await fetch(`${stack.baseUrl}/api/inboxes${path}`, {
      method,
      headers: { authorization: `Bearer ${tokens[role]}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test reads nested JSON freely
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };

  before(async () => {
    stack = await startTestHub();
    for (const role of ['admin', 'agent'] as const) {
      const email = `${role}@example.test`;
      const password = 'correct horse battery staple';
      await stack.hub.agents.agents.createAgent({ email, password, name: role, role }, null);
      tokens[role] = (await stack.hub.agents.auth.login({ email, password })).token;
    }
    stack.hub.channels.registry.registerFactory('telegram', (inbox) => {
      built.push(inbox);
      return new RecordingChannel({ inboxId: inbox.id, kinds: ['telegram'] });
    });
  });
  after(() => stack.close());

  const telegramInbox = {
    name: 'Support bot',
    channel: 'telegram',
    address: '@acme_support_bot',
    credentials: { botToken: '123456789:AAEhBOweik6ad6PsVMRxjeQKBF3ZnH9Xyz', secretToken: 'short' },
  };

  it('lets admins create an inbox and never returns its secrets', async () => {
    const created = await api('admin', 'POST', '/', telegramInbox);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.name, 'Support bot');
    assert.deepEqual(created.body.credentials, {
      botToken: { set: true, hint: '••••9Xyz' },
      secretToken: { set: true, hint: '••••' },
    });
    const listed = await api('admin', 'GET', '/');
    const text = JSON.stringify(listed.body);
    assert.ok(!text.includes('AAEhBOweik6ad6PsVMRxjeQKBF3ZnH9Xyz') && !text.includes('"short"'));
    assert.ok((listed.body.items as { id: string }[]).some((item) => item.id === created.body.id));
  });

  it('refuses agents (403) and anonymous callers (401)', async () => {
    assert.equal((await api('agent', 'GET', '/')).status, 403);
    assert.equal((await api('agent', 'POST', '/', telegramInbox)).status, 403);
    const anonymous = await fetch(`${stack.baseUrl}/api/inboxes`);
    assert.equal(anonymous.status, 401);
    await anonymous.body?.cancel();
  });

  it('validates input: unknown channel kinds, fields or credential names are refused', async () => {
    for (const body of [
      { name: 'x', channel: 'fax' },
      { name: 'x', channel: 'sms', surprise: true },
      { name: 'x', channel: 'sms', credentials: { 'a.b': 'v' } },
      { name: 'x', channel: 'sms', credentials: { $where: 'v' } },
      { name: '', channel: 'sms' },
    ]) {
      const response = await api('admin', 'POST', '/', body);
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.equal(response.body.error.code, 'INVALID_INPUT');
    }
  });

  it('refuses a second inbox on the same channel address (409)', async () => {
    const body = { name: 'SMS line', channel: 'sms', address: '+15550005000' };
    assert.equal((await api('admin', 'POST', '/', body)).status, 201);
    const again = await api('admin', 'POST', '/', { ...body, name: 'Copy' });
    assert.equal(again.status, 409);
  });

  it('rotates one secret with PATCH, keeps the others, and removes one with null', async () => {
    const created = await api('admin', 'POST', '/', {
      name: 'WhatsApp',
      channel: 'whatsapp',
      credentials: {
        accountSid: 'AC00000000000000000000000000000001',
        authToken: 'old-token-old-token-1234',
      },
    });
    const id = String(created.body.id);
    const patched = await api('admin', 'PATCH', `/${id}`, {
      credentials: { authToken: 'new-token-new-token-5678', accountSid: null },
      autoReply: { enabled: true, template: 'ack' },
    });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.deepEqual(Object.keys(patched.body.credentials), ['authToken']);
    assert.equal(patched.body.credentials.authToken.hint, '••••5678');
    assert.deepEqual(patched.body.autoReply, { enabled: true, template: 'ack' });
    const stored = await stack.hub.channels.inboxes.findConfig(id);
    assert.deepEqual(stored?.credentials, { authToken: 'new-token-new-token-5678' });
    assert.equal((await api('admin', 'PATCH', `/${id}`, {})).status, 400);
    assert.equal((await api('admin', 'PATCH', `/${'0'.repeat(24)}`, { name: 'x' })).status, 404);
  });

  it('builds the connector of a configured inbox, and rebuilds it after an edit', async () => {
    const created = await api('admin', 'POST', '/', {
      ...telegramInbox,
      address: '@second_bot',
      isDefault: true,
    });
    const id = String(created.body.id);
    const first = await stack.hub.channels.registry.resolve({ inboxId: id, channel: 'telegram' });
    assert.equal(first?.inboxId, id);
    assert.equal(await stack.hub.channels.registry.resolve({ inboxId: id, channel: 'telegram' }), first);
    assert.equal(built.at(-1)?.credentials.botToken, telegramInbox.credentials.botToken);

    await api('admin', 'PATCH', `/${id}`, { credentials: { botToken: 'rotated-token-rotated-token' } });
    const second = await stack.hub.channels.registry.resolve({ inboxId: id, channel: 'telegram' });
    assert.notEqual(second, first);
    assert.equal(built.at(-1)?.credentials.botToken, 'rotated-token-rotated-token');
    // the default inbox of the kind serves a reply that names no inbox
    assert.equal((await stack.hub.channels.registry.resolve({ channel: 'telegram' }))?.inboxId, id);
    // a kind the inbox does not serve resolves to nothing
    assert.equal(await stack.hub.channels.registry.resolve({ inboxId: id, channel: 'sms' }), null);
  });

  it('resolves nothing for a disabled inbox', async () => {
    const created = await api('admin', 'POST', '/', {
      ...telegramInbox,
      address: '@off_bot',
      enabled: false,
    });
    assert.equal(
      await stack.hub.channels.registry.resolve({ inboxId: String(created.body.id), channel: 'telegram' }),
      null,
    );
  });

  it('keeps one default inbox per channel kind', async () => {
    const a = await api('admin', 'POST', '/', {
      name: 'Mail A',
      channel: 'email',
      address: 'a@acme.test',
      isDefault: true,
    });
    const b = await api('admin', 'POST', '/', {
      name: 'Mail B',
      channel: 'email',
      address: 'b@acme.test',
      isDefault: true,
    });
    assert.equal((await api('admin', 'GET', `/${String(a.body.id)}`)).body.isDefault, false);
    assert.equal((await stack.hub.channels.inboxes.findDefaultConfig('email'))?.id, b.body.id);
  });
});
