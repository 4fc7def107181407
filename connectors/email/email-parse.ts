/**
 * Raw RFC 822 bytes → what the hub ingests: an `InboundEvent` for a mail, or a `StatusEvent` for a
 * delivery status report about a mail we sent. Shared by every way mail arrives (SMTP listener, relay
 * endpoint, IMAP mailboxes). Pure apart from parsing: no storage, no network.
 *
 * Charsets: mailparser reads the message; when its reading holds U+FFFD (raw 8-bit headers, a lying or
 * missing charset label, GB2312-labelled GBK, undeclared ISO-2022-JP), the repaired bytes are read again
 * with a decoder that falls back through the charsets legacy mail uses (see email-charset.ts).
 */
import { createHash } from 'node:crypto';
import {
  simpleParser,
  type AddressObject,
  type Attachment,
  type ParsedMail as MailparserMail,
} from 'mailparser';
import type { InboundAttachment, InboundEvent, StatusEvent } from '../channel';
import { FallbackIconv, hasIso2022JpEscapes, replacementCount, repairRawMessage } from './email-charset';
import {
  authenticationResults,
  automatedReason,
  originalMessageId,
  parseDeliveryStatus,
  type HeaderLookup,
} from './email-classify';
import { htmlToText, trimReplyHtml, trimReplyText } from './email-reply-trim';

export interface ParseInboundMailOptions {
  /** The inbox the mail was delivered to. */
  inboxId: string;
  /** Domains we send from (our Message-IDs, inbox addresses): mail from them is ours coming back. */
  ourDomains: string[];
  /** When it reached us or the mailbox (IMAP INTERNALDATE): the timeline orders by it. */
  receivedAt: Date;
  /** SMTP envelope recipients, when known: a `reply+<token>@` address may be only there (Bcc). */
  envelopeTo?: string[];
}

export type ParsedMail =
  { kind: 'message'; event: InboundEvent } | { kind: 'bounce'; status: StatusEvent; undeliverable?: string };

const LIMITS = { text: 200_000, html: 2_000_000, subject: 2_000, name: 500, attachments: 50 } as const;
const PARSE_OPTIONS = {
  keepCidLinks: true,
  keepDeliveryStatus: true,
  skipTextToHtml: true,
  skipImageLinks: true,
};
const REPLY_TOKEN = /^reply\+([A-Za-z0-9_-]{6,64})@(.+)$/i;

const clip = (text: string | undefined, max: number) =>
  text === undefined ? undefined : text.length > max ? text.slice(0, max) : text;
/** A character we could not decode at all (one byte of a split sequence) is dropped, never shown as �. */
const dropReplacement = (text: string | undefined) => text?.replace(/\uFFFD/g, '');

function badness(mail: MailparserMail): number {
  const html = typeof mail.html === 'string' ? mail.html : '';
  const text = `${mail.subject ?? ''}${mail.from?.text ?? ''}${mail.text ?? ''}${html}`;
  return replacementCount(text) + (hasIso2022JpEscapes(text) ? 1_000 : 0);
}

/** mailparser's reading, repaired and read again when the first reading lost characters. */
async function readMail(raw: Buffer): Promise<MailparserMail> {
  const first = await simpleParser(raw, PARSE_OPTIONS);
  if (badness(first) === 0) return first;
  const options = { ...PARSE_OPTIONS, Iconv: FallbackIconv } as unknown as typeof PARSE_OPTIONS;
  const second = await simpleParser(repairRawMessage(raw), options);
  return badness(second) < badness(first) ? second : first;
}

function headerLookup(mail: MailparserMail): HeaderLookup {
  return (name) =>
    mail.headerLines
      .filter((line) => line.key === name)
      .map((line) =>
        line.line
          .slice(line.line.indexOf(':') + 1)
          .replace(/\r?\n[ \t]+/g, ' ')
          .trim(),
      );
}

const addressesOf = (field: AddressObject | AddressObject[] | undefined): string[] =>
  (Array.isArray(field) ? field : field ? [field] : [])
    .flatMap((object) => object.value)
    .map((entry) => entry.address?.trim().toLowerCase() ?? '')
    .filter(Boolean);

/** The sender: the first From with an address (some spam carries an address-less From first). */
async function senderOf(mail: MailparserMail): Promise<{ address: string; name?: string } | null> {
  const replyTo = mail.replyTo?.value[0];
  const candidates = [mail.from?.value[0]];
  if (!candidates[0]?.address)
    for (const line of mail.headerLines.filter((entry) => entry.key === 'from').slice(1)) {
      const reread = await simpleParser(Buffer.from(`${line.line}\r\n\r\n`, 'utf8'));
      candidates.push(reread.from?.value[0]);
    }
  // No usable From at all (spam, broken scripts): Reply-To is where an answer would go.
  const found = candidates.find((entry) => entry?.address) ?? (replyTo?.address ? replyTo : undefined);
  if (!found?.address) return null;
  const name = dropReplacement(found.name)?.trim();
  return { address: found.address.trim().toLowerCase(), ...(name ? { name: clip(name, LIMITS.name) } : {}) };
}

function referencesOf(mail: MailparserMail): string[] {
  const raw = mail.references;
  const list = Array.isArray(raw) ? raw : raw ? raw.split(/\s+/) : [];
  return list
    .map((id) => id.trim())
    .filter((id) => /^<[^<>\s]+>$/.test(id))
    .slice(-100);
}

function replyTokenOf(recipients: string[], ourDomains: readonly string[]): string | undefined {
  for (const address of recipients) {
    const match = REPLY_TOKEN.exec(address);
    if (!match?.[1]) continue;
    const domain = (match[2] ?? '').toLowerCase();
    if (ourDomains.length === 0 || ourDomains.some((ours) => ours.toLowerCase() === domain)) return match[1];
  }
  return undefined;
}

function localeOf(header: HeaderLookup, text: string): string | undefined {
  const declared = header('content-language')[0]?.split(/[,\s]/)[0];
  if (declared && /^[a-z]{2}(-[A-Za-z]{2,4})?$/i.test(declared)) return declared;
  if (/[\u3040-\u30ff]/.test(text)) return 'ja';
  if (/[\uac00-\ud7af]/.test(text)) return 'ko';
  if (/[\u4e00-\u9fff]/.test(text)) return 'zh-CN';
  return undefined;
}

function toAttachment(part: Attachment): InboundAttachment {
  const contentId = part.contentId?.replace(/^<|>$/g, '');
  return {
    contentType: part.contentType || 'application/octet-stream',
    ...(part.filename ? { filename: clip(dropReplacement(part.filename), 400) } : {}),
    size: part.size ?? part.content.length,
    data: part.content,
    ...(contentId ? { contentId } : {}),
  };
}

/**
 * The bytes a mail without a Message-ID is named by: line ends and trailing blank lines differ between
 * transports (an MTA writes CRLF, a maildir LF), the mail does not.
 */
const canonicalBytes = (raw: Buffer) =>
  Buffer.from(raw.toString('latin1').replace(/\r\n/g, '\n').replace(/\s+$/, ''), 'latin1');

/** `<img src="http…">` in HTML: each one is blocked in what is stored for display. */
const countRemoteImages = (html: string) =>
  (html.match(/<img\b[^>]*\bsrc\s*=\s*["']?\s*(https?:)?\/\//gi) ?? []).length;

/** A delivery status report about one of our mails, or null when it is not one (or names no original). */
function bounceOf(mail: MailparserMail, options: ParseInboundMailOptions): ParsedMail | null {
  const reports = mail.attachments.filter((part) => part.contentType === 'message/delivery-status');
  if (reports.length === 0) return null;
  const failure = parseDeliveryStatus(reports.map((part) => part.content.toString('utf8')).join('\n\n'));
  if (!failure) return null;
  const returned = mail.attachments.find((part) =>
    ['message/rfc822', 'text/rfc822-headers', 'message/rfc822-headers'].includes(part.contentType),
  );
  const original = (returned && originalMessageId(returned.content.toString('utf8'))) ?? mail.inReplyTo;
  if (!original) return null;
  return {
    kind: 'bounce',
    status: {
      channel: 'email',
      inboxId: options.inboxId,
      externalId: original.trim(),
      status: 'failed',
      occurredAt: options.receivedAt,
      error: {
        code: `SMTP_${failure.status}`,
        message: `${failure.recipient ?? 'The recipient'}: ${failure.diagnostic}`.slice(0, 2_000),
      },
    },
    ...(failure.isHard && failure.recipient ? { undeliverable: failure.recipient } : {}),
  };
}

/**
 * Parses one raw mail. A delivery status report (RFC 3464) that names the mail it returns becomes a
 * `failed` status for that mail (a 5.x.x one also names the address that cannot receive mail); anything
 * else becomes an inbound message, automated mail marked as such (`isAutomated`, with the reason).
 */
export async function parseInboundMail(raw: Buffer, options: ParseInboundMailOptions): Promise<ParsedMail> {
  const mail = await readMail(raw);
  const bounce = bounceOf(mail, options);
  if (bounce) return bounce;

  const header = headerLookup(mail);
  const sender = await senderOf(mail);
  const fromAddress =
    sender?.address ??
    (header('return-path')[0]
      ?.replace(/[<>\s]/g, '')
      .toLowerCase() ||
      undefined);
  const to = addressesOf(mail.to);
  const cc = addressesOf(mail.cc);
  const messageId = mail.messageId?.trim();
  const subject = clip(dropReplacement(mail.subject)?.trim(), LIMITS.subject);
  const fullHtml = typeof mail.html === 'string' && mail.html.trim() ? mail.html : undefined;
  const fullText = (mail.text ?? (fullHtml ? htmlToText(fullHtml) : '')).replace(/\uFFFD/g, '');
  const displayHtml = fullHtml ? trimReplyHtml(fullHtml) : undefined;
  const reason = automatedReason({ header, fromAddress, messageId, ourDomains: options.ourDomains });
  const authentication = authenticationResults(header('authentication-results'));
  const replyToken = replyTokenOf(
    [...(options.envelopeTo ?? []).map((a) => a.toLowerCase()), ...to, ...cc],
    options.ourDomains,
  );
  const ticket = /\[#(\d{1,9})\]/.exec(subject ?? '')?.[1];
  const references = referencesOf(mail);
  const attachments = mail.attachments
    .filter((part) => !['message/delivery-status'].includes(part.contentType))
    .slice(0, LIMITS.attachments)
    .map(toAttachment);

  const externalId =
    messageId && messageId.length <= 500
      ? messageId
      : `<${createHash('sha256').update(canonicalBytes(raw)).digest('hex')}@omnihub.invalid>`;
  const event: InboundEvent = {
    channel: 'email',
    inboxId: options.inboxId,
    externalId,
    // When it reached us: a Date header has whole seconds and the sender's clock, so a quick answer would
    // sort before the reply it answers. (An IMAP mailbox passes the time the server received it.)
    occurredAt: options.receivedAt,
    from: {
      externalId: fromAddress ?? 'unknown@invalid',
      email: fromAddress ?? 'unknown@invalid',
      ...(sender?.name ? { name: sender.name } : {}),
    },
    kind: 'message',
    text:
      clip(trimReplyText(mail.text ?? (displayHtml ? htmlToText(displayHtml) : fullText)), LIMITS.text) ?? '',
    ...(displayHtml ? { html: clip(displayHtml, LIMITS.html) } : {}),
    ...(subject ? { subject } : {}),
    ...(attachments.length ? { attachments } : {}),
    thread: {
      ...(messageId ? { messageId } : {}),
      ...(mail.inReplyTo ? { inReplyTo: mail.inReplyTo.trim() } : {}),
      ...(references.length ? { references } : {}),
      ...(ticket ? { ticketNumber: Number(ticket) } : {}),
      ...(replyToken ? { replyToken } : {}),
    },
    isAutomated: reason !== null,
    email: {
      to,
      cc,
      fullText: clip(fullText, LIMITS.text) ?? '',
      // The full HTML only when trimming removed something (`html` is the whole mail otherwise): one copy
      // of a large newsletter, not two, in the message document.
      ...(fullHtml
        ? {
            ...(displayHtml !== fullHtml ? { fullHtml: clip(fullHtml, LIMITS.html) } : {}),
            remoteImages: countRemoteImages(fullHtml),
          }
        : {}),
      ...(reason ? { automatedReason: reason } : {}),
      ...(Object.keys(authentication).length ? { authentication } : {}),
      raw,
    },
  };
  const locale = localeOf(header, `${subject ?? ''} ${fullText.slice(0, 2_000)}`);
  if (locale) event.hints = { locale };
  return { kind: 'message', event };
}
