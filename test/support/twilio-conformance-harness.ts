/**
 * Conformance harnesses for the Twilio connector (SMS, WhatsApp, voice) on the connector-level harness
 * (router + in-memory sink + stub). The hub-level run reuses `twilioInboundRequests`.
 */
import type { ChannelKind, OutboundMessage } from '../../connectors/channel';
import type {
  ConformanceHarness,
  ConformanceSubject,
} from '../../connectors/conformance/channel-conformance';
import { newSid } from '../../connectors/twilio/stub/twilio-stub';
import { PUBLIC_URL, startTwilioHarness } from './twilio-harness';

const CUSTOMER = '+8613800138000';

/** One signed inbound request per channel kind: the URL (public) and its params. */
export function twilioInboundRequest(
  kind: 'sms' | 'whatsapp' | 'voice',
  numbers: { phoneNumber: string; whatsappNumber: string; accountSid: string; inboxId: string },
  publicUrl = PUBLIC_URL,
): { url: string; params: Record<string, string>; externalId: string; text?: string } {
  if (kind === 'voice') {
    const callSid = newSid('CA');
    return {
      url: `${publicUrl}/webhooks/twilio/voice/menu?inbox=${numbers.inboxId}&lang=zh-CN`,
      params: {
        AccountSid: numbers.accountSid,
        CallSid: callSid,
        From: CUSTOMER,
        To: numbers.phoneNumber,
        Caller: CUSTOMER,
        Called: numbers.phoneNumber,
        Direction: 'inbound',
        CallStatus: 'in-progress',
        Digits: '1',
        ApiVersion: '2010-04-01',
      },
      externalId: callSid,
    };
  }
  const sid = newSid('SM');
  const prefix = kind === 'whatsapp' ? 'whatsapp:' : '';
  const text = kind === 'whatsapp' ? '你好，我想查询订单' : '您好，我的宽带又断了';
  return {
    url: `${publicUrl}/webhooks/twilio/sms`,
    params: {
      MessageSid: sid,
      SmsMessageSid: sid,
      SmsSid: sid,
      AccountSid: numbers.accountSid,
      From: `${prefix}${CUSTOMER}`,
      To: `${prefix}${kind === 'whatsapp' ? numbers.whatsappNumber : numbers.phoneNumber}`,
      Body: text,
      NumMedia: '0',
      SmsStatus: 'received',
      ApiVersion: '2010-04-01',
    },
    externalId: sid,
    text,
  };
}

export function outboundFor(kind: ChannelKind, inboxId: string): OutboundMessage {
  return {
    messageId: `m-${Math.random().toString(36).slice(2)}`,
    channel: kind,
    inboxId,
    to: { externalId: CUSTOMER, phone: CUSTOMER },
    text: '您好，我们已收到您的反馈。',
  };
}

/** POSTs a form to the hub's real address for a public URL, with the given signature header. */
export async function postForm(
  hubUrl: string,
  publicUrl: string,
  url: string,
  params: Record<string, string>,
  signature: string | undefined,
) {
  const response = await fetch(hubUrl + url.slice(publicUrl.length), {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(signature === undefined ? {} : { 'x-twilio-signature': signature }),
    },
    body: new URLSearchParams(params).toString(),
  });
  await response.arrayBuffer();
  return { status: response.status, contentType: response.headers.get('content-type') };
}

export function connectorHarness(kind: 'sms' | 'whatsapp' | 'voice'): ConformanceHarness {
  const request = (harness: Awaited<ReturnType<typeof startTwilioHarness>>) =>
    twilioInboundRequest(kind, {
      phoneNumber: harness.inbox.phoneNumber!,
      whatsappNumber: harness.inbox.whatsappNumber!,
      accountSid: harness.inbox.accountSid,
      inboxId: harness.inbox.inboxId,
    });
  return {
    name: `twilio ${kind} (connector, in-memory sink)`,
    kind,
    expectedEntryKind: kind === 'voice' ? 'call' : 'message',
    ...(kind === 'voice'
      ? {}
      : { expectedText: kind === 'whatsapp' ? '你好，我想查询订单' : '您好，我的宽带又断了' }),
    sendsText: kind !== 'voice',
    runs: { networkFailure: true, notes: false },
    async setup(): Promise<ConformanceSubject> {
      const harness = await startTwilioHarness();
      const { stub } = harness.stub;
      let last: ReturnType<typeof request> | undefined;
      return {
        channel: harness.channel,
        async deliverInbound() {
          last = request(harness);
          const delivery = await stub.deliver(last.url, last.params);
          return { status: delivery.status, externalId: last.externalId };
        },
        async replayInbound() {
          if (!last) throw new Error('nothing delivered yet');
          return { status: (await stub.deliver(last.url, last.params)).status };
        },
        deliverWithBadSignature() {
          const bad = request(harness);
          return postForm(harness.url, PUBLIC_URL, bad.url, bad.params, 'bm90IGEgc2lnbmF0dXJlIGF0IGFsbA==');
        },
        deliverUnsigned() {
          const bad = request(harness);
          return postForm(harness.url, PUBLIC_URL, bad.url, bad.params, undefined);
        },
        stored: () => Promise.resolve(harness.memory.stored()),
        outbound: () => outboundFor(kind, harness.inbox.inboxId),
        failNextSend(failure) {
          stub.failNextRequest(
            failure === 'permanent'
              ? { status: 400, code: 21211, message: "The 'To' number is not a valid phone number." }
              : { status: 503, code: 20503, message: 'Service Unavailable' },
          );
        },
        async breakNetwork() {
          await harness.stub.close();
        },
        providerSendCount: () => stub.messages.length,
        teardown: () => harness.close(),
      };
    },
  };
}
