/**
 * The OpenAPI document against the real application: every route mounted under `/api` is in the document,
 * and every documented operation is a mounted route. A route added without a declaration fails here.
 */
import assert from 'node:assert/strict';
import { listMountedRoutes } from '../support/express-routes';
import { startTestHub, type RunningTestHub } from '../support/test-stack';

describe('the OpenAPI document covers exactly the mounted /api routes', function () {
  this.timeout(60_000);
  let stack: RunningTestHub;
  before(async () => {
    stack = await startTestHub();
  });
  after(async () => {
    await stack?.close();
  });

  it('lists every mounted /api route, and no route that is not mounted', async () => {
    const answer = await fetch(`${stack.baseUrl}/api/openapi.json`);
    assert.equal(answer.status, 200);
    const document = (await answer.json()) as { openapi: string; paths: Record<string, object> };
    assert.equal(document.openapi, '3.1.0');
    const documented = new Set(
      Object.entries(document.paths).flatMap(([path, item]) =>
        Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
      ),
    );
    const mounted = new Set(
      listMountedRoutes(stack.hub.app)
        .filter((route) => route.path.startsWith('/api/'))
        .map((route) => `${route.method} ${route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`),
    );
    assert.ok(mounted.size > 100, `the walk found the routes (${mounted.size})`);
    const undocumented = [...mounted].filter((route) => !documented.has(route)).sort();
    const notMounted = [...documented].filter((route) => !mounted.has(route)).sort();
    assert.deepEqual({ undocumented, notMounted }, { undocumented: [], notMounted: [] });
  });
});
