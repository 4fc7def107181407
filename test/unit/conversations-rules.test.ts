import assert from 'node:assert/strict';
import { Types } from 'mongoose';
import {
  canChangeStatus,
  canSeeConversation,
  decodeCursor,
  encodeCursor,
  escapeRegExp,
  parseTicketNumber,
  statusesBefore,
  ticketNumberFromSubject,
} from '../../server/modules/conversations/conversation-rules';
import {
  toConversationSummary,
  toMessageSummary,
} from '../../server/modules/conversations/conversation-views';
import { sanitizeMessageHtml } from '../../server/modules/conversations/html-sanitizer';

describe('conversation rules', () => {
  const agent = { agentId: 'a1', role: 'agent', teamIds: ['t1'] };

  it('lets agents see their teams’ and their own conversations, supervisors and admins all', () => {
    assert.equal(canSeeConversation(agent, { teamId: 't1', assigneeId: null }), true);
    assert.equal(canSeeConversation(agent, { teamId: 't2', assigneeId: 'a1' }), true);
    assert.equal(canSeeConversation(agent, { teamId: 't2', assigneeId: null, ownerId: 'a1' }), true);
    assert.equal(canSeeConversation(agent, { teamId: 't2', assigneeId: 'a2' }), false);
    assert.equal(canSeeConversation(agent, { teamId: null, assigneeId: null }), false);
    assert.equal(canSeeConversation({ ...agent, role: 'supervisor', teamIds: [] }, { teamId: 't9' }), true);
    assert.equal(canSeeConversation({ ...agent, role: 'admin', teamIds: [] }, { teamId: null }), true);
  });

  it('follows the lifecycle: closed is final, new is never re-entered, resolved only reopens or closes', () => {
    assert.equal(canChangeStatus('new', 'open'), true);
    assert.equal(canChangeStatus('open', 'snoozed'), true);
    assert.equal(canChangeStatus('resolved', 'open'), true);
    assert.equal(canChangeStatus('resolved', 'pending'), false);
    assert.equal(canChangeStatus('closed', 'open'), false);
    assert.equal(canChangeStatus('open', 'new'), false);
  });

  it('moves delivery status only forward; failed only from queued or sent', () => {
    assert.deepEqual(statusesBefore('sent'), ['queued']);
    assert.deepEqual(statusesBefore('delivered'), ['queued', 'sent']);
    assert.deepEqual(statusesBefore('read'), ['queued', 'sent', 'delivered']);
    assert.deepEqual(statusesBefore('failed'), ['queued', 'sent']);
    assert.deepEqual(statusesBefore('queued'), []);
  });

  it('round-trips list cursors and refuses foreign ones', () => {
    const cursor = { at: new Date('2026-11-23T10:00:00.000Z'), id: new Types.ObjectId().toHexString() };
    assert.deepEqual(decodeCursor(encodeCursor(cursor)), cursor);
    assert.equal(decodeCursor('garbage'), null);
    assert.equal(decodeCursor(Buffer.from('[1,"x"]').toString('base64url')), null);
    assert.equal(decodeCursor(Buffer.from('{"$gt":1}').toString('base64url')), null);
  });

  it('reads ticket numbers from search text and subject tags', () => {
    assert.equal(parseTicketNumber('#10234'), 10234);
    assert.equal(parseTicketNumber(' 10234 '), 10234);
    assert.equal(parseTicketNumber('10234a'), null);
    assert.equal(ticketNumberFromSubject('Re: Broken kettle [#10234]'), 10234);
    assert.equal(ticketNumberFromSubject('Order #10234'), null);
    assert.equal(ticketNumberFromSubject(undefined), null);
  });

  it('escapes search text so it matches literally', () => {
    const pattern = new RegExp(escapeRegExp('a.b*(c)+'));
    assert.equal(pattern.test('xa.b*(c)+y'), true);
    assert.equal(pattern.test('aXbbc'), false);
  });
});

describe('message HTML sanitizing', () => {
  it('keeps formatting and inline images, drops scripts, handlers, remote images and javascript: links', () => {
    const html = sanitizeMessageHtml(
      '<div onmouseover="x()"><b>Hi</b><script>alert(1)</script><img src="http://t.example/p.gif">' +
        '<img src="//t.example/q.gif"><img src="cid:logo@x"><a href="javascript:alert(1)">bad</a>' +
        '<a href="https://ok.example">ok</a><iframe src="https://x"></iframe></div>',
    );
    assert.equal(
      html,
      '<div><b>Hi</b><img src="cid:logo@x" /><a rel="noopener noreferrer nofollow" target="_blank">bad</a>' +
        '<a href="https://ok.example" rel="noopener noreferrer nofollow" target="_blank">ok</a></div>',
    );
  });

  it('keeps remote images only in the copy made for an agent who asks, still without scripts', () => {
    const html = sanitizeMessageHtml(
      '<p onclick="x()">Hi<img src="https://t.example/p.gif" onerror="x()"><img src="javascript:alert(1)">' +
        '<script>alert(1)</script></p>',
      { remoteImages: true },
    );
    assert.equal(html, '<p>Hi<img src="https://t.example/p.gif" /></p>');
  });
});

describe('conversation payload mapping', () => {
  it('maps a stored conversation and message to the socket summaries', () => {
    const _id = new Types.ObjectId();
    const at = new Date('2026-11-23T10:00:00.000Z');
    const summary = toConversationSummary({
      _id,
      number: 10001,
      status: 'open',
      priority: 'high',
      category: 'complaint',
      subject: 'Broken',
      primaryChannel: 'email',
      contactId: 'c1',
      contactName: '张伟',
      contactTier: 'VIP',
      assigneeId: null,
      teamId: 't1',
      lastMessageAt: at,
      updatedAt: at,
    });
    assert.deepEqual(summary, {
      id: _id.toHexString(),
      number: 10001,
      status: 'open',
      priority: 'high',
      category: 'complaint',
      subject: 'Broken',
      channel: 'email',
      contact: { id: 'c1', name: '张伟', tier: 'VIP' },
      assigneeId: null,
      teamId: 't1',
      lastMessageAt: at.toISOString(),
      updatedAt: at.toISOString(),
    });
    const message = toMessageSummary({
      _id,
      conversationId: 'conv',
      seq: 3,
      direction: 'internal',
      kind: 'note',
      channel: 'sms',
      text: 'note',
      authorId: 'a1',
      occurredAt: at,
    });
    assert.deepEqual(message, {
      id: _id.toHexString(),
      conversationId: 'conv',
      seq: 3,
      direction: 'internal',
      kind: 'note',
      channel: 'sms',
      text: 'note',
      authorId: 'a1',
      occurredAt: at.toISOString(),
    });
  });
});
