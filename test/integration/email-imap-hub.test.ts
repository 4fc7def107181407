/**
 * IMAP through a whole hub: an admin configures an email inbox with IMAP credentials through the API (sealed
 * at rest), the email plug-in's pollers import its mail through the real parser and ingest, a message the
 * sink refuses is quarantined, and admins (only admins) list, download, retry and drop quarantined mail.
 */
import assert from 'node:assert/strict';
import type { ConnectorPlugin, InboundSink } from '../../connectors/channel';
import { emailPlugin } from '../../connectors/email/email-plugin';
import { startDovecot, testMail, type RunningDovecot } from '../support/dovecot';
import { waitUntil } from '../support/dovecot-harness';
import { startTestHub, type RunningTestHub } from '../support/test-stack';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- API JSON
type Json = any;

/** The real email plug-in, with one sink refusal to stand for a message that cannot be ingested. */
function emailPluginRefusing(refuse: { externalId: string | null }): ConnectorPlugin {
  return {
    name: 'email',
    create(context) {
      const sink: InboundSink = {
        ...context.sink,
        ingest(event) {
          if (event.externalId === refuse.externalId)
            return Promise.reject(
              Object.assign(new Error('event refused'), { code: 'INVALID_INPUT', status: 400 }),
            );
          return context.sink.ingest(event);
        },
        updateStatus: (event) => context.sink.updateStatus(event),
      };
      return emailPlugin.create({ ...context, sink });
    },
  };
}

describe('IMAP mailboxes in a whole hub (admin inbox, quarantine API)', function () {
  this.timeout(60_000);
  let dovecot: RunningDovecot;
  let stack: RunningTestHub;
  const tokens = { admin: '', agent: '' };
  const refuse = { externalId: '<hub-2@example.net>' as string | null };

  const api = async (role: 'admin' | 'agent' | null, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${stack.baseUrl}${path}`, {
      method,
      headers: {
        ...(role ? { authorization: `Bearer ${tokens[role]}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    let json: Json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = text;
    }
    return { status: response.status, body: json, text };
  };
  const emailMessages = () =>
    stack.hub.connection
      .collection('messages')
      .find({ channel: 'email' }, { projection: { externalId: 1 } })
      .sort({ _id: 1 })
      .toArray();

  before(async () => {
    dovecot = await startDovecot({ users: [{ user: 'helpdesk', password: 'helpdesk-imap-secret' }] });
    stack = await startTestHub({
      connectors: [emailPluginRefusing(refuse)],
      configOverrides: { IMAP_INBOX_REFRESH_MS: '200', IMAP_RETRY_DELAY_MS: '50', IMAP_LEASE_MS: '3000' },
    });
    for (const role of ['admin', 'agent'] as const) {
      const email = `${role}@imap.test`;
      const password = 'correct horse battery staple';
      await stack.hub.agents.agents.createAgent({ email, password, name: role, role }, null);
      tokens[role] = (await stack.hub.agents.auth.login({ email, password })).token;
    }
  });
  after(async () => {
    await stack?.close();
    await dovecot?.stop();
  });

  it('imports an admin inbox mailbox, quarantines what ingest refuses, and lets only admins handle it', async () => {
    for (const id of ['hub-1', 'hub-2', 'hub-3']) await dovecot.append('helpdesk', testMail({ id }));
    const created = await api('admin', 'POST', '/api/inboxes', {
      name: 'Helpdesk mailbox',
      channel: 'email',
      address: 'helpdesk@example.com',
      credentials: {
        imapHost: dovecot.host,
        imapPort: String(dovecot.port),
        imapSecurity: 'none',
        imapUser: 'helpdesk',
        imapPassword: 'helpdesk-imap-secret',
      },
    });
    assert.equal(created.status, 201, created.text);
    const stored = await stack.hub.connection
      .collection('inboxes')
      .findOne({ address: 'helpdesk@example.com' });
    assert.ok(stored);
    assert.ok(
      !JSON.stringify(stored).includes('helpdesk-imap-secret'),
      'the IMAP password is sealed at rest',
    );

    await waitUntil(async () => (await emailMessages()).length === 2, 'the two good messages');
    assert.deepEqual(
      (await emailMessages()).map((m) => m.externalId),
      ['<hub-1@example.net>', '<hub-3@example.net>'],
    );

    const listed = await waitUntil(async () => {
      const response = await api('admin', 'GET', '/api/email/imap/quarantine');
      return response.status === 200 && response.body.entries.length === 1 ? response.body : undefined;
    }, 'the refused message in quarantine');
    const [entry] = listed.entries as Json[];
    assert.equal(entry.inboxId, created.body.id);
    assert.equal(entry.messageId, '<hub-2@example.net>');
    assert.equal(entry.attempts, 3);
    assert.equal(entry.rawKept, true);

    assert.equal((await api('agent', 'GET', '/api/email/imap/quarantine')).status, 403);
    assert.equal((await api(null, 'GET', '/api/email/imap/quarantine')).status, 401);
    assert.equal((await api('agent', 'GET', `/api/email/imap/quarantine/${entry.id}/raw`)).status, 403);

    const raw = await api('admin', 'GET', `/api/email/imap/quarantine/${entry.id}/raw`);
    assert.equal(raw.status, 200);
    assert.match(raw.text, /Message-ID: <hub-2@example\.net>/);

    // Still refused: it stays in quarantine.
    assert.equal((await api('admin', 'POST', `/api/email/imap/quarantine/${entry.id}/retry`)).status, 409);
    // Once the cause is fixed, a retry imports it and empties the quarantine.
    refuse.externalId = null;
    const retried = await api('admin', 'POST', `/api/email/imap/quarantine/${entry.id}/retry`);
    assert.equal(retried.status, 200, retried.text);
    assert.deepEqual(
      (await emailMessages()).map((m) => m.externalId),
      ['<hub-1@example.net>', '<hub-3@example.net>', '<hub-2@example.net>'],
    );
    assert.equal((await api('admin', 'GET', '/api/email/imap/quarantine')).body.entries.length, 0);
    assert.equal((await api('admin', 'DELETE', `/api/email/imap/quarantine/${entry.id}`)).status, 404);
    assert.equal((await api('admin', 'GET', '/api/email/imap/quarantine/not-an-id/raw')).status, 404);
  });
});
