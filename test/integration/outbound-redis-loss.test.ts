import assert from 'node:assert/strict';
import { OUTBOUND_QUEUE } from '../../server/modules/outbound';
import { RecordingChannel } from '../support/recording-channel';
import { startTestHub, type RunningTestHub } from '../support/test-stack';

/**
 * A Redis that loses its data (flushed, or restarted without persistence) loses every queued send job.
 * The stuck-send sweep must still run afterwards and send them: it is a timer in each worker, not a
 * repeatable job that the same loss would take with it.
 */
describe('outbound: sends survive a Redis that lost its data', () => {
  let stack: RunningTestHub;

  before(async () => {
    stack = await startTestHub({ runWorkers: false, configOverrides: { OUTBOUND_SWEEP_INTERVAL_MS: '200' } });
  });
  after(() => stack.close());

  /** Deletes every key of this hub's queues: what a FLUSHALL does to it, without touching other tests. */
  const loseQueueData = async () => {
    const keys = await stack.hub.redis.keys(`${stack.hub.config.QUEUE_PREFIX}:*`);
    if (keys.length) await stack.hub.redis.del(...keys);
  };

  it('sends a reply whose job was lost after the workers started', async function () {
    this.timeout(20_000);
    const channel = new RecordingChannel({ inboxId: 'redis-loss', kinds: ['sms'] });
    stack.hub.channels.registry.register(channel);
    const queue = stack.hub.queues.queue(OUTBOUND_QUEUE);
    stack.hub.outbound.startWorkers({ concurrency: 1 });
    await queue.pause(true);
    await loseQueueData();

    const phone = '+15550309999';
    const { conversationId } = await stack.hub.ingest.ingest({
      channel: 'sms',
      inboxId: channel.inboxId,
      externalId: 'SM-redis-loss-1',
      occurredAt: stack.hub.clock.now(),
      from: { externalId: phone, phone },
      kind: 'message',
      text: 'Hello?',
    });
    const reply = await stack.hub.conversations.timeline.createReply({
      conversationId,
      authorId: 'a'.repeat(24),
      text: 'We are on it.',
      isPrivate: false,
    });
    const messageId = String(reply._id);
    await stack.hub.outbound.enqueue(messageId);
    // The job is in Redis now; Redis loses it before any worker took it.
    await loseQueueData();
    await queue.resume(true);

    for (;;) {
      const message = await stack.hub.conversations.timeline.findMessage(messageId);
      if (message?.status === 'sent') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(channel.calls, 1);
    assert.equal(channel.sent[0]?.text, 'We are on it.');
  });
});
