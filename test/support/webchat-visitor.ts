/**
 * A real socket.io-client web chat visitor for tests: connects to /customer with the handshake the widget
 * sends, records every server event, and waits for conditions (polling the recorded events).
 */
import { randomBytes } from 'node:crypto';
import { io, type Socket } from 'socket.io-client';
import type { WidgetMessage, WidgetSession } from '../../connectors/webchat/webchat-events';

export interface TestVisitor {
  socket: Socket;
  session(): WidgetSession;
  messages: WidgetMessage[];
  events: { name: string; payload: unknown }[];
  emit(event: string, payload: unknown): Promise<Record<string, unknown>>;
  send(text: string, clientId?: string): Promise<Record<string, unknown>>;
  waitFor<T>(what: string, probe: () => T | undefined | null | false, timeoutMs?: number): Promise<T>;
  close(): void;
}

export const clientId = () => randomBytes(12).toString('hex');

/** Connects a visitor; rejects with the refusal (`error.data.code`) when the handshake is refused. */
export async function connectVisitor(
  baseUrl: string,
  auth: Record<string, unknown> = { inbox: 'demo' },
  options: { origin?: string } = {},
): Promise<TestVisitor> {
  const socket = io(`${baseUrl}/customer`, {
    auth,
    transports: ['websocket'],
    reconnection: false,
    ...(options.origin ? { extraHeaders: { origin: options.origin } } : {}),
  });
  let session: WidgetSession | null = null;
  const messages: WidgetMessage[] = [];
  const events: { name: string; payload: unknown }[] = [];
  socket.onAny((name: string, payload: unknown) => {
    events.push({ name, payload });
    if (name === 'session') session = payload as WidgetSession;
  });
  // Recorded before the ack leaves, like the widget: a send that waited for the ack sees it counted.
  socket.on('message', (payload: { message: WidgetMessage }, ack?: (received: boolean) => void) => {
    messages.push(payload.message);
    ack?.(true);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  const waitFor = async <T>(
    what: string,
    probe: () => T | undefined | null | false,
    timeoutMs = 15_000,
  ): Promise<T> => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const value = probe();
      if (value) return value;
      if (Date.now() > until) throw new Error(`visitor: timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };
  await waitFor('session', () => session);
  const emit = async (event: string, payload: unknown) =>
    (await socket.timeout(15_000).emitWithAck(event, payload)) as Record<string, unknown>;
  return {
    socket,
    session: () => session!,
    messages,
    events,
    emit,
    send: (text, id = clientId()) => emit('message:send', { clientId: id, text }),
    waitFor,
    close: () => socket.close(),
  };
}
