/**
 * An HTTP gate in front of a provider stub that fails the way a provider's API does: `slow` (answers after
 * a delay, within the client's timeout), `dead` (each request in turn answered 503, reset, or left hanging
 * unanswered — never forwarded, so the provider never acts on it), or `pass`. It records every request
 * that reached it, with its time and mode.
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type GateMode = 'pass' | 'slow' | 'dead';

export interface ProviderGate {
  url: string;
  mode: GateMode;
  requests: { at: number; mode: GateMode; path: string }[];
  close(): Promise<void>;
}

export async function startProviderGate(
  targetUrl: string,
  options: { slowMs: number },
): Promise<ProviderGate> {
  const target = new URL(targetUrl);
  const sockets = new Set<Socket>();
  let deadTurn = 0;

  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const upstream = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    upstream.end(body);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const mode = gate.mode;
      // Only the REST API the hub calls is gated; media downloads and the like pass.
      const gated = req.method === 'POST';
      if (gated) gate.requests.push({ at: Date.now(), mode, path: req.url ?? '' });
      if (!gated || mode === 'pass') return forward(req, res, body);
      if (mode === 'slow') return void setTimeout(() => forward(req, res, body), options.slowMs);
      const turn = deadTurn++ % 3;
      if (turn === 0) {
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ code: 20503, message: 'Service Unavailable', status: 503 }));
      } else if (turn === 1) {
        req.socket.destroy();
      }
      // turn 2: never answered (the client's timeout decides)
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const gate: ProviderGate = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    mode: 'pass',
    requests: [],
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  return gate;
}
