/**
 * What an agent reads of a reply (pure): the new text without the quoted history and the signature, in
 * English, German and Chinese clients' styles. The full original stays on the message; when trimming
 * would leave nothing (a mail that is only a forward), the whole text is shown.
 */
import EmailReplyParser from 'email-reply-parser';
import sanitizeHtml from 'sanitize-html';

/** Lines where a client starts the quoted original (Outlook, Gmail, Apple Mail, Foxmail, QQ, 163). */
const QUOTE_HEADERS: RegExp[] = [
  /^-{2,}\s*(original message|ursprüngliche nachricht|原始邮件|原始郵件|forwarded message)\s*-{2,}/i,
  /^_{10,}\s*$/,
  /^(from|von|发件人|寄件者|發件人)\s*[:：]\s*\S.*$/i,
  /^on .{4,200}\bwrote:\s*$/i,
  /^am .{4,200} schrieb .{0,200}:\s*$/i,
  /^(在|于|於)\s*.{4,200}(写道|寫道)\s*[:：]?\s*$/,
  /^.{4,120}\s(写道|寫道)\s*[:：]\s*$/,
];

/** The part of a plain-text reply before the quoted history, without a trailing signature. */
export function trimReplyText(text: string): string {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const cut = lines.findIndex((line) => QUOTE_HEADERS.some((pattern) => pattern.test(line.trim())));
  const head = (cut >= 0 ? lines.slice(0, cut) : lines).join('\n');
  let visible: string;
  try {
    visible = new EmailReplyParser().parseReply(head);
  } catch {
    visible = head;
  }
  // "-- " (RFC 3676) starts a signature; the parser keeps some of them.
  visible = visible.replace(/\n-- ?\n[\s\S]*$/, '').trim();
  return visible || text.trim();
}

const QUOTE_CLASSES =
  /\b(gmail_quote|gmail_extra|moz-cite-prefix|yahoo_quoted|OutlookMessageHeader|x_divRplyFwdMsg)\b/;
const QUOTE_IDS = /^(divRplyFwdMsg|appendonsend|reply-intro|isForwardContent|origbody|QQMailOriginal)/i;

/** HTML without its quoted blocks (`blockquote type=cite`, Gmail/Outlook/Thunderbird/QQ quote wrappers). */
export function trimReplyHtml(html: string): string {
  const trimmed = sanitizeHtml(html, {
    allowedTags: false,
    allowedAttributes: false,
    allowVulnerableTags: true,
    // Only quotes go here; the hub's sanitizer decides about schemes (cid: stays for inline images).
    allowedSchemes: ['http', 'https', 'mailto', 'tel', 'cid', 'data'],
    exclusiveFilter: (frame) =>
      (frame.tag === 'blockquote' && (frame.attribs.type === 'cite' || 'cite' in frame.attribs)) ||
      QUOTE_CLASSES.test(frame.attribs.class ?? '') ||
      QUOTE_IDS.test(frame.attribs.id ?? ''),
  });
  const hasContent = sanitizeHtml(trimmed, { allowedTags: ['img'], allowedAttributes: false }).trim() !== '';
  return hasContent ? trimmed : html;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** Readable text of an HTML-only mail (mailparser gives none): block ends become line breaks. */
export function htmlToText(html: string): string {
  const marked = html
    .replace(/<(br|\/p|\/div|\/tr|\/li|\/h[1-6]|\/table|\/blockquote)\b[^>]*>/gi, '$&\n')
    .replace(/<td\b[^>]*>/gi, ' ');
  const bare = sanitizeHtml(marked, {
    allowedTags: [],
    allowedAttributes: {},
    nonTextTags: ['style', 'script', 'title', 'head'],
  });
  return bare
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (entity, name: string) => {
      if (name.startsWith('#x') || name.startsWith('#X'))
        return String.fromCodePoint(parseInt(name.slice(2), 16));
      if (name.startsWith('#')) return String.fromCodePoint(Number(name.slice(1)));
      return ENTITIES[name.toLowerCase()] ?? entity;
    })
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
