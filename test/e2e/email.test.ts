/**
 * Email end to end: the hub as a process on the embedded default (demo inbox, SMTP listener, outbound into
 * the built-in catcher). A customer's mail comes in over real SMTP, is offered to an agent, the agent's
 * reply reaches the catcher with the threading headers, and the customer's answer (sent through the
 * simulator panel, SMTP again) threads into the same conversation. A reply to a seeded demo email
 * conversation goes out through the demo inbox too.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { io, type Socket } from 'socket.io-client';
import { freePort } from '../support/email-hub';
import { startHubProcess, type HubProcess } from '../support/hub-process';
import { waitFor as pollUntil } from '../support/twilio-hub';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- API JSON
type Json = any;

const waitFor = <T>(check: () => Promise<T | undefined | false>, what: string): Promise<T> =>
  pollUntil(check, what, 30_000);

async function api(base: string, method: string, route: string, token?: string, body?: unknown) {
  const response = await fetch(`${base}${route}`, {
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

describe('email end to end (hub process, SMTP listener, demo catcher)', function () {
  this.timeout(180_000);
  let dataDir: string;
  let hub: HubProcess;
  let smtpPort: number;
  const sockets: Socket[] = [];
  const offers: { agentToken: string; conversationId: string }[] = [];

  before(async function () {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'omnihub-e2e-email-'));
    smtpPort = await freePort();
    hub = await startHubProcess({
      DATA_DIR: dataDir,
      EMBEDDED_MONGO_DURABILITY: 'memory',
      SEED_DEMO: '1',
      HOST: '127.0.0.1',
      SMTP_INBOUND_PORT: String(smtpPort),
    });
    for (const email of ['agent1', 'agent2', 'agent3', 'agent4'].map((name) => `${name}@demo.omnihub`)) {
      const login = await api(hub.baseUrl, 'POST', '/api/auth/login', undefined, { email, password: 'demo' });
      assert.equal(login.status, 200);
      const token = login.body.token as string;
      const socket = io(`${hub.baseUrl}/agent`, {
        auth: { token },
        transports: ['websocket'],
        reconnection: false,
      });
      socket.on('offer:new', (payload: { offerId: string; conversation: { id: string } }) => {
        offers.push({ agentToken: token, conversationId: payload.conversation.id });
        socket.emit('offer:accept', { offerId: payload.offerId }, () => undefined);
      });
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', reject);
      });
      await socket.timeout(10_000).emitWithAck('presence:set', { status: 'online' });
      sockets.push(socket);
    }
  });

  after(async function () {
    for (const socket of sockets) socket.close();
    await hub?.stop('SIGTERM');
    await rm(dataDir, { recursive: true, force: true });
  });

  it('mail in → offer → agent reply at the catcher with threading headers → the answer threads in', async () => {
    const customer = `zhao.lei.${Date.now()}@example.com`;
    const firstId = `<e2e-${Date.now()}@client.example>`;
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: smtpPort,
      secure: false,
      ignoreTLS: true,
    });
    await transport.sendMail({
      from: { name: '赵磊', address: customer },
      to: 'support@demo.omnihub',
      subject: '发票开错了',
      messageId: firstId,
      text: '您好，上周的发票抬头开错了，请重新开具。',
    });
    transport.close();

    const supervisor = (
      await api(hub.baseUrl, 'POST', '/api/auth/login', undefined, {
        email: 'supervisor@demo.omnihub',
        password: 'demo',
      })
    ).body.token as string;
    const conversation = await waitFor(async () => {
      const list = await api(
        hub.baseUrl,
        'GET',
        `/api/conversations?q=${encodeURIComponent(customer)}`,
        supervisor,
      );
      return list.body?.items?.[0];
    }, 'the conversation');
    const offer = await waitFor(
      () => Promise.resolve(offers.find((entry) => entry.conversationId === conversation.id)),
      'an offer to an agent',
    );

    const reply = await api(
      hub.baseUrl,
      'POST',
      `/api/conversations/${conversation.id}/messages`,
      offer.agentToken,
      {
        text: '已为您重新开具，请查收。',
      },
    );
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    const caught = await waitFor(async () => {
      const outbox = await api(hub.baseUrl, 'GET', '/simulator/email/outbox.json');
      return (outbox.body.items as Json[]).find((mail) => String(mail.to).includes(customer));
    }, 'the reply at the catcher');
    assert.equal(caught.inReplyTo, firstId);
    assert.ok((caught.references as string[]).includes(firstId));
    assert.match(caught.subject, /^Re: 发票开错了 \[#\d+\]$/);
    assert.match(caught.replyTo, /^reply\+[0-9a-f]+@demo\.omnihub$/);
    assert.match(caught.text, /已为您重新开具/);
    assert.equal(caught.autoSubmitted, null);

    // The customer answers through the simulator panel (SMTP to the listener), dropping References.
    const answer = await api(hub.baseUrl, 'POST', '/simulator/email/send', undefined, {
      from: customer,
      replyTo: caught.id,
      text: '收到了，谢谢！',
      dropReferences: true,
    });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const items = await waitFor(async () => {
      const timeline = await api(
        hub.baseUrl,
        'GET',
        `/api/conversations/${conversation.id}/timeline`,
        supervisor,
      );
      const list = timeline.body.items as Json[];
      return list.some((item) => item.text === '收到了，谢谢！') ? list : undefined;
    }, 'the answer in the same conversation');
    assert.equal(items.filter((item) => item.direction === 'inbound').length, 2);
  });

  it('sends a reply to a seeded demo email conversation through the demo inbox', async () => {
    const supervisor = (
      await api(hub.baseUrl, 'POST', '/api/auth/login', undefined, {
        email: 'supervisor@demo.omnihub',
        password: 'demo',
      })
    ).body.token as string;
    const list = await api(hub.baseUrl, 'GET', '/api/conversations?channel=email&limit=50', supervisor);
    const seeded = (list.body.items as Json[]).find(
      (item) => item.inboxId === 'email' && item.status !== 'closed',
    );
    assert.ok(seeded, 'a seeded email conversation on the demo inbox');
    const reply = await api(hub.baseUrl, 'POST', `/api/conversations/${seeded.id}/messages`, supervisor, {
      text: 'Thanks for waiting.',
    });
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    const settled = await waitFor(async () => {
      const timeline = await api(hub.baseUrl, 'GET', `/api/conversations/${seeded.id}/timeline`, supervisor);
      const message = (timeline.body.items as Json[]).find((item) => item.id === reply.body.id);
      return message?.status === 'sent' || message?.status === 'failed' ? message : undefined;
    }, 'the reply settled');
    assert.equal(settled.status, 'sent', JSON.stringify(settled.error));
  });
});
