import { Router, type RequestHandler } from 'express';
import { parseInput } from '../../lib/validate';
import { LoginSchema, RefreshSchema } from './agents.schemas';
import type { AuthService } from './auth.service';
import { parseBearer } from './tokens';

/** `/api/auth`: login (rate limited per IP and email), refresh (rotating), logout. */
export function createAuthRouter(deps: {
  auth: AuthService;
  loginLimiter: RequestHandler;
  requireAuth: RequestHandler;
}): Router {
  const router = Router();

  router.post('/login', deps.loginLimiter, async (req, res) => {
    const input = parseInput(LoginSchema, req.body, 'login');
    res.json(await deps.auth.login({ ...input, ip: req.ip }));
  });

  router.post('/refresh', deps.loginLimiter, async (req, res) => {
    const { refreshToken } = parseInput(RefreshSchema, req.body, 'refresh');
    res.json(await deps.auth.refresh(refreshToken));
  });

  router.post('/logout', deps.requireAuth, async (req, res) => {
    const token = parseBearer(req.headers.authorization);
    if (token) await deps.auth.logout(token);
    res.status(204).end();
  });

  return router;
}
