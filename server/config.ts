import path from 'node:path';
import { z } from 'zod';
import { isValidZone } from './lib/local-dates';

/**
 * The hub's whole configuration, read from the environment once, here and nowhere else. Every variable is
 * documented in the README with its default. Invalid values stop the process at start with a message that
 * names the variable.
 */
const booleanFlag = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no'])
  .transform((value) => value === '1' || value === 'true' || value === 'yes');

const ConfigSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default('./data'),
  PUBLIC_URL: z.url().optional(),
  MONGODB_URI: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// or mongodb+srv:// URI')
    .optional(),
  MONGODB_DB: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .default('omnihub'),
  EMBEDDED_MONGO_DURABILITY: z.enum(['journaled', 'relaxed', 'memory']).default('journaled'),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .optional(),
  REDIS_SERVER_BIN: z.string().min(1).default('redis-server'),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_-]+$/)
    .default('omnihub'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_PRETTY: booleanFlag.optional(),
  SEED_DEMO: booleanFlag.optional(),
  BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(1024 * 1024),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce
    .number()
    .int()
    .positive()
    .default(15 * 60),
  REFRESH_TOKEN_TTL_SECONDS: z.coerce
    .number()
    .int()
    .positive()
    .default(30 * 24 * 3600),
  LOGIN_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(10),
  API_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(600),
  /**
   * Refused webhook requests (unsigned, badly signed, malformed) allowed per client address and minute;
   * signed provider traffic never counts.
   */
  WEBHOOK_REFUSAL_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(300),
  /** When set, `GET /metrics` requires `Authorization: Bearer <METRICS_TOKEN>`; unset, it is open. */
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').max(512).optional(),
  /**
   * What this process runs: `all` (HTTP, sockets and workers), `web` (HTTP and sockets, no workers) or
   * `worker` (queue workers, the SLA sweep, pulled channels; HTTP only for /healthz, /readyz, /metrics).
   */
  HUB_ROLE: z.enum(['all', 'web', 'worker']).default('all'),
  ROUTING_OFFER_TIMEOUT_SECONDS: z.coerce.number().positive().default(30),
  ROUTING_VOICE_OFFER_TIMEOUT_SECONDS: z.coerce.number().positive().default(20),
  ROUTING_DISCONNECT_GRACE_SECONDS: z.coerce.number().nonnegative().default(60),
  ROUTING_MAX_CONSECUTIVE_EXPIRIES: z.coerce.number().int().positive().default(3),
  ROUTING_UNANSWERED_TIMEOUT_SECONDS: z.coerce.number().positive().default(600),
  ROUTING_AGING_SECONDS_PER_POINT: z.coerce.number().positive().default(60),
  ROUTING_AUTO_ACCEPT: booleanFlag.default(false),
  /** Largest attachment stored (uploads and provider media fetched by the attachments job). */
  ATTACHMENT_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(20 * 1024 * 1024),
  /**
   * Agent uploads no reply carried are deleted (record and bytes) this many hours after the upload, or
   * after a reply last tried to send them.
   */
  UPLOAD_UNSENT_TTL_HOURS: z.coerce.number().positive().default(24),
  /** How often worker processes sweep for unsent uploads past UPLOAD_UNSENT_TTL_HOURS. */
  UPLOAD_CLEANUP_INTERVAL_MS: z.coerce.number().int().min(100).default(3_600_000),
  /** How long the attachments job waits for a provider's media download before retrying. */
  ATTACHMENT_FETCH_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  /** How often the SLA sweep fires overdue warnings/breaches and re-arms lost timers (0 disables it). */
  SLA_SWEEP_INTERVAL_MS: z.coerce.number().int().min(0).default(30_000),
  /** How often workers re-queue sends whose job was lost or whose worker died (a send counts after 2 intervals). */
  OUTBOUND_SWEEP_INTERVAL_MS: z.coerce.number().int().min(100).default(60_000),
  /** Most runs of one automation rule on one conversation within the loop window (a rule that triggers itself stops). */
  AUTOMATION_LOOP_CAP: z.coerce.number().int().min(1).max(1000).default(5),
  AUTOMATION_LOOP_WINDOW_SECONDS: z.coerce.number().int().min(1).default(600),
  /** Care (docs/templates-automations-care.md): 回访 task this many business days after a complaint is resolved. */
  CARE_FOLLOW_UP_BUSINESS_DAYS: z.coerce.number().int().min(0).max(60).default(3),
  /** Local time of day (contact's timezone) of birthday and anniversary greetings. */
  CARE_GREETING_TIME: z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/)
    .default('10:00'),
  /** No care message in this local window (`HH:mm-HH:mm`, may wrap midnight): it waits for the end. */
  CARE_QUIET_HOURS: z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/)
    .default('21:00-09:00'),
  /** The timezone of contacts that have none. */
  CARE_DEFAULT_TIMEZONE: z.string().min(1).refine(isValidZone, 'an IANA timezone').default('Asia/Shanghai'),
  /** Re-engage tier A / VIP contacts with no conversation for this many days (0: off). */
  CARE_REENGAGE_DAYS: z.coerce.number().int().min(0).max(3650).default(90),
  /** How often worker processes schedule greetings, re-engagements and contact-date automations (0: never). */
  CARE_SWEEP_INTERVAL_MS: z.coerce.number().int().min(0).default(3_600_000),
  /** Imports (docs/integrations.md): largest accepted upload, and most data rows in one file. */
  IMPORT_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(20 * 1024 * 1024),
  IMPORT_MAX_ROWS: z.coerce.number().int().positive().max(1_000_000).default(100_000),
  /** Tiers (docs/templates-automations-care.md): when RFM scores and ABC tiers are recomputed (cron, in TIERS_TIMEZONE). */
  TIERS_CRON: z.string().min(9).max(100).default('30 3 * * *'),
  TIERS_TIMEZONE: z
    .string()
    .refine((zone) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: zone });
        return true;
      } catch {
        return false;
      }
    }, 'an IANA timezone')
    .default('Asia/Shanghai'),
  /** The currency of imported order amounts; an order row in another currency is refused. */
  TIERS_CURRENCY: z
    .string()
    .regex(/^[A-Z]{3}$/)
    .default('CNY'),
  /** How often each hub process re-reads template overrides saved by another process (0: never). */
  TEMPLATE_REFRESH_MS: z.coerce.number().int().min(0).default(30_000),
  /** The company name customers see in acknowledgements and CSAT messages. */
  COMPANY_NAME: z.string().min(1).max(200).default('Omnihub'),
  /**
   * The SMTP relay for staff notices (SLA warnings and breaches by email), e.g.
   * `smtp://user:pass@mail.example.com:587` or `smtps://…:465`. Unset: email notices are skipped (logged).
   */
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\/[^\s]+$/, 'must be an smtp:// or smtps:// URL')
    .optional(),
  /**
   * The key provider credentials (inbox secrets) are encrypted with in MongoDB: 32 random bytes, base64
   * (`openssl rand -base64 32`). Unset: a key generated once into DATA_DIR/credentials.key.
   */
  CREDENTIALS_KEY: z
    .string()
    .refine((value) => Buffer.from(value, 'base64').length === 32, 'must be 32 bytes, base64-encoded')
    .optional(),
  /** The From address of staff notices (default: no-reply at the PUBLIC_URL host). */
  MAIL_FROM: z.string().min(3).max(320).optional(),
  /**
   * The config-defined Twilio inbox (SMS, WhatsApp through Twilio, voice). When TWILIO_ACCOUNT_SID is unset
   * on the embedded default, demo values are used and the REST API points at the hub's built-in stub
   * (/twilio-stub), so the customer simulator works offline.
   */
  TWILIO_ACCOUNT_SID: z
    .string()
    .regex(/^AC[0-9a-fA-F]{32}$/, 'must be an account sid (AC + 32 hex characters)')
    .optional(),
  TWILIO_AUTH_TOKEN: z.string().min(8).optional(),
  TWILIO_PHONE_NUMBER: z
    .string()
    .regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number (+8613800138000)')
    .optional(),
  TWILIO_WHATSAPP_NUMBER: z
    .string()
    .regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number, without the whatsapp: prefix')
    .optional(),
  /** Base URL of the Twilio REST API (tests and the demo point it at a local stub). */
  TWILIO_API_BASE: z.url().optional(),
  /** API key and TwiML app for browser calling (GET /api/voice/token); optional. */
  TWILIO_API_KEY_SID: z
    .string()
    .regex(/^SK[0-9a-fA-F]{32}$/)
    .optional(),
  TWILIO_API_KEY_SECRET: z.string().min(8).optional(),
  TWILIO_TWIML_APP_SID: z
    .string()
    .regex(/^AP[0-9a-fA-F]{32}$/)
    .optional(),
  /**
   * The WhatsApp templates the Twilio inbox may send outside the 24 h window: a JSON array of `{name,
   * language, body, contentSid}` (approved Content templates, connectors/social/reply-templates.ts). Unset:
   * the demo's templates in demo mode, else none.
   */
  TWILIO_WHATSAPP_TEMPLATES: z.string().max(100_000).optional(),
  /** How long a caller waits in the queue for an agent before being offered the voicemail. */
  VOICE_MAX_WAIT_SECONDS: z.coerce.number().int().positive().max(3600).default(60),
  /**
   * Outgoing webhooks: `host:port` pairs allowed although they are loopback, link-local or private (the SSRF
   * guard refuses those otherwise), comma-separated, e.g. `crm.internal:8443,127.0.0.1:9000`.
   */
  OUTGOING_WEBHOOK_ALLOWLIST: z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(/^[A-Za-z0-9.:[\]-]+:\d{1,5}$/, 'host:port entries')))
    .default([]),
  /** First retry delay of a failed webhook delivery; it doubles each attempt (12 attempts ≈ 23 h). */
  OUTGOING_WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().positive().default(20_000),
  OUTGOING_WEBHOOK_ATTEMPTS: z.coerce.number().int().min(1).max(30).default(12),
  /** How long a receiver has to answer one delivery. */
  OUTGOING_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().positive().max(60_000).default(10_000),
  /**
   * The config-defined web chat inbox (`webchat`): the public token of `/widget.js?inbox=<token>`, the secret
   * sites sign visitor identities with (HMAC-SHA256; demo value on the embedded default), whether an
   * identity is required, the origins allowed to embed the widget (comma-separated; empty: any), and the
   * pre-chat form (JSON `[{"key":"name","required":true},{"key":"order","label":"Order number"}]`).
   */
  WEBCHAT_PUBLIC_TOKEN: z
    .string()
    .regex(/^[A-Za-z0-9_-]{3,64}$/)
    .default('demo'),
  WEBCHAT_IDENTITY_SECRET: z.string().min(16).max(512).optional(),
  WEBCHAT_REQUIRE_IDENTITY: booleanFlag.default(false),
  WEBCHAT_ALLOWED_ORIGINS: z.string().max(4000).default(''),
  WEBCHAT_PRECHAT_FIELDS: z.string().max(8000).optional(),
  /** Signs visitor tokens; unset: a random secret kept in Redis, shared by every hub process. */
  WEBCHAT_VISITOR_TOKEN_SECRET: z.string().min(32).max(512).optional(),
  /** Visitor tokens expire this many days after they were issued; every visit issues a fresh one (sliding). */
  WEBCHAT_VISITOR_TOKEN_TTL_DAYS: z.coerce.number().positive().max(3650).default(30),
  /** Visitor messages per visitor and minute, per client address and minute, and socket connections per address and minute. */
  WEBCHAT_MESSAGES_PER_MINUTE: z.coerce.number().int().positive().default(20),
  WEBCHAT_IP_MESSAGES_PER_MINUTE: z.coerce.number().int().positive().default(300),
  WEBCHAT_CONNECTIONS_PER_MINUTE: z.coerce.number().int().positive().default(120),
  WEBCHAT_MAX_MESSAGE_CHARS: z.coerce.number().int().positive().max(100_000).default(4000),
  WEBCHAT_ATTACHMENT_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(5 * 1024 * 1024),
  /** A visitor away this long counts as gone: agent replies then continue by email (when one was given). */
  WEBCHAT_OFFLINE_GRACE_SECONDS: z.coerce.number().int().min(0).default(60),
  /** Proxies whose X-Forwarded-For is believed for visitor addresses (comma-separated IPs). */
  WEBCHAT_TRUSTED_PROXIES: z.string().max(2000).default(''),
  /**
   * The config-defined Meta inbox (`meta`: Messenger, Instagram and WhatsApp Cloud from one app). Unset
   * META_APP_SECRET on the embedded default: demo values, Graph API at the built-in stub (/meta-stub).
   */
  META_APP_SECRET: z.string().min(8).max(256).optional(),
  META_VERIFY_TOKEN: z.string().min(8).max(256).optional(),
  META_PAGE_ACCESS_TOKEN: z.string().min(8).max(1024).optional(),
  WHATSAPP_PHONE_NUMBER_ID: z
    .string()
    .regex(/^\d{5,20}$/, 'must be a WhatsApp phone number id (digits)')
    .optional(),
  /** Base URL of the Graph API, version included (default https://graph.facebook.com/v21.0). */
  META_GRAPH_BASE: z.url().optional(),
  /** WhatsApp Cloud templates of the `meta` inbox (JSON `[{name, language, body}]`); unset: the built-in list. */
  WHATSAPP_TEMPLATES: z.string().max(100_000).optional(),
  /**
   * The config-defined Telegram bot inbox (`telegram`). Unset TELEGRAM_BOT_TOKEN on the embedded default:
   * demo values, Bot API at the built-in stub (/telegram-stub).
   */
  TELEGRAM_BOT_TOKEN: z
    .string()
    .regex(/^\d{3,20}:[A-Za-z0-9_-]{20,200}$/, 'must be a bot token (123456:ABC…)')
    .optional(),
  TELEGRAM_WEBHOOK_SECRET: z
    .string()
    .regex(/^[A-Za-z0-9_-]{16,256}$/, 'must be 16–256 characters of A-Z a-z 0-9 _ -')
    .optional(),
  /** Base URL of the Bot API (default https://api.telegram.org). */
  TELEGRAM_API_BASE: z.url().optional(),
  /**
   * The config-defined WeChat Official Account inbox (`wechat`). Unset WECHAT_APP_ID on the embedded
   * default: demo values, WeChat API at the built-in stub (/wechat-stub).
   */
  WECHAT_APP_ID: z
    .string()
    .regex(/^wx[0-9a-zA-Z]{16}$/, 'must be an AppID (wx + 16 characters)')
    .optional(),
  WECHAT_APP_SECRET: z.string().min(8).max(128).optional(),
  WECHAT_TOKEN: z
    .string()
    .regex(/^[A-Za-z0-9]{3,32}$/, 'must be 3–32 letters or digits')
    .optional(),
  /** Safe mode key (43 characters); unset: plain mode only. */
  WECHAT_ENCODING_AES_KEY: z
    .string()
    .regex(/^[A-Za-z0-9]{43}$/, 'must be 43 letters or digits')
    .optional(),
  /** Base URL of the WeChat API (default https://api.weixin.qq.com). */
  WECHAT_API_BASE: z.url().optional(),
  /**
   * Email (connectors/email). The SMTP listener for direct inbound mail listens on HOST at this port
   * (`0`: off; default 2525 on the embedded default, off otherwise); mails over SMTP_INBOUND_MAX_BYTES are
   * refused with 552 (the relay endpoint answers 413). STARTTLS is offered when a PEM certificate and key
   * (file paths) are configured.
   */
  SMTP_INBOUND_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  SMTP_INBOUND_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(20 * 1024 * 1024),
  SMTP_INBOUND_TLS_CERT: z.string().min(1).optional(),
  SMTP_INBOUND_TLS_KEY: z.string().min(1).optional(),
  /**
   * The config-defined email inbox (`email`): its address (default `support@demo.omnihub` on the embedded
   * default) and the SMTP relay its replies go out through (unset on the embedded default: the built-in
   * catcher the simulator shows).
   */
  EMAIL_INBOX_ADDRESS: z.email().optional(),
  EMAIL_INBOX_NAME: z.string().min(1).max(200).default('Email'),
  EMAIL_SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\/[^\s]+$/, 'must be an smtp:// or smtps:// URL')
    .optional(),
  /** Shared secret of `POST /webhooks/email/inbound` (HMAC-SHA256); unset: the relay endpoint is off. */
  EMAIL_RELAY_SECRET: z.string().min(16).max(512).optional(),
  /** How far a relay request's timestamp may be from now (replay window). */
  EMAIL_RELAY_TOLERANCE_SECONDS: z.coerce.number().int().positive().default(300),
  /** At most this many automatic mails (acknowledgements, CSAT) to one address per window. */
  EMAIL_AUTO_REPLY_LIMIT: z.coerce.number().int().min(0).default(3),
  EMAIL_AUTO_REPLY_WINDOW_SECONDS: z.coerce.number().int().positive().default(3600),
  /**
   * IMAP mailboxes of admin-configured email inboxes (connectors/email/imap), polled on worker processes:
   * failed attempts before a message is quarantined, the first retry delay (doubles per attempt), the poll
   * interval of an inbox without `imapPollSeconds` (and IDLE's safety net), the per-mailbox lease (a killed
   * process frees its mailboxes after it), how often the inbox list is re-read, and the largest raw message
   * kept in quarantine.
   */
  IMAP_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(3),
  IMAP_RETRY_DELAY_MS: z.coerce.number().int().min(10).default(5000),
  IMAP_POLL_SECONDS: z.coerce.number().min(1).max(86_400).default(60),
  IMAP_LEASE_MS: z.coerce.number().int().min(500).default(30_000),
  IMAP_INBOX_REFRESH_MS: z.coerce.number().int().min(0).default(30_000),
  IMAP_QUARANTINE_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(25 * 1024 * 1024),
});

/** Every environment variable the hub reads (the deploy samples' test checks them against it). */
export const CONFIG_VARIABLES: readonly string[] = Object.freeze(Object.keys(ConfigSchema.shape));

export type Config = Readonly<
  Omit<z.infer<typeof ConfigSchema>, 'DATA_DIR' | 'PUBLIC_URL' | 'SEED_DEMO' | 'LOG_PRETTY'> & {
    /** Absolute path. */
    DATA_DIR: string;
    /** The base URL providers call, without a trailing slash; used for webhook signatures. */
    PUBLIC_URL: string;
    /** Seeding defaults to on for the embedded default (no MONGODB_URI) and off otherwise. */
    SEED_DEMO: boolean;
    LOG_PRETTY: boolean;
    /** True when the hub runs its own embedded MongoDB engine. */
    usesEmbeddedMongo: boolean;
    /** True when the hub runs its own private redis-server. */
    usesPrivateRedis: boolean;
    /** True when Twilio runs on demo values against the hub's built-in stub (no Twilio account). */
    TWILIO_DEMO: boolean;
    /** True when Meta / Telegram / WeChat run on demo values against their built-in stubs. */
    META_DEMO: boolean;
    TELEGRAM_DEMO: boolean;
    WECHAT_DEMO: boolean;
    /** True when email runs on the demo inbox with outbound into the built-in catcher (no SMTP relay). */
    EMAIL_DEMO: boolean;
  }
>;

/** A configuration error: the message lists every invalid variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Parses and freezes the configuration. `env` defaults to the process environment; tests pass their own.
 * Empty strings count as unset, as shells often export `VAR=`.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = ConfigSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${problems.join('\n')}`);
  }
  const raw = parsed.data;
  const publicUrl = (raw.PUBLIC_URL ?? `http://localhost:${raw.PORT}`).replace(/\/+$/, '');
  const seedDemo = raw.SEED_DEMO ?? raw.MONGODB_URI === undefined;
  // The demo channel credentials are public (they are in this file): they apply only to the seeded demo on
  // the embedded engine, never to a hub that runs the embedded engine without the demo (SEED_DEMO=0).
  const demoChannels = raw.MONGODB_URI === undefined && seedDemo;
  return Object.freeze({
    ...raw,
    DATA_DIR: path.resolve(raw.DATA_DIR),
    PUBLIC_URL: publicUrl,
    SEED_DEMO: seedDemo,
    LOG_PRETTY: raw.LOG_PRETTY ?? Boolean(process.stdout.isTTY),
    usesEmbeddedMongo: raw.MONGODB_URI === undefined,
    usesPrivateRedis: raw.REDIS_URL === undefined,
    ...twilioSettings(raw, publicUrl, demoChannels),
    WEBCHAT_IDENTITY_SECRET:
      raw.WEBCHAT_IDENTITY_SECRET ?? (demoChannels ? WEBCHAT_DEMO_IDENTITY_SECRET : undefined),
    ...socialSettings(raw, publicUrl, demoChannels),
    ...emailSettings(raw, demoChannels),
  });
}

/** The demo email inbox's address and relay secret on the embedded default (documented: never use live). */
export const EMAIL_DEMO_ACCOUNT = Object.freeze({
  EMAIL_INBOX_ADDRESS: 'support@demo.omnihub',
  EMAIL_RELAY_SECRET: 'omnihub-demo-email-relay-secret',
});

/** Email settings: on the embedded default, the demo inbox, the listener on 2525 and the catcher. */
function emailSettings(raw: z.infer<typeof ConfigSchema>, demoChannels: boolean) {
  const embedded = raw.MONGODB_URI === undefined;
  const demo = demoChannels && raw.EMAIL_SMTP_URL === undefined;
  return {
    EMAIL_DEMO: demo,
    // Test hubs (NODE_ENV=test) run side by side in one process: none takes the fixed port unasked.
    SMTP_INBOUND_PORT: raw.SMTP_INBOUND_PORT ?? (embedded && raw.NODE_ENV !== 'test' ? 2525 : 0),
    ...(demoChannels
      ? {
          EMAIL_INBOX_ADDRESS: raw.EMAIL_INBOX_ADDRESS ?? EMAIL_DEMO_ACCOUNT.EMAIL_INBOX_ADDRESS,
          EMAIL_RELAY_SECRET: raw.EMAIL_RELAY_SECRET ?? EMAIL_DEMO_ACCOUNT.EMAIL_RELAY_SECRET,
        }
      : {}),
  };
}

/** The demo web chat inbox's identity secret on the embedded default (documented: never use it live). */
export const WEBCHAT_DEMO_IDENTITY_SECRET = 'omnihub-demo-webchat-identity-secret';

/** Demo Twilio values for the embedded default: Twilio's magic From number and its WhatsApp sandbox. */
export const TWILIO_DEMO_ACCOUNT = Object.freeze({
  TWILIO_ACCOUNT_SID: 'AC00000000000000000000000000000000',
  TWILIO_AUTH_TOKEN: 'omnihub-demo-twilio-auth-token',
  TWILIO_PHONE_NUMBER: '+15005550006',
  TWILIO_WHATSAPP_NUMBER: '+14155238886',
});

/** Twilio settings: configured values, or demo values against the built-in stub on the embedded default. */
function twilioSettings(raw: z.infer<typeof ConfigSchema>, publicUrl: string, demoChannels: boolean) {
  const demo = demoChannels && raw.TWILIO_ACCOUNT_SID === undefined;
  if (!demo) return { TWILIO_DEMO: false };
  return {
    TWILIO_DEMO: true,
    ...TWILIO_DEMO_ACCOUNT,
    TWILIO_PHONE_NUMBER: raw.TWILIO_PHONE_NUMBER ?? TWILIO_DEMO_ACCOUNT.TWILIO_PHONE_NUMBER,
    TWILIO_WHATSAPP_NUMBER: raw.TWILIO_WHATSAPP_NUMBER ?? TWILIO_DEMO_ACCOUNT.TWILIO_WHATSAPP_NUMBER,
    TWILIO_API_BASE: raw.TWILIO_API_BASE ?? `${publicUrl}/twilio-stub`,
  };
}

/** Demo values of the social channels (Meta, Telegram, WeChat) on the embedded default. */
export const SOCIAL_DEMO_ACCOUNTS = Object.freeze({
  META_APP_SECRET: 'omnihub-demo-meta-app-secret',
  META_VERIFY_TOKEN: 'omnihub-demo-meta-verify-token',
  META_PAGE_ACCESS_TOKEN: 'omnihub-demo-meta-page-access-token',
  WHATSAPP_PHONE_NUMBER_ID: '100000000000001',
  TELEGRAM_BOT_TOKEN: '100000001:omnihub-demo-telegram-bot-token',
  TELEGRAM_WEBHOOK_SECRET: 'omnihub-demo-telegram-webhook-secret',
  WECHAT_APP_ID: 'wx000000000omnihub',
  WECHAT_APP_SECRET: 'omnihub-demo-wechat-app-secret',
  WECHAT_TOKEN: 'omnihubdemo',
  WECHAT_ENCODING_AES_KEY: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
});

/**
 * Meta, Telegram and WeChat settings: on the embedded default, a provider whose main credential is unset
 * runs on demo values against its built-in stub; every variable that is set replaces its demo value.
 */
function socialSettings(raw: z.infer<typeof ConfigSchema>, publicUrl: string, demoChannels: boolean) {
  const demo = SOCIAL_DEMO_ACCOUNTS;
  const meta = demoChannels && raw.META_APP_SECRET === undefined;
  const telegram = demoChannels && raw.TELEGRAM_BOT_TOKEN === undefined;
  const wechat = demoChannels && raw.WECHAT_APP_ID === undefined;
  return {
    META_DEMO: meta,
    TELEGRAM_DEMO: telegram,
    WECHAT_DEMO: wechat,
    ...(meta
      ? {
          META_APP_SECRET: demo.META_APP_SECRET,
          META_VERIFY_TOKEN: raw.META_VERIFY_TOKEN ?? demo.META_VERIFY_TOKEN,
          META_PAGE_ACCESS_TOKEN: raw.META_PAGE_ACCESS_TOKEN ?? demo.META_PAGE_ACCESS_TOKEN,
          WHATSAPP_PHONE_NUMBER_ID: raw.WHATSAPP_PHONE_NUMBER_ID ?? demo.WHATSAPP_PHONE_NUMBER_ID,
          META_GRAPH_BASE: raw.META_GRAPH_BASE ?? `${publicUrl}/meta-stub/v21.0`,
        }
      : {}),
    ...(telegram
      ? {
          TELEGRAM_BOT_TOKEN: demo.TELEGRAM_BOT_TOKEN,
          TELEGRAM_WEBHOOK_SECRET: raw.TELEGRAM_WEBHOOK_SECRET ?? demo.TELEGRAM_WEBHOOK_SECRET,
          TELEGRAM_API_BASE: raw.TELEGRAM_API_BASE ?? `${publicUrl}/telegram-stub`,
        }
      : {}),
    ...(wechat
      ? {
          WECHAT_APP_ID: demo.WECHAT_APP_ID,
          WECHAT_APP_SECRET: raw.WECHAT_APP_SECRET ?? demo.WECHAT_APP_SECRET,
          WECHAT_TOKEN: raw.WECHAT_TOKEN ?? demo.WECHAT_TOKEN,
          WECHAT_ENCODING_AES_KEY: raw.WECHAT_ENCODING_AES_KEY ?? demo.WECHAT_ENCODING_AES_KEY,
          WECHAT_API_BASE: raw.WECHAT_API_BASE ?? `${publicUrl}/wechat-stub`,
        }
      : {}),
  };
}
