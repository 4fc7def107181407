import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Router } from 'express';
import { buildApp } from '../../server/http/app';
import { AppError } from '../../server/lib/app-error';
import { createMetrics } from '../../server/lib/metrics';
import { testLogger } from '../support/test-logger';

describe('HTTP application: errors and limits', () => {
  let server: Server;
  let base: string;

  before(async () => {
    const router = Router();
    router.get('/app-error', () => {
      throw new AppError('CONFLICT', {
        message: 'internal detail: version 3 != 4',
        userMessage: 'Already changed.',
      });
    });
    router.get('/crash', () => {
      throw new Error('secret internal stack detail');
    });
    router.get('/async-crash', async () => {
      await Promise.resolve();
      throw new TypeError('cannot read x of undefined');
    });
    router.post('/echo', (req, res) => {
      res.json({ body: req.body as unknown, rawLength: req.rawBody?.length ?? 0 });
    });
    const app = buildApp({
      logger: testLogger,
      metrics: createMetrics(),
      bodyLimitBytes: 1024,
      modules: [{ path: '/t', router }],
    });
    server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('answers an AppError with its status, code and user message only', async () => {
    const res = await fetch(`${base}/t/app-error`);
    assert.equal(res.status, 409);
    assert.deepEqual(await res.json(), { error: { code: 'CONFLICT', message: 'Already changed.' } });
  });

  it('answers unexpected errors with 500 and no stack or internal message', async () => {
    for (const route of ['crash', 'async-crash']) {
      const res = await fetch(`${base}/t/${route}`);
      assert.equal(res.status, 500);
      const text = await res.text();
      assert.deepEqual(JSON.parse(text), {
        error: { code: 'INTERNAL', message: 'Something went wrong on our side.' },
      });
      assert.doesNotMatch(text, /stack|secret|undefined|at /);
    }
  });

  it('answers malformed JSON with 400', async () => {
    const res = await fetch(`${base}/t/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"a":',
    });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'INVALID_INPUT');
  });

  it('refuses a body over the limit with 413', async () => {
    const res = await fetch(`${base}/t/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'x'.repeat(2048) }),
    });
    assert.equal(res.status, 413);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'PAYLOAD_TOO_LARGE');
  });

  it('keeps the raw body bytes for signature checks', async () => {
    const body = '{"b": 1,  "a": "é"}';
    const res = await fetch(`${base}/t/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    assert.deepEqual(await res.json(), { body: { b: 1, a: 'é' }, rawLength: Buffer.byteLength(body) });
  });

  it('answers unknown routes with a 404 error body', async () => {
    const res = await fetch(`${base}/nope`);
    assert.equal(res.status, 404);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'NOT_FOUND');
  });

  it('sets security headers', async () => {
    const res = await fetch(`${base}/nope`);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('x-powered-by'), null);
  });
});
