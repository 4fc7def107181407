import assert from 'node:assert/strict';
import type { InboxSettings } from '../../connectors/channel';
import { isTransientFailure } from '../../connectors/email/imap/imap-errors';
import { hasImapMailbox, parseImapMailboxSettings } from '../../connectors/email/imap/imap-settings';

const inbox = (
  credentials: Record<string, string>,
  overrides: Partial<InboxSettings> = {},
): InboxSettings => ({
  id: 'inbox-1',
  name: 'Support',
  channel: 'email',
  address: 'support@example.com',
  teamId: null,
  credentials,
  enabled: true,
  revision: 4,
  ...overrides,
});
const defaults = { pollIntervalMs: 60_000 };

describe('IMAP mailbox settings from inbox credentials', () => {
  it('defaults to TLS on 993, INBOX, IDLE, the inbox address as user and no post-processing', () => {
    const parsed = parseImapMailboxSettings(
      inbox({ imapHost: 'imap.example.com', imapPassword: 'pw' }),
      defaults,
    );
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.settings, {
      inboxId: 'inbox-1',
      revision: 4,
      host: 'imap.example.com',
      port: 993,
      security: 'tls',
      user: 'support@example.com',
      password: 'pw',
      mailbox: 'INBOX',
      idle: true,
      pollIntervalMs: 60_000,
      afterProcess: { action: 'none' },
    });
  });

  it('reads port, STARTTLS, token, folder, poll interval and a move target', () => {
    const parsed = parseImapMailboxSettings(
      inbox({
        imapHost: 'mail.example.com',
        imapPort: '143',
        imapUser: 'helpdesk',
        imapAccessToken: 'ya29.token',
        imapMailbox: 'Support',
        imapIdle: 'false',
        imapPollSeconds: '2.5',
        imapAfterProcess: 'move',
        imapMoveTo: 'Archive/Done',
      }),
      defaults,
    );
    assert.ok(parsed.ok);
    assert.equal(parsed.settings.security, 'starttls');
    assert.equal(parsed.settings.port, 143);
    assert.equal(parsed.settings.accessToken, 'ya29.token');
    assert.equal(parsed.settings.password, undefined);
    assert.equal(parsed.settings.idle, false);
    assert.equal(parsed.settings.pollIntervalMs, 2500);
    assert.deepEqual(parsed.settings.afterProcess, { action: 'move', folder: 'Archive/Done' });
  });

  it('names what is wrong without echoing secrets', () => {
    const noSecret = parseImapMailboxSettings(inbox({ imapHost: 'imap.example.com' }), defaults);
    assert.ok(!noSecret.ok);
    assert.match(noSecret.error, /imapPassword or imapAccessToken/);
    const badPort = parseImapMailboxSettings(
      inbox({ imapHost: 'imap.example.com', imapPort: 'http', imapPassword: 'secret-value' }),
      defaults,
    );
    assert.ok(!badPort.ok);
    assert.match(badPort.error, /imapPort/);
    assert.ok(!badPort.error.includes('secret-value'));
    const moveNowhere = parseImapMailboxSettings(
      inbox({ imapHost: 'h', imapPassword: 'p', imapAfterProcess: 'move' }),
      defaults,
    );
    assert.ok(!moveNowhere.ok);
    assert.match(moveNowhere.error, /imapMoveTo/);
  });

  it('counts only email inboxes with an IMAP host as mailboxes', () => {
    assert.equal(hasImapMailbox(inbox({ imapHost: 'h', imapPassword: 'p' })), true);
    assert.equal(hasImapMailbox(inbox({ smtpUrl: 'smtp://x' })), false);
    assert.equal(hasImapMailbox(inbox({ imapHost: 'h' }, { channel: 'sms' })), false);
  });
});

describe('IMAP failure classification', () => {
  it('treats storage outages as transient and everything about the message as charged', () => {
    assert.equal(isTransientFailure(Object.assign(new Error('x'), { name: 'MongoNetworkError' })), true);
    assert.equal(isTransientFailure(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })), true);
    assert.equal(
      isTransientFailure(Object.assign(new Error('x'), { code: 'UNAVAILABLE', status: 503 })),
      true,
    );
    assert.equal(
      isTransientFailure(new Error('Operation `messages.insertOne()` buffering timed out after 10000ms')),
      true,
    );
    assert.equal(
      isTransientFailure(
        new Error('wrapper', { cause: Object.assign(new Error('x'), { code: 'ETIMEDOUT' }) }),
      ),
      true,
    );
    assert.equal(
      isTransientFailure(Object.assign(new Error('bad'), { code: 'INVALID_INPUT', status: 400 })),
      false,
    );
    assert.equal(isTransientFailure(new TypeError('cannot read properties of undefined')), false);
    assert.equal(isTransientFailure('nope'), false);
  });
});
