import assert from 'node:assert/strict';
import { stat, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ObjectId } from 'mongodb';
import { CREDENTIALS_KEY_FILE } from '../../server/infra/credentials-key';
import { startTestHub, type RunningTestHub } from '../support/test-stack';
import { call, loginAs } from './conversations-support';

/** Inbox credentials are encrypted at rest; the API masks them; connectors get them in clear. */
describe('inbox credentials at rest', () => {
  let running: RunningTestHub;
  let admin: { token: string };
  const raw = async (id: string) =>
    (await running.hub.connection.collection('inboxes').findOne({ _id: new ObjectId(id) }))!;

  before(async () => {
    running = await startTestHub();
    admin = await loginAs(running, { email: 'admin@creds.test', role: 'admin' });
  });
  after(async () => running?.close());

  it('stores every credential sealed, masks it in the API and hands it to connectors in clear', async () => {
    const token = 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6';
    const created = await call(running.baseUrl, 'POST', '/api/inboxes', {
      token: admin.token,
      body: {
        name: 'Support line',
        channel: 'sms',
        address: '+15005550111',
        credentials: { accountSid: `AC${'1'.repeat(32)}`, authToken: token },
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const stored = await raw(created.body.id);
    const values = Object.values(stored.credentials as Record<string, string>);
    assert.equal(values.length, 2);
    for (const value of values) assert.match(value, /^enc:v1:/);
    assert.equal(JSON.stringify(stored).includes(token), false, 'the token is nowhere in the document');
    assert.deepEqual(created.body.credentials.authToken, { set: true, hint: '••••c5d6' });
    const config = await running.hub.channels.inboxes.findConfig(created.body.id);
    assert.equal(config?.credentials.authToken, token);

    // Rotating one secret keeps the other, still sealed.
    const rotated = await call(running.baseUrl, 'PATCH', `/api/inboxes/${created.body.id}`, {
      token: admin.token,
      body: { credentials: { authToken: 'f'.repeat(32) } },
    });
    assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
    const after = await running.hub.channels.inboxes.findConfig(created.body.id);
    assert.equal(after?.credentials.authToken, 'f'.repeat(32));
    assert.equal(after?.credentials.accountSid, `AC${'1'.repeat(32)}`);
    for (const value of Object.values((await raw(created.body.id)).credentials as Record<string, string>))
      assert.match(value, /^enc:v1:/);
  });

  it('seals a submitted value even when it looks sealed already', async () => {
    const lookalike = 'enc:v1:AAAA:BBBB:CCCC';
    const created = await call(running.baseUrl, 'POST', '/api/inboxes', {
      token: admin.token,
      body: {
        name: 'Look-alike',
        channel: 'sms',
        address: '+15005550333',
        credentials: { accountSid: `AC${'3'.repeat(32)}`, authToken: lookalike },
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.notEqual((await raw(created.body.id)).credentials.authToken, lookalike);
    const config = await running.hub.channels.inboxes.findConfig(created.body.id);
    assert.equal(config?.credentials.authToken, lookalike);
    assert.equal((await call(running.baseUrl, 'GET', '/api/inboxes', { token: admin.token })).status, 200);
  });

  it('seals credentials stored in clear before encryption existed', async () => {
    const { insertedId } = await running.hub.connection.collection('inboxes').insertOne({
      name: 'Legacy',
      channel: 'whatsapp',
      address: '+15005550222',
      teamId: null,
      autoReply: { enabled: false },
      credentials: { accountSid: `AC${'2'.repeat(32)}`, authToken: 'legacy-clear-token-000' },
      isDefault: false,
      enabled: true,
      revision: 0,
      createdAt: new Date(),
      updatedAt: new Date(),
    });
    const id = String(insertedId);
    assert.equal(
      (await running.hub.channels.inboxes.findConfig(id))?.credentials.authToken,
      'legacy-clear-token-000',
    );
    assert.equal(await running.hub.channels.inboxes.sealStoredCredentials(), 1);
    assert.equal(await running.hub.channels.inboxes.sealStoredCredentials(), 0, 'idempotent');
    assert.match((await raw(id)).credentials.authToken as string, /^enc:v1:/);
    assert.equal(
      (await running.hub.channels.inboxes.findConfig(id))?.credentials.authToken,
      'legacy-clear-token-000',
    );
  });

  it('keeps the generated key in DATA_DIR, readable only by its owner', async () => {
    const file = path.join(running.hub.config.DATA_DIR, CREDENTIALS_KEY_FILE);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.equal(Buffer.from((await readFile(file, 'utf8')).trim(), 'base64').length, 32);
  });
});
