/**
 * Issue 17, defect 8: a hub killed right after Twilio accepted a send never stored the provider's id. The
 * status callbacks still name our message (in the signed callback URL), so they are matched to the send and
 * applied: the agent sees "delivered" instead of a SEND_UNCERTAIN retry that would send a second copy.
 *
 * The crash is reproduced as the state it leaves: the send claimed by a worker whose lease ran out, its bull
 * job still waiting, the provider holding the message (the real connector sent it to the stub), and the
 * callbacks posted while the hub was down lost. A hub without workers plays the crashed process (it still
 * answers HTTP); a second hub with workers on the same database and queues plays the restart.
 */
import assert from 'node:assert/strict';
import { call, loginAs } from './conversations-support';
import { createHub, type Hub } from '../../server/hub';
import { getTestStack, startTestHub, testLogger, type RunningTestHub } from '../support/test-stack';
import { HUB_PUBLIC_URL, waitFor } from '../support/twilio-hub';
import {
  startTwilioStub,
  STUB_ACCOUNT_SID,
  STUB_AUTH_TOKEN,
  type RunningTwilioStub,
} from '../support/twilio-stub';

const CUSTOMER = '+8613912345678';

describe('outbound: a send interrupted after the provider accepted it (issue 17)', function () {
  this.timeout(90_000);
  let stub: RunningTwilioStub;
  /** The process whose send died mid-call: it serves HTTP but runs no workers. */
  let crashed: RunningTestHub;
  let token: string;
  let conversationId: string;
  let restarted: Hub | undefined;

  before(async () => {
    stub = await startTwilioStub({ publicUrl: HUB_PUBLIC_URL, statusDelayMs: 10 });
    crashed = await startTestHub({
      runWorkers: false,
      configOverrides: {
        PUBLIC_URL: HUB_PUBLIC_URL,
        TWILIO_ACCOUNT_SID: STUB_ACCOUNT_SID,
        TWILIO_AUTH_TOKEN: STUB_AUTH_TOKEN,
        TWILIO_PHONE_NUMBER: stub.stub.phoneNumber,
        TWILIO_API_BASE: stub.url,
      },
    });
    stub.stub.setDeliverTo(crashed.baseUrl);
    token = (await loginAs(crashed, { email: `sup-${Date.now()}@example.test`, role: 'supervisor' })).token;
    const inbound = await stub.stub.sendInboundMessage({ from: CUSTOMER, body: '我的快递三天没到' });
    assert.equal(inbound.status, 200);
    const list = await call(crashed.baseUrl, 'GET', '/api/conversations', { token });
    conversationId = list.body.items[0].id as string;
  });
  afterEach(async () => {
    await restarted?.close();
    restarted = undefined;
  });
  after(async () => {
    await stub?.close();
    await crashed?.close();
  });

  /** The restart: a hub with workers on the crashed one's database and queues picks up its jobs. */
  const restart = async () => {
    restarted = await createHub({
      config: crashed.hub.config,
      logger: testLogger,
      infra: await getTestStack(),
    });
  };

  const sends = () => crashed.hub.connection.db!.collection<{ _id: string }>('outbound_sends');
  const messageOf = async (id: string) => {
    const entries = await call(crashed.baseUrl, 'GET', `/api/conversations/${conversationId}/timeline`, {
      token,
    });
    return (entries.body.items as { id: string; status?: string; error?: { code: string } }[]).find(
      (entry) => entry.id === id,
    );
  };

  /**
   * A reply whose worker died right after Twilio accepted it: the send is claimed with a lease that ran
   * out, the provider has the message, and the callbacks it posted meanwhile went nowhere.
   */
  async function replyInterruptedAfterAccept(text: string): Promise<{ messageId: string; sid: string }> {
    const reply = await call(crashed.baseUrl, 'POST', `/api/conversations/${conversationId}/messages`, {
      token,
      body: { text },
    });
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    const messageId = reply.body.id as string;
    await sends().updateOne(
      { _id: messageId },
      { $set: { state: 'sending', leaseUntil: new Date(Date.now() - 60_000), attempts: 1 } },
    );
    stub.stub.setDeliverTo('http://127.0.0.1:9'); // the hub is down: these callbacks are lost
    const channel = await crashed.hub.channels.registry.resolve({ inboxId: null, channel: 'sms' });
    assert.ok(channel, 'the Twilio channel');
    const result = await channel.send({
      messageId,
      channel: 'sms',
      inboxId: channel.inboxId ?? '',
      to: { externalId: CUSTOMER, phone: CUSTOMER },
      text,
    });
    await stub.stub.settle();
    stub.stub.setDeliverTo(crashed.baseUrl);
    return { messageId, sid: result.externalId };
  }

  const copiesAtProvider = (text: string) => stub.stub.messages.filter((m) => m.body === text).length;

  it('applies a delivered callback to a send already declared in doubt, and refuses the retry', async () => {
    const text = '已为您加急处理。';
    const { messageId, sid } = await replyInterruptedAfterAccept(text);
    await restart();
    const uncertain = await waitFor(
      async () => {
        const message = await messageOf(messageId);
        return message?.error?.code === 'SEND_UNCERTAIN' ? message : undefined;
      },
      'the send declared in doubt',
      30_000,
    );
    assert.equal(uncertain.status, 'failed');

    const delivery = await stub.stub.sendMessageStatus(sid, 'delivered');
    assert.equal(delivery.status, 200);
    const delivered = await waitFor(
      async () => {
        const message = await messageOf(messageId);
        return message?.status === 'delivered' ? message : undefined;
      },
      'the message shown delivered',
      30_000,
    );
    assert.ok(!delivered.error, 'no error left to offer a retry for');
    const retry = await call(crashed.baseUrl, 'POST', `/api/messages/${messageId}/retry`, { token });
    assert.equal(retry.status, 409);
    assert.equal(copiesAtProvider(text), 1, 'one copy reached the provider');
  });

  it('matches a callback that arrives before the lease runs out, and settles the send as sent', async () => {
    const text = '快递员今天下午送达。';
    const { messageId, sid } = await replyInterruptedAfterAccept(text);
    const delivery = await stub.stub.sendMessageStatus(sid, 'delivered');
    assert.equal(delivery.status, 200);
    await waitFor(async () => (await messageOf(messageId))?.status === 'delivered', 'delivered', 30_000);

    await restart();
    const record = await waitFor(
      async () => {
        const found = (await sends().findOne({ _id: messageId })) as {
          state?: string;
          externalId?: string;
        } | null;
        return found?.state === 'sent' ? found : undefined;
      },
      'the send settled as sent',
      30_000,
    );
    assert.equal(record.externalId, sid);
    const message = await messageOf(messageId);
    assert.equal(message?.status, 'delivered', 'never turned into SEND_UNCERTAIN');
    assert.equal(copiesAtProvider(text), 1);
  });
});
