/**
 * A real socket.io-client agent for tests: logs in over HTTP, connects to /agent, records every event,
 * and can wait for the next event of a kind.
 */
import { io, type Socket } from 'socket.io-client';
import {
  AGENT_SERVER_EVENTS,
  type AgentClientToServerEvents,
  type AgentServerToClientEvents,
} from '../../server/realtime/socket-events';
import type { RunningTestHub } from './test-stack';

type Events = AgentServerToClientEvents;
export type Received = { name: keyof Events; payload: Record<string, unknown> & { eventId: string } };

export interface TestAgent {
  agentId: string;
  token: string;
  socket: Socket<Events, AgentClientToServerEvents>;
  received: Received[];
  next(
    name: keyof Events,
    predicate?: (payload: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  emit(event: keyof AgentClientToServerEvents, payload: unknown): Promise<Record<string, unknown>>;
  close(): void;
}

export async function createTeam(
  running: RunningTestHub,
  name: string,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const team = await running.hub.agents.agents.createTeam({ name, ...extra }, null);
  return team.id;
}

export async function connectAgent(
  running: RunningTestHub,
  input: {
    email: string;
    teamIds: string[];
    role?: 'agent' | 'supervisor' | 'admin';
    skills?: string[];
    languages?: string[];
    capacity?: Record<string, number>;
    online?: boolean;
  },
): Promise<TestAgent> {
  const password = 'correct horse battery';
  const agent = await running.hub.agents.agents.createAgent(
    {
      email: input.email,
      name: input.email.split('@')[0]!,
      password,
      role: input.role ?? 'agent',
      teamIds: input.teamIds,
      skills: input.skills ?? [],
      languages: input.languages ?? [],
      ...(input.capacity ? { capacity: input.capacity } : {}),
    },
    null,
  );
  const res = await fetch(`${running.baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: input.email, password }),
  });
  const { token } = (await res.json()) as { token: string };
  const socket: Socket<Events, AgentClientToServerEvents> = io(`${running.baseUrl}/agent`, {
    auth: { token },
    transports: ['websocket'],
    reconnection: false,
  });
  const received: Received[] = [];
  const waiters: {
    name: keyof Events;
    predicate: (p: Record<string, unknown>) => boolean;
    resolve: (p: Record<string, unknown>) => void;
  }[] = [];
  for (const name of AGENT_SERVER_EVENTS) {
    socket.on(name, ((payload: Received['payload']) => {
      received.push({ name, payload });
      for (const waiter of [...waiters]) {
        if (waiter.name === name && waiter.predicate(payload)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(payload);
        }
      }
    }) as never);
  }
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  const client: TestAgent = {
    agentId: agent.id,
    token,
    socket,
    received,
    next(name, predicate = () => true, timeoutMs = 10_000) {
      const already = received.find((r) => r.name === name && predicate(r.payload) && !consumed.has(r));
      if (already) {
        consumed.add(already);
        return Promise.resolve(already.payload);
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no ${name} for ${input.email} within ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiters.push({
          name,
          predicate,
          resolve: (payload) => {
            clearTimeout(timer);
            const entry = received.find((r) => r.payload === payload);
            if (entry) consumed.add(entry);
            resolve(payload);
          },
        });
      });
    },
    async emit(event, payload) {
      return (await socket.timeout(10_000).emitWithAck(event as 'sync', payload)) as Record<string, unknown>;
    },
    close: () => socket.close(),
  };
  const consumed = new Set<Received>();
  if (input.online !== false) {
    const ack = await client.emit('presence:set', { status: 'online' });
    if (ack.ok !== true) throw new Error(`presence:set failed: ${JSON.stringify(ack)}`);
  }
  return client;
}
