/**
 * The routes an Express 5 application really serves: walks its router stack (mounted routers included)
 * and lists `METHOD /full/path` with Express path syntax (`/api/conversations/:id`).
 */
import type { Express } from 'express';

interface Layer {
  rawPath?: unknown;
  handle?: { stack?: Layer[] };
  route?: { path: unknown; methods: Record<string, boolean>; stack: unknown[] };
}

export interface MountedRoute {
  method: string;
  path: string;
}

function join(prefix: string, part: unknown): string {
  if (typeof part !== 'string') throw new Error(`route path ${String(part)} is not a string`);
  const joined = `${prefix}/${part}`.replace(/\/+/g, '/');
  return joined.length > 1 ? joined.replace(/\/$/, '') : joined;
}

function walk(stack: Layer[], prefix: string, out: MountedRoute[]): void {
  for (const layer of stack) {
    if (layer.route) {
      const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
      for (const path of paths)
        for (const [method, on] of Object.entries(layer.route.methods))
          if (on && method !== '_all') out.push({ method: method.toUpperCase(), path: join(prefix, path) });
    } else if (layer.handle?.stack) {
      walk(layer.handle.stack, layer.rawPath === undefined ? prefix : join(prefix, layer.rawPath), out);
    }
  }
}

export function listMountedRoutes(app: Express): MountedRoute[] {
  const router = (app as unknown as { router: { stack: Layer[] } }).router;
  const out: MountedRoute[] = [];
  walk(router.stack, '', out);
  return out;
}
