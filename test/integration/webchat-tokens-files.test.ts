/**
 * Visitor tokens that expire (WEBCHAT_VISITOR_TOKEN_TTL_DAYS, sliding: every connection gets a fresh
 * token, a long-lived socket is handed one) and attachments the visitor downloads back through the
 * authenticated endpoint: their own uploads and files an agent sent, for the token that owns the
 * conversation only (another visitor's token gets 404, like a message that does not exist).
 */
import assert from 'node:assert/strict';
import { identityHash } from '../../connectors/webchat/visitor-token';
import type { WidgetMessage } from '../../connectors/webchat/webchat-events';
import { createManualClock } from '../../server/lib/clock';
import { startTestHub, type RunningTestHub } from '../support/test-stack';
import { clientId, connectVisitor, type TestVisitor } from '../support/webchat-visitor';

const SECRET = 'tokens-files-identity-secret-0123456789';
const DAY_MS = 86_400_000;
const PNG = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), Buffer.alloc(64, 7)]);
const PDF = Buffer.from('%PDF-1.4\n% an invoice\n%%EOF\n');

describe('web chat visitor tokens (expiry, refresh) and attachment downloads', function () {
  this.timeout(60_000);
  const clock = createManualClock(new Date('2026-12-07T02:00:00Z'));
  let running: RunningTestHub;
  const visitors: TestVisitor[] = [];
  const visitor = async (auth: Record<string, unknown> = { inbox: 'demo' }) => {
    const v = await connectVisitor(running.baseUrl, auth);
    visitors.push(v);
    return v;
  };

  before(async () => {
    running = await startTestHub({
      clock,
      configOverrides: { WEBCHAT_VISITOR_TOKEN_TTL_DAYS: '2', WEBCHAT_IDENTITY_SECRET: SECRET },
    });
  });
  afterEach(() => {
    for (const v of visitors.splice(0)) v.close();
  });
  after(async () => running?.close());

  const upload = async (token: string, type: string, body: Buffer, filename: string) => {
    const res = await fetch(`${running.baseUrl}/webchat/upload?clientId=${clientId()}&filename=${filename}`, {
      method: 'POST',
      headers: { 'content-type': type, authorization: `Bearer ${token}` },
      body: new Uint8Array(body),
    });
    return {
      status: res.status,
      body: (await res.json()) as { message?: WidgetMessage; error?: { code: string } },
    };
  };
  const download = (url: string, token?: string) =>
    fetch(`${running.baseUrl}${url}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

  describe('attachment downloads', () => {
    it('serves the visitor their own upload, inline for an image, and 404 to another visitor', async () => {
      const owner = await visitor();
      const sent = await upload(owner.session().token, 'image/png', PNG, 'photo.png');
      assert.equal(sent.status, 201, JSON.stringify(sent.body));
      const attachment = sent.body.message!.attachments[0]!;
      assert.equal(attachment.url, `/webchat/attachments/${sent.body.message!.id}/0`);

      const mine = await download(attachment.url, owner.session().token);
      assert.equal(mine.status, 200);
      assert.equal(mine.headers.get('content-type'), 'image/png');
      assert.match(mine.headers.get('content-disposition') ?? '', /^inline/);
      assert.equal(mine.headers.get('cache-control'), 'private, no-store');
      assert.deepEqual(Buffer.from(await mine.arrayBuffer()), PNG);

      // Another visitor with a conversation of their own: same URL, their token: not found.
      const other = await visitor();
      assert.equal((await other.send('I have my own chat')).ok, true);
      const theirs = await download(attachment.url, other.session().token);
      assert.equal(theirs.status, 404);
      assert.equal(((await theirs.json()) as { error: { code: string } }).error.code, 'NOT_FOUND');
      // No token, a forged one, an index past the end, a malformed id.
      assert.equal((await download(attachment.url)).status, 401);
      const token = owner.session().token;
      const forged = `${token.slice(0, token.lastIndexOf('.'))}.${'A'.repeat(43)}`;
      assert.equal((await download(attachment.url, forged)).status, 401);
      assert.equal((await download(attachment.url.replace(/0$/, '1'), token)).status, 404);
      assert.equal((await download('/webchat/attachments/not-an-id/0', token)).status, 404);
      // A Chinese file name survives (RFC 8187 filename*), with an ASCII fallback.
      const receipt = await upload(token, 'image/png', PNG, encodeURIComponent('收据.png'));
      const named = await download(receipt.body.message!.attachments[0]!.url, token);
      assert.equal(
        named.headers.get('content-disposition'),
        `inline; filename="__.png"; filename*=UTF-8''${encodeURIComponent('收据.png')}`,
      );
    });

    it('delivers a file an agent sent live with its link, as a download the visitor can fetch', async () => {
      const v = await visitor();
      const opened = await v.send('Can you send me the invoice?');
      const conversationId = (opened.message as { conversationId: string }).conversationId;
      const hub = running.hub;
      const stored = await hub.attachments.store.put(PDF, {
        filename: 'invoice.pdf',
        contentType: 'application/pdf',
      });
      const conversation = await hub.conversations.conversations.findConversation(conversationId);
      const seq = await hub.conversations.conversations.allocateSeq(conversationId, { openOnly: false });
      const { message } = await hub.conversations.timeline.insertMessage({
        conversationId,
        contactId: conversation!.contactId,
        seq: seq!,
        direction: 'outbound',
        kind: 'message',
        channel: 'webchat',
        inboxId: 'webchat',
        authorId: null,
        text: 'Here is your invoice.',
        status: 'queued',
        occurredAt: clock.now(),
        attachments: [
          {
            id: 'invoice',
            storageKey: stored.storageKey,
            filename: 'invoice.pdf',
            contentType: 'application/pdf',
            size: stored.size,
          },
        ],
      } as never);
      await hub.outbound.enqueue(String(message._id));
      const live = await v.waitFor('agent file', () =>
        v.messages.find((m) => m.from === 'agent' && m.attachments.length),
      );
      const link = live.attachments[0]!;
      assert.deepEqual(
        { filename: link.filename, contentType: link.contentType },
        { filename: 'invoice.pdf', contentType: 'application/pdf' },
      );
      const res = await download(link.url, v.session().token);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-disposition') ?? '', /^attachment; filename="invoice\.pdf"/);
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), PDF);
      // The history after a reload carries the same link.
      const history = await v.emit('history', { afterSeq: 0 });
      const items = history.items as WidgetMessage[];
      assert.equal(items.find((m) => m.id === live.id)?.attachments[0]?.url, link.url);
    });
  });

  describe('token lifetime', () => {
    it('refuses an expired token clearly: a fresh anonymous session, no history, uploads 401 TOKEN_EXPIRED', async () => {
      const first = await visitor();
      assert.equal((await first.send('hello before the weekend')).ok, true);
      const old = first.session().token;
      first.close();
      clock.advance(2 * DAY_MS + 1_000);
      const again = await visitor({ inbox: 'demo', token: old });
      assert.equal(again.session().tokenRefused, 'expired');
      assert.equal(again.session().conversation, null);
      assert.notEqual(again.session().token, old);
      const history = await again.emit('history', { afterSeq: 0 });
      assert.deepEqual(history.items, []);
      const refused = await upload(old, 'image/png', PNG, 'late.png');
      assert.deepEqual([refused.status, refused.body.error?.code], [401, 'TOKEN_EXPIRED']);
      // The fresh token works.
      assert.equal((await upload(again.session().token, 'image/png', PNG, 'now.png')).status, 201);
    });

    it('says a forged token was refused and carries on as a new visitor', async () => {
      const v = await visitor({ inbox: 'demo', token: 'v1.eyJrIjoidl8xIn0.forged-signature' });
      assert.equal(v.session().tokenRefused, 'invalid');
      assert.equal((await v.send('still works')).ok, true);
    });

    it('keeps a token valid while it is used: each visit issues a fresh one, a long-lived socket is handed one', async () => {
      const v = await visitor();
      const dayOne = await v.send('day one');
      assert.equal(dayOne.ok, true);
      const conversationId = (dayOne.message as { conversationId: string }).conversationId;
      // 1.5 days later (inside the 2-day lifetime) the socket is used: it gets a new token.
      clock.advance(1.5 * DAY_MS);
      assert.equal((await v.send('day two')).ok, true);
      const pushed = await v.waitFor('token refresh', () => v.events.find((e) => e.name === 'token'));
      const fresh = (pushed.payload as { token: string }).token;
      assert.notEqual(fresh, v.session().token);
      v.close();
      // Another 1.5 days: the first token is past its lifetime, the refreshed one is not.
      clock.advance(1.5 * DAY_MS);
      const expired = await visitor({ inbox: 'demo', token: v.session().token });
      assert.equal(expired.session().tokenRefused, 'expired');
      const resumed = await visitor({ inbox: 'demo', token: fresh });
      assert.equal(resumed.session().tokenRefused, undefined);
      const sent = await resumed.send('day three');
      assert.equal((sent.message as { conversationId: string }).conversationId, conversationId);
    });

    it('lets a verified identity find its history with a fresh token after its old one expired', async () => {
      const identity = {
        identifier: 'mei@shop.example',
        identifierHash: identityHash(SECRET, 'mei@shop.example'),
      };
      const laptop = await visitor({ inbox: 'demo', identity });
      const opened = await laptop.send('order 1234 is late');
      const conversationId = (opened.message as { conversationId: string }).conversationId;
      const old = laptop.session().token;
      laptop.close();
      clock.advance(3 * DAY_MS);
      // An expired token plus the site's identity: refused token said, same person, same conversation.
      const phone = await visitor({ inbox: 'demo', token: old, identity });
      assert.equal(phone.session().tokenRefused, 'expired');
      assert.equal(phone.session().identified, true);
      assert.equal(phone.session().conversation?.id, conversationId);
      const history = await phone.emit('history', { afterSeq: 0 });
      assert.deepEqual(
        (history.items as WidgetMessage[]).map((m) => m.text),
        ['order 1234 is late'],
      );
    });
  });
});
