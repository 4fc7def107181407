import {
  describeChannelConformance,
  type ConformanceHarness,
} from '../../connectors/conformance/channel-conformance';
import { createTwilioChannel } from '../../connectors/twilio';
import { call } from './conversations-support';
import { outboundFor, postForm, twilioInboundRequest } from '../support/twilio-conformance-harness';
import { sharedHub, sinceNow, type SharedHub } from '../support/shared-conformance-hub';
import {
  allEntries,
  HUB_PUBLIC_URL,
  startTwilioTestHub,
  timeline,
  waitFor,
  type TwilioTestHub,
} from '../support/twilio-hub';

/**
 * The conformance suite against the whole hub: real ingest (unique index), outbound jobs and API. One hub
 * per channel kind serves all of its tests (each subject sees only what happened since its setup).
 */
function hubHarness(kind: 'sms' | 'whatsapp' | 'voice', hubs: SharedHub<TwilioTestHub>): ConformanceHarness {
  return {
    name: `twilio ${kind} (whole hub)`,
    kind,
    expectedEntryKind: kind === 'voice' ? 'call' : 'message',
    ...(kind === 'voice'
      ? {}
      : { expectedText: kind === 'whatsapp' ? '你好，我想查询订单' : '您好，我的宽带又断了' }),
    sendsText: kind !== 'voice',
    runs: { networkFailure: false, notes: true },
    async setup() {
      const hub = await hubs.get();
      const { stub } = hub.stub;
      const numbers = {
        phoneNumber: stub.phoneNumber,
        whatsappNumber: stub.whatsappNumber,
        accountSid: stub.accountSid,
        inboxId: 'twilio',
      };
      const channel = createTwilioChannel({
        inbox: { ...numbers, authToken: stub.authToken },
        publicUrl: HUB_PUBLIC_URL,
        apiBaseUrl: hub.stub.url,
      });
      let last: ReturnType<typeof twilioInboundRequest> | undefined;
      const fresh = () => twilioInboundRequest(kind, numbers, HUB_PUBLIC_URL);
      return sinceNow({
        channel,
        async deliverInbound() {
          last = fresh();
          const delivery = await stub.deliver(last.url, last.params);
          return { status: delivery.status, externalId: last.externalId };
        },
        async replayInbound() {
          return { status: (await stub.deliver(last!.url, last!.params)).status };
        },
        deliverWithBadSignature() {
          const bad = fresh();
          return postForm(hub.running.baseUrl, HUB_PUBLIC_URL, bad.url, bad.params, 'bm90IGEgc2lnbmF0dXJl');
        },
        deliverUnsigned() {
          const bad = fresh();
          return postForm(hub.running.baseUrl, HUB_PUBLIC_URL, bad.url, bad.params, undefined);
        },
        async stored() {
          return (await allEntries(hub)).map((entry) => ({
            channel: entry.channel,
            externalId: entry.externalId,
            kind: entry.kind,
            ...(entry.text ? { text: entry.text } : {}),
          }));
        },
        outbound: () => outboundFor(kind, 'twilio'),
        failNextSend(failure) {
          stub.failNextRequest(
            failure === 'permanent'
              ? { status: 400, code: 21610, message: 'Attempt to send to unsubscribed recipient' }
              : { status: 429, code: 20429, message: 'Too Many Requests' },
          );
        },
        providerSendCount: () => stub.messages.length,
        async postNoteThenReply() {
          const [entry] = await allEntries(hub);
          const conversationId = entry.conversationId as string;
          const note = await call(
            hub.running.baseUrl,
            'POST',
            `/api/conversations/${conversationId}/messages`,
            {
              token: hub.token,
              body: { text: 'Internal: VIP customer, handle with care', private: true },
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
          if (reply.status !== 201) throw new Error(`reply: ${reply.status} ${JSON.stringify(reply.body)}`);
          // The reply settles (sent, or failed on voice); then nothing else may leave.
          await waitFor(async () => {
            const message = (await timeline(hub, conversationId)).find((item) => item.id === reply.body.id);
            return message && message.status !== 'queued';
          }, 'the reply to settle');
          await new Promise((resolve) => setTimeout(resolve, 300));
          if (stub.messages.some((message) => message.body.includes('Internal')))
            throw new Error('a note was sent');
        },
        // Status callbacks the stub still owes land before the next subject counts from its start.
        teardown: () => stub.settle(),
      });
    },
  };
}

describe('Twilio conformance against the whole hub (real ingest, outbound and API)', function () {
  this.timeout(30_000);
  for (const kind of ['sms', 'whatsapp', 'voice'] as const) {
    const hubs = sharedHub(() => startTwilioTestHub());
    after(() => hubs.close());
    describeChannelConformance(hubHarness(kind, hubs));
  }
});
