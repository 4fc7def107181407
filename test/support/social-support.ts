/**
 * Shared test support of the social connectors (Meta, Telegram, WeChat): a router on its own port (stubs,
 * connector-level webhook apps), fixture reading, and a polling wait.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Router } from 'express';
import type { StoredEntry } from '../../connectors/conformance/channel-conformance';
import { call } from '../integration/conversations-support';

/** The shared webhook fixtures (read-only), resolved from the repository root as ../shared/fixtures. */
export const FIXTURES = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'shared',
  'fixtures',
  'webhooks',
);

export function fixture(relative: string): string {
  return readFileSync(path.join(FIXTURES, relative), 'utf8');
}

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/** Serves routers (each at its path) on 127.0.0.1:<free port>. */
export async function serveRouters(routes: { path: string; router: Router }[]): Promise<RunningServer> {
  const app = express();
  for (const route of routes) app.use(route.path, route.router);
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  let closed = false;
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      if (closed) return;
      closed = true;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Polls until `check` returns a value (not undefined/false), or fails after `timeoutMs`. */
export async function waitUntil<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- API JSON of any shape
export type Json = any;

/** GET on the hub's API as a signed-in staff member; throws on a non-200 answer. */
export async function apiGet(baseUrl: string, token: string, path: string): Promise<Json> {
  const response = await fetch(`${baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const body = await response.json();
  if (response.status !== 200) throw new Error(`GET ${path}: ${response.status} ${JSON.stringify(body)}`);
  return body;
}

/** Every timeline entry of every conversation, conversations newest first (small test databases only). */
export async function allTimelineEntries(baseUrl: string, token: string): Promise<Json[]> {
  const entries: Json[] = [];
  const list = await apiGet(baseUrl, token, '/api/conversations?limit=100');
  for (const conversation of list.items as Json[])
    entries.push(
      ...((await apiGet(baseUrl, token, `/api/conversations/${conversation.id}/timeline`)).items as Json[]),
    );
  return entries;
}

/** The hub's timeline entries as the conformance suite compares them (inbound only, when asked). */
export async function storedEntries(
  baseUrl: string,
  token: string,
  options: { inboundOnly?: boolean } = {},
): Promise<StoredEntry[]> {
  return (await allTimelineEntries(baseUrl, token))
    .filter((entry) => !options.inboundOnly || entry.direction === 'inbound')
    .map((entry) => ({
      channel: entry.channel,
      externalId: entry.externalId,
      kind: entry.kind,
      ...(entry.text ? { text: entry.text } : {}),
    }));
}

/**
 * The conformance suite's note check through the reply API: an internal note then a reply on the first
 * conversation; waits until the reply left `queued`, then fails if the provider stub received the note.
 */
export async function postNoteThenReply(input: {
  baseUrl: string;
  token: string;
  /** The texts the provider stub received. */
  providerTexts: () => (string | undefined)[];
}): Promise<void> {
  const { baseUrl, token } = input;
  const [entry] = await allTimelineEntries(baseUrl, token);
  const path = `/api/conversations/${entry.conversationId}/messages`;
  const note = await call(baseUrl, 'POST', path, {
    token,
    body: { text: 'Internal: VIP customer', private: true },
  });
  if (note.status !== 201) throw new Error(`note: ${note.status}`);
  const reply = await call(baseUrl, 'POST', path, { token, body: { text: '您好，我们已收到。' } });
  if (reply.status !== 201) throw new Error(`reply: ${reply.status} ${JSON.stringify(reply.body)}`);
  await waitUntil(async () => {
    const message = (await allTimelineEntries(baseUrl, token)).find((item) => item.id === reply.body.id);
    return message && message.status !== 'queued';
  }, 'the reply to settle');
  if (input.providerTexts().some((text) => text?.includes('Internal'))) throw new Error('a note was sent');
}

/**
 * A port that forwards every request to the hub, so PUBLIC_URL can be a real address in tests that need
 * the hub to reach its own public URL (the media proxy fetched by the attachments job). Start it before
 * the hub (its URL becomes PUBLIC_URL), then `target(hubBaseUrl)`.
 */
export async function startForwarder(): Promise<RunningServer & { target(url: string): void }> {
  let target = '';
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(([name, value]) => typeof value === 'string' && name !== 'host'),
      ) as Record<string, string>;
      fetch(`${target}${req.url ?? '/'}`, {
        method: req.method ?? 'GET',
        headers,
        ...(chunks.length ? { body: Buffer.concat(chunks) } : {}),
      })
        .then(async (response) => {
          res.writeHead(response.status, Object.fromEntries(response.headers.entries()));
          res.end(Buffer.from(await response.arrayBuffer()));
        })
        .catch(() => res.writeHead(502).end());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    target(url) {
      target = url;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
