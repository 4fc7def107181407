import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, isAppError } from '../lib/app-error';
import type { Logger } from '../lib/logger';

/**
 * Maps body-parser's errors (they carry a `type` and a 4xx status) to application errors. Every one of them
 * is the client's fault: an unknown type with a 4xx status still answers 400, never 500.
 */
function fromBodyParserError(error: unknown): AppError | null {
  if (typeof error !== 'object' || error === null || !('type' in error) || typeof error.type !== 'string')
    return null;
  switch (error.type) {
    case 'entity.too.large':
      return new AppError('PAYLOAD_TOO_LARGE', { cause: error });
    case 'parameters.too.many':
      return new AppError('PAYLOAD_TOO_LARGE', { userMessage: 'Too many form parameters.', cause: error });
    case 'entity.parse.failed':
    case 'querystring.parse.rangeError':
    case 'entity.verify.failed':
      return new AppError('INVALID_INPUT', { userMessage: 'The request body is not valid.', cause: error });
    case 'request.aborted':
    case 'request.size.invalid':
      return new AppError('INVALID_INPUT', { userMessage: 'The request body was incomplete.', cause: error });
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return new AppError('UNSUPPORTED_MEDIA_TYPE', { cause: error });
    default: {
      const status = (error as { status?: unknown }).status;
      return typeof status === 'number' && status >= 400 && status < 500
        ? new AppError('INVALID_INPUT', { userMessage: 'The request body is not valid.', cause: error })
        : null;
    }
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
