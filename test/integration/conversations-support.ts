/** Helpers shared by the conversations, ingest and demo integration tests. */
import type { InboundEvent } from '../../connectors/channel';
import type { RunningTestHub } from '../support/test-stack';

export interface Json {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed JSON of any shape
  body: any;
}

export async function call(
  baseUrl: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; rawBody?: string } = {},
): Promise<Json> {
  const hasBody = options.body !== undefined || options.rawBody !== undefined;
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      ...(hasBody ? { 'content-type': 'application/json' } : {}),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    },
    body: options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

let counter = 0;
/** A unique provider id. */
export function nextId(prefix = 'EXT'): string {
  counter += 1;
  return `${prefix}${Date.now().toString(36)}${counter}`;
}

/** An inbound SMS-like event; override anything. */
export function inbound(overrides: Partial<InboundEvent> = {}): InboundEvent {
  return {
    channel: 'sms',
    inboxId: 'inbox-sms',
    externalId: nextId('SM'),
    occurredAt: new Date(),
    from: { externalId: '+8613800000001', phone: '+8613800000001', name: '王小明' },
    kind: 'message',
    text: 'hello',
    ...overrides,
  };
}

/** An inbound email; `from` is the address. */
export function email(from: string, overrides: Partial<InboundEvent> = {}): InboundEvent {
  return inbound({
    channel: 'email',
    inboxId: 'inbox-email',
    externalId: `<${nextId('m')}@mail.example>`,
    from: { externalId: from, email: from, name: from.split('@')[0] },
    subject: 'Broken kettle',
    text: 'My kettle is broken.',
    ...overrides,
  });
}

/** Creates an agent (through identity's service) and logs in over HTTP. */
export async function loginAs(
  running: RunningTestHub,
  input: { email: string; role?: 'agent' | 'supervisor' | 'admin'; teamIds?: string[] },
): Promise<{ token: string; agentId: string }> {
  const password = 'correct horse battery';
  const agent = await running.hub.agents.agents.createAgent(
    {
      email: input.email,
      name: input.email.split('@')[0]!,
      password,
      role: input.role ?? 'agent',
      teamIds: input.teamIds ?? [],
    },
    null,
  );
  const login = await call(running.baseUrl, 'POST', '/api/auth/login', {
    body: { email: input.email, password },
  });
  if (login.status !== 200) throw new Error(`login failed: ${JSON.stringify(login.body)}`);
  return { token: login.body.token as string, agentId: agent.id };
}

export async function createTeam(running: RunningTestHub, name: string): Promise<string> {
  return (await running.hub.agents.agents.createTeam({ name }, null)).id;
}
