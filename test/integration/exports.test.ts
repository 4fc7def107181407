import assert from 'node:assert/strict';
import { startTestHub, type RunningTestHub } from '../support/test-stack';
import { call, email, inbound, loginAs } from './conversations-support';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a parsed JSON line, of any shape
type Line = any;
const parseLine = (line: string): Line => JSON.parse(line);

describe('JSONL exports of contacts and conversations', function () {
  this.timeout(120_000);
  let running: RunningTestHub;
  let admin: string;
  let agent: string;

  const fetchLines = async (path: string, token: string) => {
    const response = await fetch(`${running.baseUrl}${path}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const text = await response.text();
    return {
      status: response.status,
      type: response.headers.get('content-type') ?? '',
      lines: response.status === 200 ? text.trim().split('\n').map(parseLine) : [],
    };
  };

  before(async () => {
    running = await startTestHub();
    admin = (await loginAs(running, { email: 'admin@example.com', role: 'admin' })).token;
    agent = (await loginAs(running, { email: 'agent@example.com', role: 'agent' })).token;
    await running.hub.ingest.ingest(
      inbound({ from: { externalId: '+8613800000001', phone: '+8613800000001' } }),
    );
    await running.hub.ingest.ingest(
      inbound({ from: { externalId: '+8613800000001', phone: '+8613800000001' }, text: 'again' }),
    );
    await running.hub.ingest.ingest(email('li.na@example.cn'));
    await running.hub.contacts.contacts.resolveContact({
      channel: 'telegram',
      sender: { externalId: 'tg-1', name: 'T' },
    });
  });
  after(async () => {
    await running.close();
  });

  it('streams every live contact, then an end line with the count', async () => {
    const { status, type, lines } = await fetchLines('/api/exports/contacts.jsonl', admin);
    assert.equal(status, 200);
    assert.match(type, /application\/x-ndjson/);
    const contacts = lines.filter((line) => line.type === 'contact');
    assert.equal(contacts.length, 3);
    assert.deepEqual(lines.at(-1), { type: 'end', count: 3 });
    assert.deepEqual(
      contacts.map((line) => line.contact.phones[0] ?? line.contact.emails[0] ?? line.contact.name).sort(),
      ['+8613800000001', 'T', 'li.na@example.cn'],
    );
  });

  it('streams each conversation followed by its timeline in order', async () => {
    const { status, lines } = await fetchLines('/api/exports/conversations.jsonl', admin);
    assert.equal(status, 200);
    assert.deepEqual(
      lines.map((line) => line.type),
      ['conversation', 'message', 'message', 'conversation', 'message', 'end'],
    );
    const [first, hello, again] = lines;
    assert.equal(hello.conversationId, first.conversation.id);
    assert.deepEqual([hello.message.text, again.message.text], ['hello', 'again']);
    assert.equal(lines.at(-1).count, 5);
  });

  it('is for admins and for API tokens with the reports scope only, and is audited', async () => {
    assert.equal((await fetchLines('/api/exports/contacts.jsonl', agent)).status, 403);
    const makeToken = async (scopes: string[]) => {
      const created = await call(running.baseUrl, 'POST', '/api/api-tokens', {
        token: admin,
        body: { name: scopes.join('+'), scopes },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      return String(created.body.token);
    };
    const reports = await makeToken(['reports']);
    assert.equal((await fetchLines('/api/exports/conversations.jsonl', reports)).status, 200);
    const contactsScope = await makeToken(['contacts']);
    assert.equal((await fetchLines('/api/exports/contacts.jsonl', contactsScope)).status, 403);
    const audit = await call(running.baseUrl, 'GET', '/api/audit?limit=50', { token: admin });
    const actions = (audit.body.items as { action: string }[]).map((entry) => entry.action);
    assert.ok(actions.includes('export.contacts'));
    assert.ok(actions.includes('export.conversations'));
  });
});
