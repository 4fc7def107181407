/**
 * Twilio end to end: the hub runs as a process (embedded engine, private Redis, demo seed) with its Twilio
 * REST API pointed at the local stub, which sends signed webhooks back to it. Agents are real socket.io
 * clients. Covers: an unanswered call leaves a voicemail with its transcription; an inbound SMS is offered
 * to a connected agent, accepted, answered through the API, sent to the stub and delivered by status
 * callback; a call through the IVR becomes a complaint and is connected to the agent who accepted it.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { startHubProcess, type HubProcess } from '../support/hub-process';
import { waitFor as pollUntil } from '../support/twilio-hub';
import {
  startTwilioStub,
  STUB_ACCOUNT_SID,
  STUB_AUTH_TOKEN,
  type RunningTwilioStub,
} from '../support/twilio-stub';

const PUBLIC_URL = 'http://hub.test';
const DEMO_AGENTS = ['agent1', 'agent2', 'agent3', 'agent4'].map((name) => `${name}@demo.omnihub`);

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- API JSON
type Json = any;

interface LiveAgent {
  agentId: string;
  token: string;
  socket: Socket;
  offers: { offerId: string; conversationId: string }[];
}

async function api(
  base: string,
  method: string,
  path: string,
  token?: string,
  body?: unknown,
): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

/** The shared poller with a longer default: here the hub is a separate process. */
const waitFor = <T>(
  check: () => Promise<T | undefined | false>,
  what: string,
  timeoutMs = 20_000,
): Promise<T> => pollUntil(check, what, timeoutMs);

/** Logs a demo agent in, connects its socket, goes online and accepts every offer it receives. */
async function connectDemoAgent(base: string, email: string): Promise<LiveAgent> {
  const login = await api(base, 'POST', '/api/auth/login', undefined, { email, password: 'demo' });
  assert.equal(login.status, 200, JSON.stringify(login.body));
  const socket = io(`${base}/agent`, {
    auth: { token: login.body.token },
    transports: ['websocket'],
    reconnection: false,
  });
  const agent: LiveAgent = {
    agentId: String(login.body.agent?.id ?? ''),
    token: login.body.token,
    socket,
    offers: [],
  };
  socket.on('offer:new', (payload: { offerId: string; conversation: { id: string } }) => {
    agent.offers.push({ offerId: payload.offerId, conversationId: payload.conversation.id });
    socket.emit('offer:accept', { offerId: payload.offerId }, () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  await socket.timeout(10_000).emitWithAck('presence:set', { status: 'online' });
  return agent;
}

describe('Twilio end to end (hub process + local Twilio stub)', function () {
  this.timeout(120_000);
  let dataDir: string;
  let stub: RunningTwilioStub;
  let hub: HubProcess;
  let supervisor: string;
  const agents: LiveAgent[] = [];

  before(async function () {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'omnihub-e2e-twilio-'));
    stub = await startTwilioStub({ publicUrl: PUBLIC_URL, statusDelayMs: 50 });
    hub = await startHubProcess({
      DATA_DIR: dataDir,
      PUBLIC_URL,
      EMBEDDED_MONGO_DURABILITY: 'memory',
      SEED_DEMO: '1',
      LOG_LEVEL: 'info',
      AUTH_SECRET: 'e2e-secret-e2e-secret-e2e-secret-0123',
      TWILIO_ACCOUNT_SID: STUB_ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: STUB_AUTH_TOKEN,
      TWILIO_PHONE_NUMBER: stub.stub.phoneNumber,
      TWILIO_WHATSAPP_NUMBER: stub.stub.whatsappNumber,
      TWILIO_API_BASE: stub.url,
      VOICE_MAX_WAIT_SECONDS: '15',
    });
    stub.stub.setDeliverTo(hub.baseUrl);
    const login = await api(hub.baseUrl, 'POST', '/api/auth/login', undefined, {
      email: 'supervisor@demo.omnihub',
      password: 'demo',
    });
    assert.equal(login.status, 200, JSON.stringify(login.body));
    supervisor = login.body.token;
  });

  after(async function () {
    for (const agent of agents) agent.socket.close();
    await hub?.stop('SIGTERM');
    await stub?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const conversationOf = async (phone: string): Promise<Json> => {
    const list = await api(
      hub.baseUrl,
      'GET',
      `/api/conversations?q=${encodeURIComponent(phone)}`,
      supervisor,
    );
    return list.body?.items?.[0];
  };
  const timelineOf = async (conversationId: string): Promise<Json[]> =>
    (await api(hub.baseUrl, 'GET', `/api/conversations/${conversationId}/timeline`, supervisor)).body.items;

  it('an unanswered call (no agent online) leaves a voicemail with its transcription on the timeline', async () => {
    const caller = '+8613700000001';
    const result = await stub.stub.placeInboundCall({
      from: caller,
      digits: ['1', '2'],
      voicemailText: 'Please call me back about my last invoice.',
    });
    assert.equal(result.error, undefined, JSON.stringify(result.requests));
    assert.ok(result.queueSeconds >= 15);
    const conversation = await waitFor(() => conversationOf(caller), 'the call conversation');
    const entries = await waitFor(async () => {
      const items = await timelineOf(conversation.id);
      return items.find((entry) => entry.kind === 'voicemail' && entry.text) ? items : undefined;
    }, 'the voicemail transcription');
    const voicemail = entries.find((entry) => entry.kind === 'voicemail');
    assert.equal(voicemail.text, 'Please call me back about my last invoice.');
    assert.equal(voicemail.call.recordingSid, result.recordingSid);
    const callEntry = entries.find((entry) => entry.kind === 'call');
    assert.equal(callEntry.call.outcome, 'voicemail');
    const detail = (await api(hub.baseUrl, 'GET', `/api/conversations/${conversation.id}`, supervisor)).body;
    const view = detail.conversation ?? detail;
    assert.equal(view.category, 'inquiry');
    assert.ok(view.tags.includes('callback'));
  });

  it('an inbound SMS is offered to a connected agent, accepted, answered, sent to the stub and delivered', async () => {
    for (const email of DEMO_AGENTS) agents.push(await connectDemoAgent(hub.baseUrl, email));
    const customer = '+8613700000002';
    const delivery = await stub.stub.sendInboundMessage({ from: customer, body: '你好，我想改一下套餐' });
    assert.equal(delivery.status, 200);
    const conversation = await waitFor(() => conversationOf(customer), 'the SMS conversation');
    const offered = await waitFor(
      () =>
        Promise.resolve(
          agents.find((agent) => agent.offers.some((offer) => offer.conversationId === conversation.id)),
        ),
      'an offer:new for the SMS conversation on an agent socket',
    );
    const assigned = await waitFor(async () => {
      const detail = (await api(hub.baseUrl, 'GET', `/api/conversations/${conversation.id}`, supervisor))
        .body;
      const view = detail.conversation ?? detail;
      return view.assigneeId ? view : undefined;
    }, 'the assignment after accept');
    assert.ok(assigned.assigneeId, 'assigned to the agent who accepted');
    const reply = await api(
      hub.baseUrl,
      'POST',
      `/api/conversations/${conversation.id}/messages`,
      offered.token,
      {
        text: '您好，已为您更换套餐，下月生效。',
      },
    );
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    const sent = await waitFor(
      () => Promise.resolve(stub.stub.messages.find((message) => message.to === customer)),
      'the reply at the Twilio stub',
    );
    assert.equal(sent.body, '您好，已为您更换套餐，下月生效。');
    assert.equal(sent.from, stub.stub.phoneNumber);
    await waitFor(async () => {
      const entry = (await timelineOf(conversation.id)).find((item) => item.id === reply.body.id);
      return entry?.status === 'delivered';
    }, 'status delivered from the status callback');
  });

  it('a call through the IVR becomes a complaint and is connected to the agent who accepted it', async () => {
    const caller = '+8613700000003';
    const result = await stub.stub.placeInboundCall({ from: caller, digits: ['2', '1'], pauseScaleMs: 100 });
    assert.equal(result.error, undefined, JSON.stringify(result.requests));
    assert.ok(result.dialed, `the caller was connected (said: ${JSON.stringify(result.said)})`);
    assert.ok(result.said.some((said) => said.language === 'zh-CN' && said.text.includes('投诉请按 1')));
    const conversation = await waitFor(() => conversationOf(caller), 'the call conversation');
    const detail = (await api(hub.baseUrl, 'GET', `/api/conversations/${conversation.id}`, supervisor)).body;
    const view = detail.conversation ?? detail;
    assert.equal(view.category, 'complaint');
    assert.ok(view.assigneeId);
    const callEntry = await waitFor(async () => {
      const entry = (await timelineOf(conversation.id)).find((item) => item.kind === 'call');
      return entry?.call?.outcome ? entry : undefined;
    }, 'the call outcome');
    assert.equal(callEntry.call.outcome, 'answered');
    assert.equal(callEntry.externalId, result.callSid);
  });
});
