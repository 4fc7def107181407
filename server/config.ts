import path from 'node:path';
import { z } from 'zod';

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
  /** How long the attachments job waits for a provider's media download before retrying. */
  ATTACHMENT_FETCH_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  /** How often the SLA sweep fires overdue warnings/breaches and re-arms lost timers (0 disables it). */
  SLA_SWEEP_INTERVAL_MS: z.coerce.number().int().min(0).default(30_000),
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
  /** How long a caller waits in the queue for an agent before being offered the voicemail. */
  VOICE_MAX_WAIT_SECONDS: z.coerce.number().int().positive().max(3600).default(60),
});

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
  return Object.freeze({
    ...raw,
    DATA_DIR: path.resolve(raw.DATA_DIR),
    PUBLIC_URL: publicUrl,
    SEED_DEMO: raw.SEED_DEMO ?? raw.MONGODB_URI === undefined,
    LOG_PRETTY: raw.LOG_PRETTY ?? Boolean(process.stdout.isTTY),
    usesEmbeddedMongo: raw.MONGODB_URI === undefined,
    usesPrivateRedis: raw.REDIS_URL === undefined,
    ...twilioSettings(raw, publicUrl),
  });
}

/** Demo Twilio values for the embedded default: Twilio's magic From number and its WhatsApp sandbox. */
export const TWILIO_DEMO_ACCOUNT = Object.freeze({
  TWILIO_ACCOUNT_SID: 'AC00000000000000000000000000000000',
  TWILIO_AUTH_TOKEN: 'omnihub-demo-twilio-auth-token',
  TWILIO_PHONE_NUMBER: '+15005550006',
  TWILIO_WHATSAPP_NUMBER: '+14155238886',
});

/** Twilio settings: configured values, or demo values against the built-in stub on the embedded default. */
function twilioSettings(raw: z.infer<typeof ConfigSchema>, publicUrl: string) {
  const demo = raw.TWILIO_ACCOUNT_SID === undefined && raw.MONGODB_URI === undefined;
  if (!demo) return { TWILIO_DEMO: false };
  return {
    TWILIO_DEMO: true,
    ...TWILIO_DEMO_ACCOUNT,
    TWILIO_PHONE_NUMBER: raw.TWILIO_PHONE_NUMBER ?? TWILIO_DEMO_ACCOUNT.TWILIO_PHONE_NUMBER,
    TWILIO_WHATSAPP_NUMBER: raw.TWILIO_WHATSAPP_NUMBER ?? TWILIO_DEMO_ACCOUNT.TWILIO_WHATSAPP_NUMBER,
    TWILIO_API_BASE: raw.TWILIO_API_BASE ?? `${publicUrl}/twilio-stub`,
  };
}
