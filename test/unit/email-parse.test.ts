import assert from 'node:assert/strict';
import { parseInboundMail, type ParsedMail } from '../../connectors/email/email-parse';
import { htmlToText } from '../../connectors/email/email-reply-trim';
import { loadMailFixtures } from '../support/email-fixtures';

const OPTIONS = {
  inboxId: 'email',
  ourDomains: ['demo.omnihub'],
  receivedAt: new Date('2026-12-03T09:00:00Z'),
};
const parse = (raw: string | Buffer, extra: Partial<typeof OPTIONS> & { envelopeTo?: string[] } = {}) =>
  parseInboundMail(Buffer.isBuffer(raw) ? raw : Buffer.from(raw.replace(/\n/g, '\r\n')), {
    ...OPTIONS,
    ...extra,
  });

function message(parsed: ParsedMail) {
  assert.equal(parsed.kind, 'message');
  return parsed.event;
}

/**
 * Text as a person reads it, for comparing with Zammad's expectation: tags gone, entities decoded, white
 * space and case ignored (Zammad joins a mixed mail's parts without a separator and keeps an HTML part's
 * case where mailparser's text upper-cases headings).
 */
const readable = (text: string, isHtml = false) =>
  (isHtml ? htmlToText(text) : text).replace(/\s+/g, '').toLowerCase();
/** Zammad drops a colon after a ticket-like word in some subjects (mail089); the rest must be equal. */
const subjectOf = (text: string) => text.replace(/[:：]/g, '').replace(/\s+/g, ' ').trim();
const looksLikeHtml = (body: string, contentType?: string) =>
  contentType === 'text/html' || /<(div|p|br|table|span|a)\b[^>]*>/i.test(body);

const mail = (headers: string, body = 'Hello, my kettle is broken.') =>
  `From: Li Wei <li.wei@example.com>\nTo: support@demo.omnihub\nSubject: Kettle\nMessage-ID: <m1@example.com>\n${headers}${headers ? '\n' : ''}\n${body}\n`;

describe('email parse: the real-world mail corpus', () => {
  for (const fixture of loadMailFixtures()) {
    it(`reads ${fixture.name} without replacement characters, as expected`, async () => {
      const parsed = await parseInboundMail(fixture.raw, OPTIONS);
      if (parsed.kind === 'bounce') {
        assert.match(parsed.status.externalId, /^<[^>]+@[^>]+>$/);
        return;
      }
      const event = parsed.event;
      for (const value of [event.subject, event.from.name, event.text, event.email?.fullText, event.html])
        assert.ok(!value?.includes('\uFFFD'), `replacement character in ${fixture.name}`);
      const expected = fixture.expected;
      if (!expected) return;
      // An address with a space in it (mail071) is not one: Zammad keeps it, we read the address part.
      if (expected.fromEmail && !/\s/.test(expected.fromEmail))
        assert.equal(event.from.email, expected.fromEmail.toLowerCase());
      if (expected.subject !== undefined)
        assert.equal(subjectOf(event.subject ?? ''), subjectOf(expected.subject));
      if (expected.body && expected.body !== 'no visible content') {
        const ours =
          readable(event.email?.fullText ?? '') +
          ' ' +
          readable(event.email?.fullHtml ?? event.html ?? '', true);
        const theirs = readable(expected.body, looksLikeHtml(expected.body, expected.contentType));
        // Zammad keeps an HTML title as the first line (mail016); a window further in must match then.
        const middle = theirs.slice(Math.floor(theirs.length / 3), Math.floor(theirs.length / 3) + 40);
        assert.ok(
          ours.includes(theirs.slice(0, 40)) || ours.includes(middle),
          `${fixture.name}: body starts ${theirs.slice(0, 40)}`,
        );
      }
    });
  }
});

describe('email parse: charsets', () => {
  const other = (name: string) => {
    const fixture = loadMailFixtures().find((entry) => entry.name === `other/${name}`);
    assert.ok(fixture, name);
    return parseInboundMail(fixture.raw, OPTIONS).then(message);
  };

  it('reads raw 8-bit Big5 headers and body (Enron spam)', async () => {
    const event = await other('mikel-mail_error_emails_content_transfer_encoding_empty.eml');
    assert.match(event.subject ?? '', /\(大補泡麵專賣\) 大家說英語/);
  });

  it('reads raw 8-bit GB2312 headers (Tencent Exmail notice)', async () => {
    const event = await other('flanker_charset-gb2312.eml');
    assert.equal(event.subject, '提示：您的企业成员暂时无法登录邮件客户端');
  });

  it('decodes GB2312-labelled encoded words that need GBK', async () => {
    const event = await other('kopano-core_inetmapi_gb2312_18030.eml');
    assert.ok(event.subject?.startsWith('讀取: '), event.subject);
  });

  it('reads Shift_JIS, ISO-2022-JP and ks_c_5601-1987 bodies', async () => {
    assert.match((await other('mikel-mail_multi_charset_japanese_shift_jis.eml')).text ?? '', /あいうえお/);
    assert.match((await other('mikel-mail_multi_charset_japanese_iso_2022.eml')).text ?? '', /すみません/);
    assert.match((await other('mikel-mail_multi_charset_ks_c_5601-1987.eml')).text ?? '', /스티해/);
  });

  it('drops an undecodable byte of a split encoded word instead of showing U+FFFD', async () => {
    const event = await other('kopano-core_inetmapi_encoded-word-split.eml');
    assert.ok(event.subject?.startsWith('☺ vų.'), event.subject);
    assert.ok(!event.subject?.includes('\uFFFD'));
  });

  it('falls back when an 8-bit body lies about its charset (GBK bytes labelled UTF-8)', async () => {
    const gbk = Buffer.from([0xc4, 0xe3, 0xba, 0xc3, 0xa3, 0xac, 0xca, 0xc0, 0xbd, 0xe7]); // 你好，世界
    const head = Buffer.from(
      'From: a@example.com\r\nTo: support@demo.omnihub\r\nSubject: hi\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n',
    );
    const event = message(await parse(Buffer.concat([head, gbk, Buffer.from('\r\n')])));
    assert.equal(event.text, '你好，世界');
  });

  it('reads windows-1250 (Czech) from the restored original bytes', async () => {
    const fixture = loadMailFixtures().find((entry) => entry.name === 'zammad/mail068.box');
    assert.ok(fixture);
    const event = message(await parseInboundMail(fixture.raw, OPTIONS));
    assert.match(event.email?.fullText ?? '', /Čtvrtek/);
  });
});

describe('email parse: automated mail and loop guard', () => {
  const cases: [string, string][] = [
    ['Auto-Submitted: auto-replied', 'Auto-Submitted'],
    ['X-Autoreply: yes', 'x-autoreply'],
    ['X-Autorespond: yes', 'x-autorespond'],
    ['Precedence: bulk', 'Precedence'],
    ['Precedence: list', 'Precedence'],
    ['Precedence: junk', 'Precedence'],
    ['Precedence: auto_reply', 'Precedence'],
    ['List-Id: <news.example.com>', 'List-Id'],
    ['List-Unsubscribe: <mailto:unsub@example.com>', 'List-Unsubscribe'],
    ['X-Loop: support@example.com', 'x-loop'],
    ['X-Auto-Response-Suppress: All', 'X-Auto-Response-Suppress'],
    ['Return-Path: <>', 'Return-Path'],
  ];
  for (const [header, reason] of cases)
    it(`marks "${header}" as automated`, async () => {
      const event = message(await parse(mail(header)));
      assert.equal(event.isAutomated, true);
      assert.ok(event.email?.automatedReason?.includes(reason), event.email?.automatedReason);
    });

  it('marks mailer-daemon senders and mail with our own Message-ID domain as automated', async () => {
    const daemon = message(
      await parse(mail('').replace('li.wei@example.com', 'MAILER-DAEMON@mx.example.com')),
    );
    assert.equal(daemon.isAutomated, true);
    const ours = message(await parse(mail('').replace('<m1@example.com>', '<abc.10001@demo.omnihub>')));
    assert.equal(ours.email?.automatedReason, 'our own Message-ID');
  });

  it('leaves a person’s mail unmarked (Auto-Submitted: no)', async () => {
    const event = message(await parse(mail('Auto-Submitted: no')));
    assert.equal(event.isAutomated, false);
    assert.equal(event.email?.automatedReason, undefined);
  });

  it('turns a delivery status report into a failed status for the returned mail, hard bounce undeliverable', async () => {
    const fixture = loadMailFixtures().find((entry) => entry.name === 'zammad/mail055.box');
    assert.ok(fixture);
    const parsed = await parseInboundMail(fixture.raw, OPTIONS);
    assert.equal(parsed.kind, 'bounce');
    assert.equal(parsed.status.externalId, '<20170526150141.232.13312@example.zammad.loc>');
    assert.equal(parsed.status.status, 'failed');
    assert.equal(parsed.status.error?.code, 'SMTP_5.1.1');
    assert.match(parsed.status.error?.message ?? '', /550-5\.1\.1 The email account that you tried to reach/);
    assert.equal(parsed.undeliverable, 'ticket-bounce-trigger2@example.com');
  });
});

describe('email parse: threading keys, content, authentication', () => {
  it('extracts Message-ID, In-Reply-To, References, the [#n] tag and the reply+ token', async () => {
    const event = message(
      await parse(
        mail('In-Reply-To: <a.10001@demo.omnihub>\nReferences: <root@example.com> <a.10001@demo.omnihub>')
          .replace('Subject: Kettle', 'Subject: Re: Kettle [#10001]')
          .replace('To: support@demo.omnihub', 'To: reply+Tok3n_abc@demo.omnihub'),
      ),
    );
    assert.deepEqual(event.thread, {
      messageId: '<m1@example.com>',
      inReplyTo: '<a.10001@demo.omnihub>',
      references: ['<root@example.com>', '<a.10001@demo.omnihub>'],
      ticketNumber: 10001,
      // Addresses are case-insensitive in practice, and so are our tokens.
      replyToken: 'tok3n_abc',
    });
    assert.equal(event.externalId, '<m1@example.com>');
  });

  it('finds a reply+ token only in the envelope (Bcc) and ignores one at a foreign domain', async () => {
    const bcc = message(await parse(mail(''), { envelopeTo: ['reply+zzzzzz99@demo.omnihub'] }));
    assert.equal(bcc.thread?.replyToken, 'zzzzzz99');
    const foreign = message(
      await parse(mail('').replace('To: support@demo.omnihub', 'To: reply+abcdefg@evil.example')),
    );
    assert.equal(foreign.thread?.replyToken, undefined);
  });

  it('trims quoted history for display and keeps the full original', async () => {
    const body =
      'Still broken, please help.\n\nOn Mon, 1 Dec 2026 at 10:00, Support <support@demo.omnihub> wrote:\n> Did you try descaling it?\n';
    const event = message(await parse(mail('', body)));
    assert.equal(event.text, 'Still broken, please help.');
    assert.match(event.email?.fullText ?? '', /Did you try descaling it\?/);
  });

  it('trims a Chinese client’s quoted original', async () => {
    const body =
      '还是坏的。\n\n------------------ 原始邮件 ------------------\n发件人: "客服" <support@demo.omnihub>\n请问您试过除垢吗？\n';
    const event = message(await parse(mail('Content-Type: text/plain; charset=utf-8', body)));
    assert.equal(event.text, '还是坏的。');
    assert.equal(event.hints?.locale, 'zh-CN');
  });

  it('keeps cid: links with the inline part’s Content-ID and counts remote images', async () => {
    const raw = [
      'From: a@example.com',
      'To: support@demo.omnihub',
      'Subject: photo',
      'Message-ID: <p1@example.com>',
      'Content-Type: multipart/related; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/html; charset=utf-8',
      '',
      '<p>See <img src="cid:photo1@x"> and <img src="https://tracker.example/p.gif"></p>',
      '--b1',
      'Content-Type: image/png',
      'Content-ID: <photo1@x>',
      'Content-Disposition: inline; filename="p.png"',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from('not really a png').toString('base64'),
      '--b1--',
      '',
    ].join('\n');
    const event = message(await parse(raw));
    assert.match(event.html ?? '', /src="cid:photo1@x"/);
    assert.equal(event.attachments?.[0]?.contentId, 'photo1@x');
    assert.equal(event.email?.remoteImages, 1);
  });

  it('records SPF, DKIM and DMARC from Authentication-Results', async () => {
    const event = message(
      await parse(
        mail(
          'Authentication-Results: mx.example.net; spf=pass smtp.mailfrom=example.com; dkim=fail header.d=example.com; dmarc=fail',
        ),
      ),
    );
    assert.deepEqual(event.email?.authentication, { spf: 'pass', dkim: 'fail', dmarc: 'fail' });
  });

  it('names a mail without a Message-ID by the hash of its bytes (a redelivery is the same mail)', async () => {
    const raw = mail('').replace('Message-ID: <m1@example.com>\n', '');
    const [first, second] = [message(await parse(raw)), message(await parse(raw))];
    assert.match(first.externalId, /^<[0-9a-f]{64}@omnihub\.invalid>$/);
    assert.equal(first.externalId, second.externalId);
  });
});
