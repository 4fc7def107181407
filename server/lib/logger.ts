import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * Properties an error may carry that hold a request's body (body-parser puts the whole parsed text on
 * `body`): they are never logged. A 1 MB form posted 20 times must not become 20 MB of log, and bodies
 * carry customers' messages and passwords.
 */
const BODY_KEYS = ['body', 'rawBody', 'raw'] as const;

/** pino's error serializer, without request bodies. */
export function serializeError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const serialized = pino.stdSerializers.err(error) as unknown as Record<string, unknown>;
  for (const key of BODY_KEYS) delete serialized[key];
  return serialized;
}

/** JSON logs for machines, pretty ones in a terminal. Secrets in common places are redacted. */
export function createLogger(options: {
  level: string;
  pretty: boolean;
  name?: string;
  /** Where JSON lines go (default stdout); tests read them back. */
  destination?: DestinationStream;
}): Logger {
  const settings: pino.LoggerOptions = {
    name: options.name ?? 'omnihub',
    level: options.level,
    serializers: { err: serializeError },
    redact: {
      paths: [
        'req.headers.authorization',
        'password',
        '*.password',
        'token',
        '*.token',
        'authToken',
        '*.authToken',
      ],
      censor: '[redacted]',
    },
    ...(options.pretty && !options.destination
      ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } } }
      : {}),
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}
