/**
 * Pure email rules of ingest: whether a reply's subject still belongs to its conversation, and how inline
 * `cid:` images point at stored attachments.
 */

const REPLY_PREFIX =
  /^\s*((re|aw|sv|antw|antwort|fw|fwd|wg|tr|回复|答复|转发|回覆|轉寄)\s*(\[\d+\])?\s*[:：]\s*)+/i;
const TAGS = /\[(#\d+|ticket#\d+)\]|\[#\d+\]/gi;

/** A subject without reply/forward prefixes, ticket tags, case and extra white space. */
export function normalizeSubject(subject: string | undefined | null): string {
  let text = (subject ?? '').replace(TAGS, ' ');
  for (let i = 0; i < 5 && REPLY_PREFIX.test(text); i++) text = text.replace(REPLY_PREFIX, '');
  return text.replace(/\s+/g, ' ').trim().toLowerCase();
}

/** Words, and character pairs for scripts written without spaces (Chinese, Japanese). */
function terms(text: string): Set<string> {
  const result = new Set<string>();
  for (const word of text.split(/[^\p{L}\p{N}]+/u)) {
    if (!word) continue;
    if (/[\u3040-\u30ff\u3400-\u9fff]/.test(word)) {
      for (let i = 0; i < word.length - 1; i++) result.add(word.slice(i, i + 2));
      if (word.length === 1) result.add(word);
    } else if (word.length > 2) result.add(word);
  }
  return result;
}

/**
 * True when a reply's subject was changed to something unrelated to the conversation's (a customer
 * reusing an old mail for a new request): the agent is shown a possible new request. An unchanged,
 * shortened or extended subject, or a missing one, is related.
 */
export function isUnrelatedSubject(
  reply: string | undefined,
  conversation: string | undefined | null,
): boolean {
  const a = normalizeSubject(reply);
  const b = normalizeSubject(conversation);
  if (!a || !b || a === b || a.includes(b) || b.includes(a)) return false;
  const left = terms(a);
  const right = terms(b);
  if (left.size === 0 || right.size === 0) return false;
  let shared = 0;
  for (const term of left) if (right.has(term)) shared++;
  return shared / Math.min(left.size, right.size) < 0.34;
}

/** `src="cid:<id>"` → the stored attachment's download path, for each inline part that was stored. */
export function resolveCidLinks(html: string, stored: ReadonlyMap<string, string>): string {
  if (stored.size === 0) return html;
  return html.replace(/(["'(])cid:([^"')\s>]+)/gi, (match, quote: string, id: string) => {
    const key = stored.get(decodeURIComponent(id).replace(/^<|>$/g, '').toLowerCase());
    return key ? `${quote}/api/attachments/${encodeURIComponent(key)}` : match;
  });
}
