import { Router, type RequestHandler } from 'express';
import { documentRoutes } from '../../http/openapi';
import { parseInput } from '../../lib/validate';
import { LoginSchema, RefreshSchema, SessionTokensSchema } from './agents.schemas';
import type { AuthService } from './auth.service';
import { parseBearer } from './tokens';

/** `/api/auth`: login (rate limited per IP and email), refresh (rotating), logout. */
export function createAuthRouter(deps: {
  auth: AuthService;
  loginLimiter: RequestHandler;
  requireAuth: RequestHandler;
}): Router {
  const router = Router();
  const api = documentRoutes(router, { tags: ['Authentication'] });

  api.post(
    '/login',
    {
      summary: 'Log in with email and password: a 15-minute token and a refresh token',
      auth: 'public',
      body: LoginSchema,
      responses: { 200: SessionTokensSchema },
    },
    deps.loginLimiter,
    async (req, res) => {
      const input = parseInput(LoginSchema, req.body, 'login');
      res.json(await deps.auth.login({ ...input, ip: req.ip }));
    },
  );

  api.post(
    '/refresh',
    {
      summary: 'Trade a refresh token for new tokens (the old refresh token stops working)',
      auth: 'public',
      body: RefreshSchema,
      responses: { 200: SessionTokensSchema },
    },
    deps.loginLimiter,
    async (req, res) => {
      const { refreshToken } = parseInput(RefreshSchema, req.body, 'refresh');
      res.json(await deps.auth.refresh(refreshToken));
    },
  );

  api.post(
    '/logout',
    { summary: "End this token's session", responses: { 204: null } },
    deps.requireAuth,
    async (req, res) => {
      const token = parseBearer(req.headers.authorization);
      if (token) await deps.auth.logout(token);
      res.status(204).end();
    },
  );

  return router;
}
