/**
 * IMAP mailboxes against a real IMAP server (dovecot started by the test) and the shared redis-server:
 * import order and exactly-once, IDLE, the polling fallback, resuming from the checkpoint, UIDVALIDITY
 * changes, quarantine of a poison message, storage outages, and the optional flag/move after processing.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startDovecot, testMail, type RunningDovecot } from '../support/dovecot';
import { imapInbox, startImapHarness, waitUntil, type ImapHarness } from '../support/dovecot-harness';

describe('IMAP mailboxes (real dovecot)', function () {
  this.timeout(60_000);
  let dovecot: RunningDovecot;
  let harness: ImapHarness | undefined;
  let user: string;

  before(async () => {
    dovecot = await startDovecot({
      users: [
        { user: 'order', password: 'pw-order' },
        { user: 'restart', password: 'pw-restart' },
        { user: 'validity', password: 'pw-validity' },
        { user: 'poison', password: 'pw-poison' },
        { user: 'outage', password: 'pw-outage' },
        { user: 'move', password: 'pw-move' },
        { user: 'edit', password: 'pw-edit' },
        { user: 'shared', password: 'pw-shared' },
      ],
    });
  });
  after(() => dovecot.stop());
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  const inboxFor = (name: string, credentials: Record<string, string> = {}) => {
    user = name;
    const found = dovecot.users.find((u) => u.user === name);
    assert.ok(found);
    return imapInbox(dovecot, { imapUser: found.user, imapPassword: found.password, ...credentials });
  };

  it('imports every waiting message exactly once, in UID order, and IDLE picks up a new one at once', async () => {
    const inbox = inboxFor('order', { imapPollSeconds: '3600', imapAfterProcess: 'seen' });
    for (let i = 1; i <= 5; i += 1) await dovecot.append(user, testMail({ id: `order-${i}` }));
    harness = await startImapHarness({ inboxes: [inbox] });
    const h = harness;
    await waitUntil(() => h.sink.entries.length === 5, 'five imported');
    assert.deepEqual(
      h.subjects(),
      [1, 2, 3, 4, 5].map((i) => `Question order-${i}`),
    );
    assert.deepEqual(
      h.sink.entries.map((entry) => entry.event.externalId),
      [1, 2, 3, 4, 5].map((i) => `<order-${i}@example.net>`),
      'externalId is the Message-ID',
    );
    assert.deepEqual(
      h.handOvers.map((handOver) => handOver.uid),
      [1, 2, 3, 4, 5],
    );

    // The poll interval is an hour: only IDLE can bring this one in during the test.
    await dovecot.append(user, testMail({ id: 'order-6' }));
    await waitUntil(() => h.sink.entries.length === 6, 'the sixth message by IDLE');
    assert.equal(h.handOvers.length, 6, 'nothing handed over twice');
    const checkpoint = await h.pollers.state.getCheckpoint({ inboxId: inbox.id, mailbox: 'INBOX' });
    assert.equal(checkpoint?.lastUid, 6);

    const seen = await dovecot.withClient(user, async (client) => {
      await client.mailboxOpen('INBOX');
      return client.search({ seen: true }, { uid: true });
    });
    assert.deepEqual(seen, [1, 2, 3, 4, 5, 6], 'every processed message is flagged \\Seen');
  });

  it('resumes from the checkpoint after a restart: only new mail is handed over', async () => {
    const inbox = inboxFor('restart', { imapPollSeconds: '3600' });
    for (let i = 1; i <= 3; i += 1) await dovecot.append(user, testMail({ id: `restart-${i}` }));
    harness = await startImapHarness({ inboxes: [inbox] });
    const h = harness;
    await waitUntil(() => h.sink.entries.length === 3, 'three imported');
    await h.pollers.stop();
    // Mail arriving while the hub is down (an outage of any length) waits on the server.
    await dovecot.append(user, testMail({ id: 'restart-4' }));
    await dovecot.append(user, testMail({ id: 'restart-5' }));
    await h.restart();
    await waitUntil(() => h.sink.entries.length === 5, 'both new messages');
    assert.deepEqual(
      h.handOvers.map((handOver) => handOver.uid),
      [1, 2, 3, 4, 5],
      'the restart fetched only what was above the checkpoint',
    );
    assert.deepEqual(h.subjects().slice(3), ['Question restart-4', 'Question restart-5']);
  });

  it('re-imports a mailbox whose UIDVALIDITY changed, without duplicates (Message-ID dedupe)', async () => {
    const inbox = inboxFor('validity', { imapMailbox: 'Support', imapPollSeconds: '1' });
    const first = await dovecot.append(user, testMail({ id: 'validity-1' }), 'Support');
    await dovecot.append(user, testMail({ id: 'validity-2' }), 'Support');
    harness = await startImapHarness({ inboxes: [inbox] });
    const h = harness;
    await waitUntil(() => h.sink.entries.length === 2, 'two imported');
    await h.pollers.stop();

    // The server rebuilt the mailbox: same mails, new UIDs, a new UIDVALIDITY, plus one new mail.
    await dovecot.recreateMailbox(user, 'Support');
    await dovecot.append(user, testMail({ id: 'validity-2' }), 'Support');
    await dovecot.append(user, testMail({ id: 'validity-1' }), 'Support');
    const third = await dovecot.append(user, testMail({ id: 'validity-3' }), 'Support');
    assert.notEqual(third.uidValidity, first.uidValidity, 'the server changed UIDVALIDITY');

    await h.restart();
    await waitUntil(() => h.sink.entries.length === 3, 'the new message');
    await waitUntil(() => h.handOvers.length === 5, 'every message of the new mailbox handed over');
    assert.deepEqual(h.subjects(), ['Question validity-1', 'Question validity-2', 'Question validity-3']);
    const checkpoint = await h.pollers.state.getCheckpoint({ inboxId: inbox.id, mailbox: 'Support' });
    assert.deepEqual(checkpoint, { uidValidity: third.uidValidity, lastUid: third.uid });
  });

  it('quarantines a message that fails three times, keeps it raw, and the next ones still arrive', async () => {
    const inbox = inboxFor('poison', { imapPollSeconds: '3600' });
    await dovecot.append(user, testMail({ id: 'poison-1' }));
    const poisonRaw = testMail({ id: 'poison-2', subject: 'X-Poison', text: 'this one breaks the parser' });
    await dovecot.append(user, poisonRaw);
    await dovecot.append(user, testMail({ id: 'poison-3' }));
    harness = await startImapHarness({
      inboxes: [inbox],
      intercept(raw) {
        if (raw.includes('X-Poison')) throw new Error('parser exploded');
      },
    });
    const h = harness;
    await waitUntil(() => h.sink.entries.length === 2, 'the two good messages');
    assert.deepEqual(h.subjects(), ['Question poison-1', 'Question poison-3']);
    const poisonTries = h.handOvers.filter((handOver) => handOver.uid === 2);
    assert.equal(poisonTries.length, 3, 'tried exactly three times');

    const { entries } = await h.pollers.quarantine.list({ limit: 10 });
    assert.equal(entries.length, 1);
    const [entry] = entries;
    assert.ok(entry);
    assert.equal(entry.uid, 2);
    assert.equal(entry.attempts, 3);
    assert.equal(entry.messageId, '<poison-2@example.net>');
    assert.equal(entry.subject, 'X-Poison');
    assert.match(entry.error, /parser exploded/);
    assert.equal((await h.pollers.quarantine.getRaw(entry.id))?.toString(), poisonRaw);

    // Never refetched in a loop: new mail arrives, the poison message is not tried again.
    await dovecot.append(user, testMail({ id: 'poison-4' }));
    await waitUntil(() => h.sink.entries.length === 3, 'the next message');
    await h.restart();
    await dovecot.append(user, testMail({ id: 'poison-5' }));
    await waitUntil(() => h.sink.entries.length === 4, 'mail after a restart');
    assert.equal(h.handOvers.filter((handOver) => handOver.uid === 2).length, 3);
  });

  it('waits out a storage outage without charging the message: nothing is quarantined or lost', async () => {
    const inbox = inboxFor('outage', { imapPollSeconds: '3600' });
    await dovecot.append(user, testMail({ id: 'outage-1' }));
    await dovecot.append(user, testMail({ id: 'outage-2' }));
    let outageLeft = 6;
    harness = await startImapHarness({
      inboxes: [inbox],
      options: { maxAttempts: 2 },
      intercept() {
        if (outageLeft <= 0) return;
        outageLeft -= 1;
        throw Object.assign(new Error('connection refused'), { name: 'MongoNetworkError' });
      },
    });
    const h = harness;
    await waitUntil(() => h.sink.entries.length === 2, 'both messages after the outage', 30_000);
    assert.deepEqual(h.subjects(), ['Question outage-1', 'Question outage-2']);
    assert.ok(h.handOvers.length >= 8, 'the first message was retried through the outage');
    assert.equal((await h.pollers.quarantine.list({ limit: 10 })).entries.length, 0);
  });

  it('follows inbox edits: a disabled inbox stops polling and frees its mailbox, re-enabling resumes', async () => {
    const inbox = inboxFor('edit', { imapPollSeconds: '3600' });
    const inboxes = [inbox];
    await dovecot.append(user, testMail({ id: 'edit-1' }));
    harness = await startImapHarness({ inboxes });
    const h = harness;
    await waitUntil(() => h.sink.entries.length === 1, 'the first message');
    const leaseKey = `${h.keyPrefix}:imap:lease:${inbox.id}:INBOX`;
    assert.equal(await h.redis.exists(leaseKey), 1, 'the running poller holds the mailbox lease');

    inboxes[0] = { ...inbox, enabled: false, revision: 2 };
    await h.pollers.refresh();
    await waitUntil(async () => (await h.redis.exists(leaseKey)) === 0, 'the lease released');

    await dovecot.append(user, testMail({ id: 'edit-2' }));
    inboxes[0] = { ...inbox, enabled: true, revision: 3 };
    await h.pollers.refresh();
    await waitUntil(() => h.sink.entries.length === 2, 'the message that came while disabled');
    assert.deepEqual(
      h.handOvers.map((handOver) => handOver.uid),
      [1, 2],
    );
  });

  it('lets one of two processes poll a mailbox (lease): nothing is handed over twice', async () => {
    const inbox = inboxFor('shared', { imapPollSeconds: '3600' });
    for (let i = 1; i <= 4; i += 1) await dovecot.append(user, testMail({ id: `shared-${i}` }));
    harness = await startImapHarness({ inboxes: [inbox] });
    const other = await startImapHarness({ inboxes: [inbox], keyPrefix: harness.keyPrefix });
    try {
      const h = harness;
      await waitUntil(() => h.handOvers.length + other.handOvers.length === 4, 'four hand-overs');
      await dovecot.append(user, testMail({ id: 'shared-5' }));
      await waitUntil(() => h.handOvers.length + other.handOvers.length === 5, 'the fifth');
      assert.deepEqual(
        [h.handOvers.length, other.handOvers.length].sort(),
        [0, 5],
        'one process did all the work',
      );
    } finally {
      await other.close();
    }
  });

  it('moves processed mail to the configured folder', async () => {
    const inbox = inboxFor('move', { imapPollSeconds: '3600', imapAfterProcess: 'move', imapMoveTo: 'Done' });
    await dovecot.append(user, testMail({ id: 'move-1' }));
    await dovecot.append(user, testMail({ id: 'move-2' }));
    harness = await startImapHarness({ inboxes: [inbox] });
    const h = harness;
    await waitUntil(() => h.sink.entries.length === 2, 'both imported');
    const counts = await waitUntil(
      () =>
        dovecot.withClient(user, async (client) => {
          const count = async (folder: string) => {
            const status = await client.status(folder, { messages: true }).catch(() => false as const);
            return status ? (status.messages ?? -1) : -1;
          };
          const [inboxCount, doneCount] = [await count('INBOX'), await count('Done')];
          return inboxCount === 0 && doneCount === 2 ? { inbox: inboxCount, done: doneCount } : undefined;
        }),
      'messages moved to Done',
    );
    assert.deepEqual(counts, { inbox: 0, done: 2 });
  });
});

describe('IMAP mailbox on a server without IDLE (polling fallback)', function () {
  this.timeout(60_000);
  let dovecot: RunningDovecot;
  let harness: ImapHarness | undefined;

  before(async () => {
    dovecot = await startDovecot({ withoutIdle: true, users: [{ user: 'poll', password: 'pw-poll' }] });
  });
  after(async () => {
    await harness?.close();
    await dovecot.stop();
  });

  it('polls at the inbox interval and imports new mail', async () => {
    const capabilities = await dovecot.withClient('poll', (client) =>
      Promise.resolve([...client.capabilities.keys()]),
    );
    assert.ok(!capabilities.includes('IDLE'), `the server offers no IDLE (${capabilities.join(' ')})`);
    await dovecot.append('poll', testMail({ id: 'poll-1' }));
    const modes: string[] = [];
    harness = await startImapHarness({
      inboxes: [imapInbox(dovecot, { imapPollSeconds: '1' })],
      logger: {
        debug() {},
        info(object) {
          const mode = (object as { mode?: string }).mode;
          if (mode) modes.push(mode);
        },
        warn() {},
        error() {},
      },
    });
    const h = harness;
    await waitUntil(() => h.sink.entries.length === 1, 'the waiting message');
    assert.deepEqual(modes, ['polling']);
    await dovecot.append('poll', testMail({ id: 'poll-2' }));
    await dovecot.append('poll', testMail({ id: 'poll-3' }));
    await waitUntil(() => h.sink.entries.length === 3, 'the new messages by polling');
    assert.deepEqual(h.subjects(), ['Question poll-1', 'Question poll-2', 'Question poll-3']);
    assert.equal(h.handOvers.length, 3);
  });
});

describe('IMAP mailbox with an OAuth2 access token (XOAUTH2)', function () {
  this.timeout(60_000);
  let dovecot: RunningDovecot;
  let introspection: Server;
  let harness: ImapHarness | undefined;
  const tokensSeen: string[] = [];

  before(async () => {
    // The identity provider's token introspection endpoint, as dovecot calls it (RFC 7662, form POST).
    introspection = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const token = new URLSearchParams(body).get('token') ?? '';
        tokensSeen.push(token);
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify(
            token === 'valid-access-token' ? { active: 'true', username: 'oauth' } : { active: 'false' },
          ),
        );
      });
    });
    await new Promise<void>((resolve) => introspection.listen(0, '127.0.0.1', resolve));
    const { port } = introspection.address() as AddressInfo;
    dovecot = await startDovecot({
      users: [{ user: 'oauth', password: 'pw-oauth' }],
      oauth2IntrospectionUrl: `http://127.0.0.1:${port}/introspect`,
    });
  });
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });
  after(async () => {
    await dovecot.stop();
    await new Promise((resolve) => introspection.close(resolve));
  });

  it('logs in with the access token where the server offers XOAUTH2', async () => {
    await dovecot.append('oauth', testMail({ id: 'oauth-1' }));
    const inbox = imapInbox(dovecot, { imapAccessToken: 'valid-access-token', imapPollSeconds: '3600' });
    // Token only: no password to fall back to.
    const credentials = Object.fromEntries(
      Object.entries(inbox.credentials).filter(([key]) => key !== 'imapPassword'),
    );
    harness = await startImapHarness({ inboxes: [{ ...inbox, credentials }] });
    const h = harness;
    await waitUntil(() => h.sink.entries.length === 1, 'the message over an XOAUTH2 session');
    assert.ok(tokensSeen.includes('valid-access-token'), 'dovecot checked our token');
  });

  it('falls back to the password when the token is refused', async () => {
    await dovecot.append('oauth', testMail({ id: 'oauth-2' }));
    tokensSeen.length = 0;
    harness = await startImapHarness({
      inboxes: [imapInbox(dovecot, { imapAccessToken: 'expired-access-token', imapPollSeconds: '3600' })],
    });
    const h = harness;
    await waitUntil(() => h.sink.entries.length === 2, 'both messages over a password session');
    assert.ok(tokensSeen.includes('expired-access-token'), 'the token was tried first');
  });
});
