/**
 * Web chat inboxes as the widget sees them: the config-defined inbox (`webchat`, WEBCHAT_* variables) and
 * admin-configured inboxes of kind `webchat` (address = the public token; credentials carry the identity
 * secret and the settings). Pure mapping plus one lookup by public token.
 */
import { z } from 'zod';
import type { Config } from '../../server/config';
import type { InboxDirectory, InboxSettings } from '../channel';

/** The config-defined web chat inbox's fixed id. */
export const CONFIG_WEBCHAT_INBOX_ID = 'webchat';

export const PRECHAT_KEYS_BUILTIN = ['name', 'email', 'phone'] as const;

const PrechatFieldSchema = z.strictObject({
  key: z
    .string()
    .regex(/^[a-zA-Z][a-zA-Z0-9_]{0,31}$/)
    .describe('name, email, phone or a custom key'),
  label: z.string().min(1).max(80).optional(),
  required: z.boolean().default(false),
  /** A custom field with options is a select; `category` with complaint/inquiry/… sets the ticket category. */
  options: z.array(z.string().min(1).max(80)).max(20).optional(),
});
export type PrechatField = z.infer<typeof PrechatFieldSchema>;
const PrechatSchema = z.array(PrechatFieldSchema).max(12);

export const DEFAULT_PRECHAT: PrechatField[] = [
  { key: 'name', required: false },
  { key: 'email', required: false },
];

export interface WebchatInbox {
  inboxId: string;
  name: string;
  publicToken: string;
  /** HMAC-SHA256 key of `identifierHash`; null: identities cannot be verified (and are refused). */
  identitySecret: string | null;
  requireIdentity: boolean;
  /** Origins allowed to embed the widget; empty: any. */
  allowedOrigins: string[];
  prechat: PrechatField[];
}

/** Parses the pre-chat JSON (config or inbox credentials); an invalid value falls back to the default. */
export function parsePrechat(raw: string | undefined): PrechatField[] {
  if (!raw) return DEFAULT_PRECHAT;
  try {
    const parsed = PrechatSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : DEFAULT_PRECHAT;
  } catch {
    return DEFAULT_PRECHAT;
  }
}

export function parseOrigins(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((origin) => origin.trim().replace(/\/+$/, ''))
    .filter((origin) => /^https?:\/\/[^\s/]+$/.test(origin));
}

export function configWebchatInbox(config: Config): WebchatInbox {
  return {
    inboxId: CONFIG_WEBCHAT_INBOX_ID,
    name: `${config.COMPANY_NAME} chat`,
    publicToken: config.WEBCHAT_PUBLIC_TOKEN,
    identitySecret: config.WEBCHAT_IDENTITY_SECRET ?? null,
    requireIdentity: config.WEBCHAT_REQUIRE_IDENTITY,
    allowedOrigins: parseOrigins(config.WEBCHAT_ALLOWED_ORIGINS),
    prechat: parsePrechat(config.WEBCHAT_PRECHAT_FIELDS),
  };
}

/** An admin-configured inbox of kind `webchat`, or null when it is not one (or has no public token). */
export function webchatInboxFromAdmin(inbox: InboxSettings): WebchatInbox | null {
  if (inbox.channel !== 'webchat' || !inbox.enabled || !inbox.address) return null;
  const credentials = inbox.credentials;
  return {
    inboxId: inbox.id,
    name: inbox.name,
    publicToken: inbox.address,
    identitySecret: credentials.identitySecret ?? null,
    requireIdentity: credentials.requireIdentity === 'true',
    allowedOrigins: parseOrigins(credentials.allowedOrigins),
    prechat: parsePrechat(credentials.prechat),
  };
}

export interface WebchatInboxes {
  findByToken(publicToken: string): Promise<WebchatInbox | null>;
  findById(inboxId: string): Promise<WebchatInbox | null>;
}

export function createWebchatInboxes(deps: {
  configInbox: WebchatInbox;
  inboxes: InboxDirectory;
}): WebchatInboxes {
  return {
    async findByToken(publicToken) {
      if (publicToken === deps.configInbox.publicToken) return deps.configInbox;
      const inbox = await deps.inboxes.findByAddress('webchat', publicToken);
      return inbox ? webchatInboxFromAdmin(inbox) : null;
    },
    async findById(inboxId) {
      if (inboxId === deps.configInbox.inboxId) return deps.configInbox;
      const inbox = await deps.inboxes.findById(inboxId);
      return inbox ? webchatInboxFromAdmin(inbox) : null;
    },
  };
}
