/**
 * The shared connector conformance suite for email: at connector level (the relay route and the nodemailer
 * channel over an in-memory sink and a local SMTP stub) and through the whole hub (relay endpoint → ingest
 * → timeline; replies through the outbound job to the SMTP stub).
 */
import express from 'express';
import type { AddressInfo } from 'node:net';
import type { OutboundMessage } from '../../connectors/channel';
import {
  describeChannelConformance,
  type ConformanceSubject,
} from '../../connectors/conformance/channel-conformance';
import { createEmailChannel } from '../../connectors/email/email-channel';
import { createMailDelivery } from '../../connectors/email/email-delivery';
import { createEmailInboxDirectory, type EmailInbox } from '../../connectors/email/email-inboxes';
import { createEmailRelayRouter } from '../../connectors/email/email-relay.routes';
import { signRelayBody } from '../../connectors/email/email-relay-signature';
import { call } from './conversations-support';
import { INBOX_ADDRESS, RELAY_SECRET, startEmailTestHub } from '../support/email-hub';
import { createMemorySink } from '../support/memory-sink';
import { startSmtpStub, type SmtpStub } from '../support/smtp-stub';
import { waitFor } from '../support/twilio-hub';

const TEXT = '您好，我的订单还没到。';

function inboundMail(): { raw: Buffer; externalId: string } {
  const externalId = `<conf-${Date.now()}-${Math.random().toString(36).slice(2)}@client.example>`;
  const raw = Buffer.from(
    `From: Chen Jing <chen.jing@example.com>\r\nTo: ${INBOX_ADDRESS}\r\nSubject: 订单\r\nMessage-ID: ${externalId}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${TEXT}\r\n`,
  );
  return { raw, externalId };
}

function relayPoster(baseUrl: string) {
  return async (raw: Buffer, signature: 'good' | 'bad' | 'none') => {
    const now = Math.floor(Date.now() / 1000);
    const headers: Record<string, string> = {
      'content-type': 'message/rfc822',
      'x-omnihub-timestamp': String(now),
    };
    if (signature !== 'none')
      headers['x-omnihub-signature'] = signRelayBody(
        signature === 'good' ? RELAY_SECRET : 'not-the-secret-at-all',
        now,
        raw,
      );
    const response = await fetch(`${baseUrl}/webhooks/email/inbound`, {
      method: 'POST',
      headers,
      body: new Uint8Array(raw),
    });
    return { status: response.status, contentType: response.headers.get('content-type') };
  };
}

function outboundTo(inboxId: string): OutboundMessage {
  return {
    messageId: `m-${Math.random().toString(36).slice(2)}`,
    channel: 'email',
    inboxId,
    to: { externalId: 'chen.jing@example.com', email: 'chen.jing@example.com', name: 'Chen Jing' },
    text: '您好，已为您查询。',
    subject: 'Re: 订单 [#10001]',
  };
}

const templates = {
  render: ({ data }: { data: Record<string, unknown> }) => ({
    text: String(data.body),
    html: `<p>${String(data.body)}</p>`,
  }),
};

describeChannelConformance({
  name: 'email (connector: relay route + nodemailer channel)',
  kind: 'email',
  expectedEntryKind: 'message',
  expectedText: TEXT,
  sendsText: true,
  runs: { networkFailure: true, notes: false },
  async setup(): Promise<ConformanceSubject> {
    const memory = createMemorySink();
    let stub: SmtpStub | null = await startSmtpStub();
    const inbox: EmailInbox = {
      id: 'email',
      name: 'Support',
      address: INBOX_ADDRESS,
      domain: 'demo.omnihub',
      smtpUrl: stub.url,
    };
    const guard = {
      markUndeliverable: () => Promise.resolve(),
      undeliverableReason: () => Promise.resolve(null),
      takeAutomaticSlot: () => Promise.resolve(true),
    };
    const inboxes = createEmailInboxDirectory({
      configInbox: inbox,
      inboxes: {
        findById: () => Promise.resolve(null),
        findByAddress: () => Promise.resolve(null),
        listByChannel: () => Promise.resolve([]),
      },
    });
    const logger = { debug() {}, info() {}, warn() {}, error() {} };
    const clock = { now: () => new Date() };
    const delivery = createMailDelivery({
      sink: memory.sink,
      guard,
      ourDomains: () => Promise.resolve(['demo.omnihub']),
      clock,
      logger,
    });
    const app = express();
    app.use(
      '/webhooks/email',
      createEmailRelayRouter({
        secret: RELAY_SECRET,
        toleranceSeconds: 300,
        maxBytes: 1024 * 1024,
        inboxes,
        delivery,
        clock,
        logger,
      }),
    );
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const post = relayPoster(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    const channel = createEmailChannel({
      inbox,
      companyName: 'Omnihub',
      messageIdDomain: 'hub.test',
      guard,
      hub: { templates, contacts: { find: () => Promise.resolve(null) } },
    });
    let last = inboundMail();
    return {
      channel,
      async deliverInbound() {
        last = inboundMail();
        return { ...(await post(last.raw, 'good')), externalId: last.externalId };
      },
      replayInbound: () => post(last.raw, 'good'),
      deliverWithBadSignature: () => post(inboundMail().raw, 'bad'),
      deliverUnsigned: () => post(inboundMail().raw, 'none'),
      stored: () =>
        Promise.resolve(
          memory.entries.map((entry) => ({
            channel: entry.event.channel,
            externalId: entry.event.externalId,
            kind: entry.event.kind,
            ...(entry.event.text !== undefined ? { text: entry.event.text } : {}),
          })),
        ),
      outbound: () => outboundTo('email'),
      failNextSend: (kind) => stub?.failNext(1, kind === 'permanent' ? 550 : 451),
      async breakNetwork() {
        await stub?.close();
        stub = null;
      },
      providerSendCount: () => stub?.received.length ?? 0,
      async teardown() {
        await channel.stop?.();
        await stub?.close();
        await new Promise((resolve) => server.close(resolve));
      },
    };
  },
});

describeChannelConformance({
  name: 'email (whole hub: relay endpoint, ingest, outbound job)',
  kind: 'email',
  expectedEntryKind: 'message',
  expectedText: TEXT,
  sendsText: true,
  runs: { networkFailure: false, notes: true },
  async setup(): Promise<ConformanceSubject> {
    const hub = await startEmailTestHub();
    const post = relayPoster(hub.running.baseUrl);
    const channel = await hub.running.hub.channels.registry.resolve({ inboxId: 'email', channel: 'email' });
    if (!channel) throw new Error('no email channel registered');
    let last = inboundMail();
    const entries = async () => {
      const all = [];
      for (const conversation of await hub.conversations())
        all.push(...(await hub.timeline(conversation.id)));
      return all.filter((entry: { direction: string }) => entry.direction === 'inbound');
    };
    return {
      channel,
      async deliverInbound() {
        last = inboundMail();
        return { ...(await post(last.raw, 'good')), externalId: last.externalId };
      },
      replayInbound: () => post(last.raw, 'good'),
      deliverWithBadSignature: () => post(inboundMail().raw, 'bad'),
      deliverUnsigned: () => post(inboundMail().raw, 'none'),
      stored: async () =>
        (await entries()).map(
          (entry: { channel: string; externalId: string; kind: string; text?: string }) => ({
            channel: entry.channel,
            externalId: entry.externalId,
            kind: entry.kind,
            ...(entry.text !== undefined ? { text: entry.text } : {}),
          }),
        ),
      outbound: () => outboundTo('email'),
      failNextSend: (kind) => hub.outbox.failNext(1, kind === 'permanent' ? 550 : 451),
      providerSendCount: () => hub.outbox.received.length,
      async postNoteThenReply() {
        const [entry] = await entries();
        const conversationId = entry.conversationId as string;
        const note = await call(
          hub.running.baseUrl,
          'POST',
          `/api/conversations/${conversationId}/messages`,
          {
            token: hub.token,
            body: { text: 'Internal: VIP customer', private: true },
          },
        );
        if (note.status !== 201) throw new Error(`note: ${note.status}`);
        const reply = await call(
          hub.running.baseUrl,
          'POST',
          `/api/conversations/${conversationId}/messages`,
          {
            token: hub.token,
            body: { text: '您好，我们已收到。' },
          },
        );
        if (reply.status !== 201) throw new Error(`reply: ${reply.status}`);
        await waitFor(async () => {
          const message = await hub.running.hub.conversations.timeline.findMessage(reply.body.id as string);
          return message?.status === 'sent' || message?.status === 'failed';
        }, 'the reply settled');
      },
      teardown: () => hub.close(),
    };
  },
});
