import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, isAppError } from '../lib/app-error';
import type { Logger } from '../lib/logger';

/** Maps body-parser's errors (they carry a `type`) to application errors. */
function fromBodyParserError(error: unknown): AppError | null {
  if (typeof error !== 'object' || error === null || !('type' in error)) return null;
  switch (error.type) {
    case 'entity.too.large':
      return new AppError('PAYLOAD_TOO_LARGE', { cause: error });
    case 'entity.parse.failed':
      return new AppError('INVALID_INPUT', { userMessage: 'The request body is not valid.', cause: error });
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return new AppError('UNSUPPORTED_MEDIA_TYPE', { cause: error });
    default:
      return null;
  }
}

/**
 * The one error middleware: clients get `{error: {code, message}}` and the code's status, never a stack.
 * Unexpected errors are logged with their stack and answered as INTERNAL.
 */
export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const appError = isAppError(error) ? error : fromBodyParserError(error);
    if (appError) {
      if (appError.status >= 500) logger.error({ err: error, path: req.path }, appError.message);
      res.status(appError.status).json({
        error: {
          code: appError.code,
          message: appError.userMessage,
          ...(appError.details === undefined ? {} : { details: appError.details }),
        },
      });
      return;
    }
    logger.error({ err: error, method: req.method, path: req.path }, 'unhandled error');
    const internal = new AppError('INTERNAL');
    res.status(internal.status).json({ error: { code: internal.code, message: internal.userMessage } });
  };
}

export const notFoundHandler: RequestHandler = (_req, _res, next) => {
  next(new AppError('NOT_FOUND', { userMessage: 'No such route.' }));
};
