import express, { type Express, type Request, type RequestHandler, type Router } from 'express';
import helmet from 'helmet';
import path from 'node:path';
import { AppError } from '../lib/app-error';
import type { Logger } from '../lib/logger';
import type { Metrics } from '../lib/metrics';
import { errorMiddleware, notFoundHandler } from './error-middleware';

declare module 'http' {
  interface IncomingMessage {
    /** The body's bytes as received, for webhook signatures (hash the bytes, never re-serialized JSON). */
    rawBody?: Buffer;
  }
}

/** A router a module contributes, mounted at `path`. */
export interface HttpModule {
  path: string;
  router: Router;
  /**
   * The module parses its own bodies (a larger limit for one provider, raw XML): it is mounted before the
   * shared JSON and form parsers, which then do not touch its requests.
   */
  parsesOwnBody?: boolean;
}

export interface BuildAppDeps {
  logger: Logger;
  metrics: Metrics;
  bodyLimitBytes: number;
  modules: readonly HttpModule[];
  /**
   * Single-page apps served at a path (the built agent UI): files from `dir`, and `index.html` for any
   * other path below it so client-side routes survive a reload.
   */
  spas?: readonly { path: string; dir: string }[];
  /** Where `GET /` redirects (the agent UI). */
  homePath?: string;
  /**
   * Runs ahead of every `/webhooks` router and body parser (the refusal rate limit): a flood of unsigned
   * requests is turned away before its body is read.
   */
  webhookGuard?: RequestHandler;
}

/** Keeps the raw bytes of parsed bodies on the request. */
function keepRawBody(req: Request, _res: unknown, buf: Buffer): void {
  req.rawBody = buf;
}

/** Builds the Express application. It never listens: the caller (the hub, or a test) does. */
export function buildApp(deps: BuildAppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          // Remote images in emails load only after an agent asks (the agent app's mail frame blocks them
          // until then with its own stricter policy); nothing else of the app loads from elsewhere.
          'img-src': ["'self'", 'data:', 'https:'],
        },
      },
    }),
  );
  app.use((req, res, next) => {
    const end = deps.metrics.httpDuration.startTimer();
    res.on('finish', () => {
      // The matched route pattern keeps label cardinality bounded; unmatched paths share one label.
      const route = (req.route as { path?: string } | undefined)?.path;
      const label = route ? `${req.baseUrl}${route}` : 'unmatched';
      end({ method: req.method, route: label });
      deps.metrics.httpRequests.inc({ method: req.method, route: label, status: String(res.statusCode) });
    });
    next();
  });

  if (deps.webhookGuard) app.use('/webhooks', deps.webhookGuard);
  for (const module of deps.modules.filter((m) => m.parsesOwnBody)) app.use(module.path, module.router);

  app.use(express.json({ limit: deps.bodyLimitBytes, verify: keepRawBody }));
  app.use(express.urlencoded({ extended: false, limit: deps.bodyLimitBytes, verify: keepRawBody }));

  for (const module of deps.modules.filter((m) => !m.parsesOwnBody)) app.use(module.path, module.router);
  for (const spa of deps.spas ?? []) {
    app.use(spa.path, express.static(spa.dir, { index: 'index.html' }));
    app.get(`${spa.path}/*splat`, (_req, res, next) => {
      res.sendFile(path.join(spa.dir, 'index.html'), (error) => {
        if (error)
          next(new AppError('NOT_FOUND', { userMessage: 'The agent UI is not built (npm run build:ui).' }));
      });
    });
  }
  const homePath = deps.homePath;
  if (homePath) app.get('/', (_req, res) => res.redirect(homePath));

  app.use(notFoundHandler);
  app.use(errorMiddleware(deps.logger));
  return app;
}
