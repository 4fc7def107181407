/**
 * An email inbox's IMAP mailbox, read from the inbox's `credentials` (every value a string, sealed at rest
 * by the inboxes collection like any other inbox secret). An email inbox without `imapHost` has no mailbox
 * to poll. Pure: no I/O.
 */
import { z } from 'zod';
import type { InboxSettings } from '../../channel';

/** What happens to a message on the server once the hub has it durably. */
export type AfterProcess = { action: 'none' } | { action: 'seen' } | { action: 'move'; folder: string };

export interface ImapMailboxSettings {
  inboxId: string;
  /** Moves on every edit of the inbox: a running poller restarts when it changes. */
  revision: number;
  host: string;
  port: number;
  /** `tls`: TLS from the first byte (993); `starttls`: upgrade required (143); `none`: cleartext. */
  security: 'tls' | 'starttls' | 'none';
  user: string;
  password?: string;
  /** An OAuth2 access token (XOAUTH2 / OAUTHBEARER), used when the server offers it. */
  accessToken?: string;
  mailbox: string;
  /** Use IDLE when the server offers it (default); false: poll only. */
  idle: boolean;
  /** How often to look for new mail without IDLE (and as a safety net with it). */
  pollIntervalMs: number;
  afterProcess: AfterProcess;
}

const flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => ['true', '1', 'yes'].includes(v));

const CredentialsSchema = z
  .object({
    imapHost: z
      .string()
      .trim()
      .min(1)
      .max(253)
      .regex(/^[A-Za-z0-9.:[\]_-]+$/, 'must be a host name or address'),
    imapPort: z.coerce.number().int().min(1).max(65535).optional(),
    imapSecurity: z.enum(['tls', 'starttls', 'none']).optional(),
    imapUser: z.string().min(1).max(320).optional(),
    imapPassword: z.string().min(1).optional(),
    imapAccessToken: z.string().min(1).optional(),
    imapMailbox: z.string().trim().min(1).max(200).optional(),
    imapIdle: flag.optional(),
    imapPollSeconds: z.coerce.number().min(1).max(86_400).optional(),
    imapAfterProcess: z.enum(['none', 'seen', 'move']).optional(),
    imapMoveTo: z.string().trim().min(1).max(200).optional(),
  })
  .refine((value) => value.imapPassword || value.imapAccessToken, {
    message: 'needs imapPassword or imapAccessToken',
  })
  .refine((value) => value.imapAfterProcess !== 'move' || value.imapMoveTo, {
    message: 'imapAfterProcess "move" needs imapMoveTo',
  });

/** True when the inbox is configured for IMAP at all (it may still be misconfigured: see `parse…`). */
export function hasImapMailbox(inbox: InboxSettings): boolean {
  return inbox.channel === 'email' && Boolean(inbox.credentials.imapHost);
}

/**
 * The inbox's mailbox settings, or an error message naming what is wrong (never the secret values).
 * `defaults.pollIntervalMs` applies when the inbox sets no `imapPollSeconds`.
 */
export function parseImapMailboxSettings(
  inbox: InboxSettings,
  defaults: { pollIntervalMs: number },
): { ok: true; settings: ImapMailboxSettings } | { ok: false; error: string } {
  const parsed = CredentialsSchema.safeParse(inbox.credentials);
  if (!parsed.success)
    return {
      ok: false,
      error: parsed.error.issues
        .map((issue) => `${issue.path.join('.') || 'credentials'}: ${issue.message}`)
        .join('; '),
    };
  const c = parsed.data;
  const user = c.imapUser ?? inbox.address ?? undefined;
  if (!user) return { ok: false, error: 'imapUser: needed when the inbox has no address' };
  const security = c.imapSecurity ?? (c.imapPort === undefined || c.imapPort === 993 ? 'tls' : 'starttls');
  const afterProcess: AfterProcess =
    c.imapAfterProcess === 'move' && c.imapMoveTo
      ? { action: 'move', folder: c.imapMoveTo }
      : { action: c.imapAfterProcess === 'seen' ? 'seen' : 'none' };
  return {
    ok: true,
    settings: {
      inboxId: inbox.id,
      revision: inbox.revision,
      host: c.imapHost,
      port: c.imapPort ?? (security === 'tls' ? 993 : 143),
      security,
      user,
      ...(c.imapPassword ? { password: c.imapPassword } : {}),
      ...(c.imapAccessToken ? { accessToken: c.imapAccessToken } : {}),
      mailbox: c.imapMailbox ?? 'INBOX',
      idle: c.imapIdle ?? true,
      pollIntervalMs:
        c.imapPollSeconds !== undefined ? Math.round(c.imapPollSeconds * 1000) : defaults.pollIntervalMs,
      afterProcess,
    },
  };
}
