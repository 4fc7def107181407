/**
 * The shared connector conformance suite (CONVENTIONS §4): every connector registers a harness and must
 * pass it. It checks, through real HTTP requests: a bad signature is refused with 403 and nothing stored;
 * a valid event is stored once, mapped to the timeline; a replay creates nothing; outbound errors are
 * classified transient or permanent; internal notes are never sent to the provider.
 *
 * Usage (in a mocha test file): `describeChannelConformance(harness)`.
 */
import assert from 'node:assert/strict';
import { SendError, type Channel, type ChannelKind, type OutboundMessage } from '../channel';

export interface StoredEntry {
  channel: string;
  externalId: string;
  kind: string;
  text?: string;
}

export interface WebhookAnswer {
  status: number;
  contentType?: string | null;
}

/** One running connector under test, with the provider side (stub) it talks to. */
export interface ConformanceSubject {
  channel: Channel;
  /** Delivers a correctly signed inbound event; returns the provider id it carried and the answer. */
  deliverInbound(): Promise<WebhookAnswer & { externalId: string }>;
  /** Delivers the very same request again (a provider retry / replay). */
  replayInbound(): Promise<WebhookAnswer>;
  /** Delivers an inbound event whose signature is wrong. */
  deliverWithBadSignature(): Promise<WebhookAnswer>;
  /** Delivers an inbound event with no signature at all. */
  deliverUnsigned(): Promise<WebhookAnswer>;
  /** What the hub stored (timeline entries), newest last. */
  stored(): Promise<StoredEntry[]>;
  /** A valid outbound message for this channel. */
  outbound(): OutboundMessage;
  /** Makes the provider refuse the next send: permanently (invalid recipient) or transiently (5xx/429). */
  failNextSend(kind: 'permanent' | 'transient'): void;
  /** Makes the provider unreachable (network error) until the subject is torn down. */
  breakNetwork?(): Promise<void>;
  /** How many messages the provider received from us. */
  providerSendCount(): number;
  /**
   * Posts an internal note (and then a reply) on the conversation of the first stored event, through the
   * hub's API, and waits until the outbound pipeline settled. Absent where no hub runs (connector-only).
   */
  postNoteThenReply?(): Promise<void>;
  teardown(): Promise<void>;
}

export interface ConformanceHarness {
  /** e.g. "twilio sms". */
  name: string;
  kind: ChannelKind;
  /** The timeline kind the inbound event must become (`message`, `call`, …). */
  expectedEntryKind: string;
  /** The text the inbound event must carry on the timeline, when it has one. */
  expectedText?: string;
  /** The channel must send text messages (false for voice: replies go out on another channel). */
  sendsText: boolean;
  /**
   * The optional checks this harness can run (its subjects then implement `breakNetwork` /
   * `postNoteThenReply`). A check a harness cannot run is not registered there: it runs in another one
   * (the connector-level harness breaks the network, the whole-hub harness posts notes).
   */
  runs: { networkFailure: boolean; notes: boolean };
  setup(): Promise<ConformanceSubject>;
}

export function describeChannelConformance(harness: ConformanceHarness): void {
  describe(`connector conformance: ${harness.name}`, function () {
    let subject: ConformanceSubject;
    beforeEach(async function () {
      subject = await harness.setup();
    });
    afterEach(async function () {
      await subject?.teardown();
    });

    it('refuses a wrong signature with 403 and stores nothing', async () => {
      const answer = await subject.deliverWithBadSignature();
      assert.equal(answer.status, 403);
      assert.deepEqual(await subject.stored(), []);
    });

    it('refuses a missing signature with 403 and stores nothing', async () => {
      const answer = await subject.deliverUnsigned();
      assert.equal(answer.status, 403);
      assert.deepEqual(await subject.stored(), []);
    });

    it('maps a valid inbound event to one timeline entry keyed by the provider id', async () => {
      const answer = await subject.deliverInbound();
      assert.equal(answer.status, 200);
      const stored = await subject.stored();
      assert.equal(stored.length, 1);
      assert.equal(stored[0]!.channel, harness.kind);
      assert.equal(stored[0]!.externalId, answer.externalId);
      assert.equal(stored[0]!.kind, harness.expectedEntryKind);
      if (harness.expectedText !== undefined) assert.equal(stored[0]!.text, harness.expectedText);
    });

    it('creates nothing new when the provider replays the same event', async () => {
      await subject.deliverInbound();
      const replay = await subject.replayInbound();
      assert.ok(replay.status >= 200 && replay.status < 300, `replay answered ${replay.status}`);
      assert.equal((await subject.stored()).length, 1);
    });

    if (harness.sendsText) {
      it('sends an outbound message and returns the provider id', async () => {
        const result = await subject.channel.send(subject.outbound());
        assert.ok(result.externalId.length > 0);
        assert.equal(subject.providerSendCount(), 1);
      });

      it('classifies a refused recipient as a permanent SendError', async () => {
        subject.failNextSend('permanent');
        const error = await subject.channel.send(subject.outbound()).then(
          () => assert.fail('send should fail'),
          (caught: unknown) => caught,
        );
        assert.ok(error instanceof SendError);
        assert.equal(error.permanent, true);
      });

      it('classifies a provider outage or rate limit as a transient SendError', async () => {
        subject.failNextSend('transient');
        const error = await subject.channel.send(subject.outbound()).then(
          () => assert.fail('send should fail'),
          (caught: unknown) => caught,
        );
        assert.ok(error instanceof SendError);
        assert.equal(error.permanent, false);
      });

      if (harness.runs.networkFailure)
        it('classifies an unreachable provider (network error) as a transient SendError', async () => {
          assert.ok(subject.breakNetwork !== undefined, 'the harness says it can break the network');
          await subject.breakNetwork();
          const error = await subject.channel.send(subject.outbound()).then(
            () => assert.fail('send should fail'),
            (caught: unknown) => caught,
          );
          assert.ok(error instanceof SendError);
          assert.equal(error.permanent, false);
        });
    } else {
      it('refuses to send text on this channel with a permanent SendError (nothing reaches the provider)', async () => {
        const error = await subject.channel.send(subject.outbound()).then(
          () => assert.fail('send should fail'),
          (caught: unknown) => caught,
        );
        assert.ok(error instanceof SendError);
        assert.equal(error.permanent, true);
        assert.equal(subject.providerSendCount(), 0);
      });
    }

    if (harness.runs.notes)
      it('never sends an internal note to the provider', async () => {
        assert.ok(subject.postNoteThenReply !== undefined, 'the harness says it can post notes');
        await subject.deliverInbound();
        const before = subject.providerSendCount();
        await subject.postNoteThenReply();
        // The reply that follows the note proves the pipeline ran: exactly one message left, not two.
        assert.equal(subject.providerSendCount() - before, harness.sendsText ? 1 : 0);
      });
  });
}
