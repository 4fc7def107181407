/**
 * Email inboxes as the connector sees them: the config-defined one (`email`, EMAIL_* variables) and
 * admin-configured ones (channel `email`, credentials `smtpUrl` or `smtpHost`/`smtpPort`/`smtpUser`/
 * `smtpPass`/`smtpSecure`). Which inbox a recipient address belongs to: its own address, or a
 * `reply+<token>@` plus-address at its domain.
 */
import type { Config } from '../../server/config';
import type { InboxDirectory, InboxSettings } from '../channel';

export const CONFIG_EMAIL_INBOX_ID = 'email';

export interface EmailInbox {
  id: string;
  name: string;
  /** Lowercased. */
  address: string;
  domain: string;
  /** Where its replies go out: an smtp(s):// URL, or null when the demo catcher takes them. */
  smtpUrl: string | null;
}

const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1).toLowerCase();

export function configEmailInbox(config: Config): EmailInbox | null {
  const address = config.EMAIL_INBOX_ADDRESS?.toLowerCase();
  if (!address) return null;
  return {
    id: CONFIG_EMAIL_INBOX_ID,
    name: config.EMAIL_INBOX_NAME,
    address,
    domain: domainOf(address),
    smtpUrl: config.EMAIL_SMTP_URL ?? null,
  };
}

/** An admin inbox's SMTP URL from its credentials (a URL, or host/port/user/password parts). */
function smtpUrlOf(credentials: Readonly<Record<string, string>>): string | null {
  if (credentials.smtpUrl && /^smtps?:\/\//.test(credentials.smtpUrl)) return credentials.smtpUrl;
  if (!credentials.smtpHost) return null;
  const secure = credentials.smtpSecure === 'true' || credentials.smtpPort === '465';
  const auth = credentials.smtpUser
    ? `${encodeURIComponent(credentials.smtpUser)}:${encodeURIComponent(credentials.smtpPass ?? '')}@`
    : '';
  return `${secure ? 'smtps' : 'smtp'}://${auth}${credentials.smtpHost}:${credentials.smtpPort ?? (secure ? '465' : '587')}`;
}

export function emailInboxFromAdmin(inbox: InboxSettings): EmailInbox | null {
  const address = inbox.address?.trim().toLowerCase();
  if (inbox.channel !== 'email' || !address || !address.includes('@')) return null;
  return {
    id: inbox.id,
    name: inbox.name,
    address,
    domain: domainOf(address),
    smtpUrl: smtpUrlOf(inbox.credentials),
  };
}

const REPLY_ADDRESS = /^reply\+[a-z0-9_-]{6,64}@(.+)$/i;

/** Finds inboxes by id or by a recipient address (the address itself, or a reply+ address at its domain). */
export function createEmailInboxDirectory(deps: { configInbox: EmailInbox | null; inboxes: InboxDirectory }) {
  const { configInbox } = deps;
  async function all(): Promise<EmailInbox[]> {
    const admin = (await deps.inboxes.listByChannel('email'))
      .filter((inbox) => inbox.enabled)
      .map(emailInboxFromAdmin)
      .filter((inbox): inbox is EmailInbox => inbox !== null);
    return configInbox ? [configInbox, ...admin] : admin;
  }
  return {
    all,
    async findById(inboxId: string): Promise<EmailInbox | null> {
      if (configInbox && inboxId === configInbox.id) return configInbox;
      const inbox = await deps.inboxes.findById(inboxId);
      return inbox && inbox.enabled ? emailInboxFromAdmin(inbox) : null;
    },
    /** The inbox a recipient belongs to, or null (the SMTP listener refuses it at RCPT). */
    async findByRecipient(recipient: string): Promise<EmailInbox | null> {
      const address = recipient.trim().toLowerCase();
      const inboxes = await all();
      const exact = inboxes.find((inbox) => inbox.address === address);
      if (exact) return exact;
      const reply = REPLY_ADDRESS.exec(address);
      return reply ? (inboxes.find((inbox) => inbox.domain === reply[1]) ?? null) : null;
    },
    /** Our domains: inbox addresses' and the Message-ID domain (mail from them is ours coming back). */
    async ourDomains(messageIdDomain: string): Promise<string[]> {
      return [...new Set([messageIdDomain, ...(await all()).map((inbox) => inbox.domain)])];
    },
  };
}

export type EmailInboxDirectory = ReturnType<typeof createEmailInboxDirectory>;
