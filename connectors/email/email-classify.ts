/**
 * Pure rules over a mail's headers: is it automated (auto-reply, list, bounce, our own mail coming back),
 * what did an upstream relay record about SPF/DKIM/DMARC, and what does a delivery status report
 * (RFC 3464) say about which recipient failed and why.
 */

/** Header name (lowercase) → its values, as the classifier reads them. */
export type HeaderLookup = (name: string) => string[];

const AUTOMATED_SENDER =
  /^(mailer-daemon|postmaster|no-?reply|do-?not-?reply|bounces?|auto-?reply)([+-].*)?@/i;

/**
 * Why a mail must never be answered automatically, or null for a person's mail. The first rule that
 * matches names the reason (kept on the message, so an agent sees why no acknowledgement went out).
 */
export function automatedReason(input: {
  header: HeaderLookup;
  fromAddress: string | undefined;
  messageId: string | undefined;
  ourDomains: readonly string[];
}): string | null {
  const first = (name: string) => (input.header(name)[0] ?? '').trim();
  const autoSubmitted = first('auto-submitted').toLowerCase();
  if (autoSubmitted && autoSubmitted !== 'no') return `Auto-Submitted: ${autoSubmitted}`;
  for (const name of ['x-autoreply', 'x-autorespond', 'x-autoresponder', 'x-loop'])
    if (input.header(name).length > 0) return name;
  const suppress = first('x-auto-response-suppress');
  if (suppress && !/^none$/i.test(suppress)) return `X-Auto-Response-Suppress: ${suppress}`;
  const precedence = first('precedence').toLowerCase();
  if (['bulk', 'list', 'junk', 'auto_reply'].includes(precedence)) return `Precedence: ${precedence}`;
  if (input.header('list-id').length > 0) return 'List-Id';
  if (input.header('list-unsubscribe').length > 0) return 'List-Unsubscribe';
  if (input.header('return-path').some((value) => /^\s*<\s*>\s*$/.test(value))) return 'Return-Path: <>';
  if (input.fromAddress && AUTOMATED_SENDER.test(input.fromAddress)) return `sender ${input.fromAddress}`;
  const idDomain = /@([^>\s]+)>?\s*$/.exec(input.messageId ?? '')?.[1]?.toLowerCase();
  if (idDomain && input.ourDomains.some((domain) => domain.toLowerCase() === idDomain))
    return 'our own Message-ID';
  return null;
}

/** `Authentication-Results` (RFC 8601): the first spf=, dkim=, dmarc= verdicts found. */
export function authenticationResults(values: readonly string[]): {
  spf?: string;
  dkim?: string;
  dmarc?: string;
} {
  const result: { spf?: string; dkim?: string; dmarc?: string } = {};
  for (const value of values)
    for (const method of ['spf', 'dkim', 'dmarc'] as const) {
      const match = new RegExp(`\\b${method}\\s*=\\s*([a-z]+)`, 'i').exec(value);
      if (match?.[1] && !result[method]) result[method] = match[1].toLowerCase();
    }
  return result;
}

/** One failed recipient of a delivery status report. */
export interface DeliveryFailure {
  recipient: string | null;
  action: string;
  /** Enhanced status code (RFC 3463), e.g. `5.1.1`. */
  status: string;
  diagnostic: string;
  /** 5.x.x: the address will not accept mail (as opposed to 4.x.x, a delay). */
  isHard: boolean;
}

/** Unfolds `Name: value` fields of one block (continuation lines start with white space). */
function parseFields(block: string): Map<string, string> {
  const fields = new Map<string, string>();
  let last: string | null = null;
  for (const line of block.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && last) {
      fields.set(last, `${fields.get(last) ?? ''} ${line.trim()}`);
      continue;
    }
    const match = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line);
    if (!match?.[1]) continue;
    last = match[1].toLowerCase();
    if (!fields.has(last)) fields.set(last, (match[2] ?? '').trim());
  }
  return fields;
}

/**
 * The first failed recipient of a `message/delivery-status` body, or null when none failed (a delay
 * report or a success notice).
 */
export function parseDeliveryStatus(body: string): DeliveryFailure | null {
  const blocks = body.split(/\r?\n\s*\r?\n/).slice(1);
  for (const block of blocks) {
    const fields = parseFields(block);
    const action = (fields.get('action') ?? '').toLowerCase();
    const status = /(\d\.\d{1,3}\.\d{1,3})/.exec(fields.get('status') ?? '')?.[1] ?? '';
    if (action !== 'failed' && !status.startsWith('5')) continue;
    const recipientField = fields.get('final-recipient') ?? fields.get('original-recipient') ?? '';
    const recipient = /;\s*(.+)$/.exec(recipientField)?.[1]?.trim().toLowerCase() ?? null;
    const diagnostic = (fields.get('diagnostic-code') ?? '').replace(/^[a-z-]+;\s*/i, '').trim();
    return {
      recipient,
      action: action || 'failed',
      status: status || '5.0.0',
      diagnostic: diagnostic || `Delivery failed (${status || 'no status'})`,
      isHard: (status || '5').startsWith('5'),
    };
  }
  return null;
}

/** The Message-ID of the returned original (a `message/rfc822` or `text/rfc822-headers` part). */
export function originalMessageId(returnedPart: string): string | null {
  const headers = returnedPart.split(/\r?\n\r?\n/)[0] ?? '';
  const match = /^message-id:\s*(<[^>\s]+>)/im.exec(headers);
  return match?.[1] ?? null;
}
