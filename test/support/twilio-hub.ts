/**
 * A whole test hub wired to the local Twilio stub (TWILIO_API_BASE → stub, webhooks from the stub → hub),
 * plus helpers to read what the hub stored through its API.
 */
import { call, loginAs } from '../integration/conversations-support';
import { startTestHub, type RunningTestHub } from './test-stack';
import { startTwilioStub, STUB_ACCOUNT_SID, STUB_AUTH_TOKEN, type RunningTwilioStub } from './twilio-stub';

export const HUB_PUBLIC_URL = 'http://hub.test';

export interface TwilioTestHub {
  running: RunningTestHub;
  stub: RunningTwilioStub;
  /** A supervisor's token (sees every conversation). */
  token: string;
  close(): Promise<void>;
}

export async function startTwilioTestHub(overrides: Record<string, string> = {}): Promise<TwilioTestHub> {
  const stub = await startTwilioStub({ publicUrl: HUB_PUBLIC_URL, statusDelayMs: 20 });
  const running = await startTestHub({
    configOverrides: {
      PUBLIC_URL: HUB_PUBLIC_URL,
      TWILIO_ACCOUNT_SID: STUB_ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: STUB_AUTH_TOKEN,
      TWILIO_PHONE_NUMBER: stub.stub.phoneNumber,
      TWILIO_WHATSAPP_NUMBER: stub.stub.whatsappNumber,
      TWILIO_API_BASE: stub.url,
      VOICE_MAX_WAIT_SECONDS: '20',
      ...overrides,
    },
  });
  stub.stub.setDeliverTo(running.baseUrl);
  const { token } = await loginAs(running, { email: `sup-${Date.now()}@example.com`, role: 'supervisor' });
  return {
    running,
    stub,
    token,
    async close() {
      await stub.close();
      await running.close();
    },
  };
}

/** Polls until `check` returns a value (not undefined/false), or fails after `timeoutMs`. */
export async function waitFor<T>(
  check: () => Promise<T | undefined | false>,
  what: string,
  timeoutMs = 8000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- API JSON
type Json = any;

export async function listConversations(hub: TwilioTestHub, query = ''): Promise<Json[]> {
  const response = await call(hub.running.baseUrl, 'GET', `/api/conversations${query}`, { token: hub.token });
  if (response.status !== 200) throw new Error(`list: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.items as Json[];
}

export async function timeline(hub: TwilioTestHub, conversationId: string): Promise<Json[]> {
  const response = await call(hub.running.baseUrl, 'GET', `/api/conversations/${conversationId}/timeline`, {
    token: hub.token,
  });
  if (response.status !== 200) throw new Error(`timeline: ${response.status}`);
  return response.body.items as Json[];
}

export async function getConversation(hub: TwilioTestHub, conversationId: string): Promise<Json> {
  const response = await call(hub.running.baseUrl, 'GET', `/api/conversations/${conversationId}`, {
    token: hub.token,
  });
  if (response.status !== 200) throw new Error(`conversation: ${response.status}`);
  return response.body;
}

/** Every timeline entry of every conversation (small test databases only). */
export async function allEntries(hub: TwilioTestHub): Promise<Json[]> {
  const entries: Json[] = [];
  for (const conversation of await listConversations(hub, '?limit=100'))
    entries.push(...(await timeline(hub, conversation.id as string)));
  return entries;
}
