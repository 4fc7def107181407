import { createLogger, type Logger } from '../../server/lib/logger';

/** Silent unless TEST_LOG_LEVEL says otherwise (e.g. TEST_LOG_LEVEL=debug to see a failing test's logs). */
export const testLogger: Logger = createLogger({
  level: process.env.TEST_LOG_LEVEL ?? 'silent',
  pretty: false,
});
