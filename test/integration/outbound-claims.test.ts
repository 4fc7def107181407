import assert from 'node:assert/strict';
import type { Job } from 'bull';
import { PermanentJobError } from '../../server/infra/queues';
import {
  createOutboundTimeline,
  OUTBOUND_QUEUE,
  sendJobId,
  type OutboundTimeline,
} from '../../server/modules/outbound';
import { createCircuitBreaker, type CircuitBreaker } from '../../server/modules/outbound/circuit-breaker';
import { getOutboundSendModel } from '../../server/modules/outbound/outbound-send.model';
import { createSendProcessor, type SendJobData } from '../../server/modules/outbound/outbound-send.job';
import { RecordingChannel } from '../support/recording-channel';
import { startTestHub, testLogger, type RunningTestHub } from '../support/test-stack';

/**
 * The send job's at-least-once cases, driven by hand: bull can run a job twice (stalled detection), a
 * worker can crash between the provider call and the timeline update, and attempts run out. The hub runs
 * no workers here, so only these calls process jobs.
 */
describe('outbound: one send per job, whatever bull does', () => {
  let stack: RunningTestHub;
  let counter = 0;

  const fakeJob = (messageId: string, generation = 0, attemptsMade = 0) =>
    ({ data: { messageId, generation }, attemptsMade, opts: { attempts: 6 } }) as unknown as Job<SendJobData>;

  const processorWith = (timeline?: Partial<OutboundTimeline>, circuit?: CircuitBreaker) => {
    const real = createOutboundTimeline({
      timeline: stack.hub.conversations.timeline,
      findContact: (id) => stack.hub.contacts.contacts.findContact(id),
    });
    return createSendProcessor({
      queues: stack.hub.queues,
      sends: getOutboundSendModel(stack.hub.connection),
      timeline: { ...real, ...timeline },
      channels: stack.hub.channels.registry,
      clock: stack.hub.clock,
      logger: testLogger,
      ...(circuit ? { circuit } : {}),
    });
  };

  /** A stored, queued reply on a fresh inbox served by `channel`. */
  const queuedReply = async (channel: RecordingChannel) => {
    stack.hub.channels.registry.register(channel);
    const phone = `+1555020${String((counter += 1)).padStart(4, '0')}`;
    const { conversationId } = await stack.hub.ingest.ingest({
      channel: 'sms',
      inboxId: channel.inboxId,
      externalId: `SM-claims-${counter}`,
      occurredAt: stack.hub.clock.now(),
      from: { externalId: phone, phone },
      kind: 'message',
      text: 'Hello',
    });
    const message = await stack.hub.conversations.timeline.createReply({
      conversationId,
      authorId: 'a'.repeat(24),
      text: `reply ${counter}`,
      isPrivate: false,
    });
    return String(message._id);
  };

  const statusOf = async (messageId: string) =>
    (await stack.hub.conversations.timeline.findMessage(messageId))?.status;

  before(async () => {
    stack = await startTestHub({ runWorkers: false });
  });
  after(() => stack.close());

  it('sends once when the same job runs twice in a row', async () => {
    const channel = new RecordingChannel({ inboxId: 'claims-seq', kinds: ['sms'] });
    const messageId = await queuedReply(channel);
    const process = processorWith();
    assert.equal((await process(fakeJob(messageId))).outcome, 'sent');
    assert.equal((await process(fakeJob(messageId))).outcome, 'already-sent');
    assert.equal(channel.calls, 1);
    assert.equal(await statusOf(messageId), 'sent');
  });

  it('sends once when a second run starts while the first is still talking to the provider', async () => {
    const channel = new RecordingChannel({ inboxId: 'claims-concurrent', kinds: ['sms'] }).hold();
    const messageId = await queuedReply(channel);
    const process = processorWith();
    const first = process(fakeJob(messageId));
    await channel.waitForCalls(1);
    assert.equal((await process(fakeJob(messageId))).outcome, 'in-progress-elsewhere');
    // the second run leaves a delayed check for when the first one's claim would have expired
    const check = await stack.hub.queues.queue(OUTBOUND_QUEUE).getJob(`${sendJobId(messageId, 0)}:check`);
    assert.ok(check && (await check.isDelayed()));
    channel.release();
    assert.equal((await first).outcome, 'sent');
    assert.equal((await process(fakeJob(messageId))).outcome, 'already-sent');
    assert.equal(channel.calls, 1);
    await check.remove();
  });

  it('does not call the provider again when recording the send failed after it was accepted', async () => {
    const channel = new RecordingChannel({ inboxId: 'claims-marksent', kinds: ['sms'] });
    const messageId = await queuedReply(channel);
    let failNext = true;
    const real = createOutboundTimeline({
      timeline: stack.hub.conversations.timeline,
      findContact: (id) => stack.hub.contacts.contacts.findContact(id),
    });
    const process = processorWith({
      markSent: async (id, externalId) => {
        if (failNext) {
          failNext = false;
          throw new Error('database went away');
        }
        await real.markSent(id, externalId);
      },
    });
    await assert.rejects(process(fakeJob(messageId)), /database went away/);
    assert.equal(await statusOf(messageId), 'queued');
    const retry = await process(fakeJob(messageId, 0, 1));
    assert.equal(retry.outcome, 'already-sent');
    assert.equal(channel.calls, 1);
    const message = await stack.hub.conversations.timeline.findMessage(messageId);
    assert.equal(message?.status, 'sent');
    assert.equal(message?.externalId, `rec-${messageId}-1`);
  });

  it('fails the message with the last error when the last attempt fails transiently', async () => {
    const channel = new RecordingChannel({ inboxId: 'claims-exhausted', kinds: ['sms'] }).failTransiently(10);
    const messageId = await queuedReply(channel);
    const process = processorWith();
    await assert.rejects(process(fakeJob(messageId, 0, 0)), /provider unavailable/);
    assert.equal(await statusOf(messageId), 'queued');
    await assert.rejects(
      process(fakeJob(messageId, 0, 5)),
      (error: unknown) => !(error instanceof PermanentJobError),
    );
    const message = await stack.hub.conversations.timeline.findMessage(messageId);
    assert.equal(message?.status, 'failed');
    assert.deepEqual(message?.error, { code: '503', message: 'provider unavailable (503)' });
    assert.equal(channel.calls, 2);
  });

  it('fails as uncertain, without sending, a send whose worker died mid-call', async () => {
    const channel = new RecordingChannel({ inboxId: 'claims-crash', kinds: ['sms'] });
    const messageId = await queuedReply(channel);
    // What a crashed worker leaves behind: a claim whose lease has run out, and no outcome.
    await getOutboundSendModel(stack.hub.connection).updateOne(
      { _id: messageId },
      { $set: { state: 'sending', leaseUntil: new Date(Date.now() - 1_000), attempts: 1 } },
    );
    assert.equal((await processorWith()(fakeJob(messageId, 0, 1))).outcome, 'in-doubt');
    const message = await stack.hub.conversations.timeline.findMessage(messageId);
    assert.equal(message?.status, 'failed');
    assert.equal(message?.error?.code, 'SEND_UNCERTAIN');
    assert.equal(channel.calls, 0);
  });

  it('ignores a job of an older generation once the agent retried', async () => {
    const channel = new RecordingChannel({ inboxId: 'claims-stale', kinds: ['sms'] }).failPermanently();
    const messageId = await queuedReply(channel);
    const process = processorWith();
    await assert.rejects(process(fakeJob(messageId)), PermanentJobError);
    await stack.hub.conversations.timeline.retryMessage(messageId);
    const fixed = new RecordingChannel({ inboxId: 'claims-stale', kinds: ['sms'] });
    stack.hub.channels.registry.register(fixed);
    assert.equal((await process(fakeJob(messageId, 0))).outcome, 'stale');
    assert.equal(fixed.calls, 0);
    assert.equal((await process(fakeJob(messageId, 1))).outcome, 'sent');
    assert.equal(fixed.calls, 1);
  });

  it('finds a reply whose job was lost (Redis without its data) and sends it', async () => {
    const channel = new RecordingChannel({ inboxId: 'claims-lost', kinds: ['sms'] });
    const messageId = await queuedReply(channel);
    const queue = stack.hub.queues.queue<SendJobData>(OUTBOUND_QUEUE);
    await (await queue.getJob(sendJobId(messageId, 0)))?.remove();
    assert.ok((await stack.hub.outbound.sweepStuckSends({ olderThanMs: 0 })) >= 1);
    const jobs = await queue.getJobs(['waiting', 'delayed']);
    const swept = jobs.find((job) => job.data.messageId === messageId);
    assert.match(String(swept?.id), /:sweep:/);
    assert.equal((await processorWith()(swept!)).outcome, 'sent');
    assert.equal(channel.calls, 1);
    // once sent, the sweep leaves it alone
    await stack.hub.outbound.sweepStuckSends({ olderThanMs: 0 });
    const again = await queue.getJobs(['waiting', 'delayed']);
    assert.equal(again.filter((job) => job.data.messageId === messageId && job.id !== swept!.id).length, 0);
  });

  it('does not sweep a send that is not stale yet', async () => {
    const channel = new RecordingChannel({ inboxId: 'claims-fresh', kinds: ['sms'] });
    const messageId = await queuedReply(channel);
    await stack.hub.outbound.sweepStuckSends({ olderThanMs: 60_000 });
    const jobs = await stack.hub.queues.queue<SendJobData>(OUTBOUND_QUEUE).getJobs(['waiting', 'delayed']);
    assert.deepEqual(
      jobs.filter((job) => job.data.messageId === messageId).map((job) => job.id),
      [sendJobId(messageId, 0)],
    );
  });

  it('refuses an internal note for good, calling no provider', async () => {
    const channel = new RecordingChannel({ inboxId: 'claims-note', kinds: ['sms'] });
    const replyId = await queuedReply(channel);
    const reply = await stack.hub.conversations.timeline.findMessage(replyId);
    const note = await stack.hub.conversations.timeline.createReply({
      conversationId: reply!.conversationId,
      authorId: 'a'.repeat(24),
      text: 'internal only',
      isPrivate: true,
    });
    await assert.rejects(processorWith()(fakeJob(String(note._id))), PermanentJobError);
    assert.equal(channel.calls, 0);
  });

  it('stops calling a provider that keeps failing, defers its sends, and probes it again', async () => {
    let now = 1_000_000;
    const circuit = createCircuitBreaker({ failureThreshold: 2, openMs: 5_000, now: () => now });
    const channel = new RecordingChannel({ inboxId: 'claims-circuit', kinds: ['sms'] }).failTransiently(3);
    const [first, second] = [await queuedReply(channel), await queuedReply(channel)];
    const process = processorWith(undefined, circuit);
    await assert.rejects(process(fakeJob(first, 0, 0)), /provider unavailable/);
    await assert.rejects(process(fakeJob(first, 0, 1)), /provider unavailable/);
    assert.equal(circuit.state('sms:claims-circuit'), 'open');
    // open: the provider is not called; the send waits in a delayed job with its attempts untouched
    assert.equal((await process(fakeJob(second))).outcome, 'circuit-open');
    assert.equal(channel.calls, 2);
    const queue = stack.hub.queues.queue<SendJobData>(OUTBOUND_QUEUE);
    const deferred = (await queue.getJobs(['delayed'])).find(
      (job) => job.data.messageId === second && String(job.id).includes(':circuit:'),
    );
    assert.ok(deferred, 'a delayed job for the deferred send');
    assert.ok((await deferred.isDelayed()) && Number(deferred.opts.delay) === 5_000);
    await deferred.remove();
    // half-open: one probe; it fails, so the circuit opens again without a second call
    now += 5_000;
    await assert.rejects(process(fakeJob(second, 0, 0)), /provider unavailable/);
    assert.equal((await process(fakeJob(first, 0, 2))).outcome, 'circuit-open');
    assert.equal(channel.calls, 3);
    // the provider is back: the next probe succeeds and closes the circuit for every send
    now += 5_000;
    assert.equal((await process(fakeJob(second, 0, 1))).outcome, 'sent');
    assert.equal(circuit.state('sms:claims-circuit'), 'closed');
    assert.equal((await process(fakeJob(first, 0, 3))).outcome, 'sent');
    assert.equal(channel.calls, 5);
    assert.equal(channel.sent.length, 2);
    for (const job of await queue.getJobs(['delayed']))
      if (String(job.id).includes(':circuit:')) await job.remove();
  });

  it('counts a permanent refusal as a provider that is up', async () => {
    const circuit = createCircuitBreaker({ failureThreshold: 1, openMs: 60_000 });
    const channel = new RecordingChannel({
      inboxId: 'claims-circuit-permanent',
      kinds: ['sms'],
    }).failPermanently();
    const process = processorWith(undefined, circuit);
    for (let i = 0; i < 3; i += 1)
      await assert.rejects(process(fakeJob(await queuedReply(channel))), PermanentJobError);
    assert.equal(circuit.state('sms:claims-circuit-permanent'), 'closed');
    assert.equal(channel.calls, 3);
  });
});
