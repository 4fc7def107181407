/**
 * Outbound email through nodemailer: one pooled SMTP transport per inbox, the Message-ID the hub owns,
 * In-Reply-To / References, `Re: <subject> [#number]`, Reply-To the conversation's `reply+<token>@`
 * address, text and HTML from the `reply` email template in the contact's language, and
 * `Auto-Submitted: auto-replied` on automatic mail. Automatic mail never goes to an address a hard bounce
 * marked undeliverable, nor beyond the per-address cap. SMTP 4xx and network errors are transient
 * (retried), 5xx permanent with the server's reply kept on the message.
 */
import nodemailer, { type Transporter } from 'nodemailer';
import {
  SendError,
  type Channel,
  type ConnectorHubServices,
  type OutboundMessage,
  type SendResult,
} from '../channel';
import type { EmailGuard } from './email-guard';
import type { EmailInbox } from './email-inboxes';

export interface EmailChannelDeps {
  inbox: EmailInbox;
  /** The transport URL when the inbox has none of its own (the demo catcher), resolved at send time. */
  fallbackSmtpUrl?: () => string | null;
  companyName: string;
  /** Domain of Message-IDs we make for a message that came without one (from PUBLIC_URL). */
  messageIdDomain: string;
  guard: EmailGuard;
  hub: Pick<ConnectorHubServices, 'templates' | 'contacts'>;
}

export interface EmailChannel extends Channel {
  /** Closes the pooled transport. */
  stop(): Promise<void>;
}

/** `Re: <subject> [#number]`, with exactly one tag and one `Re:`. */
export function replySubject(subject: string | undefined, number: number | undefined): string {
  const base = (subject ?? '').replace(/\s*\[#\d+\]\s*/g, ' ').trim();
  const withRe = /^(re|aw|回复|答复)\s*[:：]/i.test(base) ? base : `Re: ${base}`.trim();
  return number ? `${withRe} [#${number}]` : withRe;
}

/** nodemailer's failure → SendError: a 5xx reply is permanent, 4xx and network errors are transient. */
export function classifySmtpError(error: unknown): SendError {
  const failure = error as { responseCode?: number; response?: string; code?: string; message?: string };
  const reply = failure.response ?? failure.message ?? 'SMTP send failed';
  if (typeof failure.responseCode === 'number' && failure.responseCode >= 500)
    return new SendError(reply, {
      permanent: true,
      providerCode: String(failure.responseCode),
      cause: error,
    });
  return new SendError(reply, {
    permanent: false,
    providerCode: failure.responseCode ? String(failure.responseCode) : (failure.code ?? 'NETWORK'),
    cause: error,
  });
}

export function createEmailChannel(deps: EmailChannelDeps): EmailChannel {
  const { inbox, guard } = deps;
  let transport: { url: string; transporter: Transporter } | null = null;

  const transporterFor = (): Transporter => {
    const url = inbox.smtpUrl ?? deps.fallbackSmtpUrl?.() ?? null;
    if (!url)
      throw new SendError(`inbox ${inbox.id} has no SMTP relay configured`, {
        permanent: true,
        providerCode: 'NO_SMTP',
      });
    if (transport?.url !== url) {
      transport?.transporter.close();
      transport = {
        url,
        transporter: nodemailer.createTransport({ url, pool: true, maxConnections: 3 } as never),
      };
    }
    return transport.transporter;
  };

  async function checkAutomatic(to: string): Promise<void> {
    const undeliverable = await guard.undeliverableReason(to);
    if (undeliverable)
      throw new SendError(`No automatic mail to ${to}: it bounced (${undeliverable})`, {
        permanent: true,
        providerCode: 'UNDELIVERABLE',
      });
    if (!(await guard.takeAutomaticSlot(to)))
      throw new SendError(
        `No automatic mail to ${to}: the cap on automatic replies to this address is reached`,
        {
          permanent: true,
          providerCode: 'AUTO_REPLY_LIMIT',
        },
      );
  }

  async function render(message: OutboundMessage, subject: string) {
    const contact = message.conversation
      ? await deps.hub.contacts.find(message.conversation.contactId)
      : null;
    const rendered = deps.hub.templates.render({
      key: 'reply',
      channel: 'email',
      locale: contact?.locale ?? 'en',
      data: {
        body: message.text,
        companyName: deps.companyName,
        number: message.conversation?.number ?? '',
        contactName: contact?.name ?? message.to.name ?? '',
        subject,
      },
    });
    // An automatic message brings its own HTML (acknowledgement templates); a reply gets the layout.
    return { text: rendered.text, html: message.html ?? rendered.html };
  }

  return {
    kinds: ['email'],
    inboxId: inbox.id,
    async send(message: OutboundMessage): Promise<SendResult> {
      const to = (message.to.email ?? message.to.externalId).trim().toLowerCase();
      if (!/^[^\s@<>]+@[^\s@<>]+$/.test(to))
        throw new SendError(`not an email address: ${to}`, {
          permanent: true,
          providerCode: 'INVALID_RECIPIENT',
        });
      if (message.isAutomated) await checkAutomatic(to);
      const number = message.conversation?.number;
      // Replies come with `Re: … [#n]` from the timeline; an automatic message's own subject gets the tag.
      const tagged = /\[#\d+\]/.test(message.subject ?? '');
      const subject = tagged
        ? (message.subject ?? '')
        : message.subject && number
          ? `${message.subject} [#${number}]`
          : replySubject(message.subject, number);
      const messageId =
        message.thread?.messageId ?? `<${message.messageId}.${number ?? 0}@${deps.messageIdDomain}>`;
      const token = message.thread?.replyToken;
      const body = await render(message, subject);
      try {
        await transporterFor().sendMail({
          from: { name: inbox.name === 'Email' ? deps.companyName : inbox.name, address: inbox.address },
          to: message.to.name ? { name: message.to.name, address: to } : to,
          ...(message.cc?.length ? { cc: message.cc } : {}),
          subject,
          text: body.text,
          ...(body.html ? { html: body.html } : {}),
          messageId,
          ...(message.thread?.inReplyTo ? { inReplyTo: message.thread.inReplyTo } : {}),
          ...(message.thread?.references?.length ? { references: message.thread.references } : {}),
          ...(token ? { replyTo: `reply+${token}@${inbox.domain}` } : {}),
          headers: message.isAutomated
            ? {
                'Auto-Submitted': 'auto-replied',
                'X-Auto-Response-Suppress': 'All',
                Precedence: 'auto_reply',
              }
            : {},
          attachments: (message.attachments ?? []).map((file) => ({
            filename: file.filename,
            contentType: file.contentType,
            content: file.data,
          })),
        });
      } catch (error) {
        if (error instanceof SendError) throw error;
        throw classifySmtpError(error);
      }
      return { externalId: messageId, status: 'sent' };
    },
    stop() {
      transport?.transporter.close();
      transport = null;
      return Promise.resolve();
    },
  };
}
