/**
 * A test-only Channel that records every send and can be told to fail: transiently N times, permanently,
 * or to hang until released (to hold a send claim while a second run of the job starts).
 */
import {
  SendError,
  type Channel,
  type ChannelKind,
  type OutboundMessage,
  type SendResult,
} from '../../connectors/channel';

export class RecordingChannel implements Channel {
  readonly kinds: readonly ChannelKind[];
  readonly inboxId: string;
  readonly sent: OutboundMessage[] = [];
  /** Every call, failed ones included. */
  calls = 0;
  private transientFailures = 0;
  private permanentError: SendError | null = null;
  private gate: Promise<void> | null = null;
  private openGate: (() => void) | null = null;
  private waiters: (() => void)[] = [];

  constructor(options: { inboxId?: string; kinds?: ChannelKind[] } = {}) {
    this.inboxId = options.inboxId ?? 'test-inbox';
    this.kinds = options.kinds ?? ['sms', 'whatsapp', 'email', 'webchat'];
  }

  failTransiently(times: number): this {
    this.transientFailures = times;
    return this;
  }

  failPermanently(message = 'invalid recipient', providerCode = '21211'): this {
    this.permanentError = new SendError(message, { permanent: true, providerCode });
    return this;
  }

  /** Sends wait until `release()`. */
  hold(): this {
    this.gate = new Promise((resolve) => (this.openGate = resolve));
    return this;
  }

  release(): void {
    this.openGate?.();
    this.gate = null;
  }

  /** Resolves once `count` calls were made. */
  waitForCalls(count: number): Promise<void> {
    if (this.calls >= count) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => (this.calls >= count ? resolve() : this.waiters.push(check));
      this.waiters.push(check);
    });
  }

  async send(message: OutboundMessage): Promise<SendResult> {
    this.calls += 1;
    this.waiters.splice(0).forEach((waiter) => waiter());
    if (this.gate) await this.gate;
    if (this.permanentError) throw this.permanentError;
    if (this.transientFailures > 0) {
      this.transientFailures -= 1;
      throw new SendError('provider unavailable (503)', { permanent: false, providerCode: '503' });
    }
    this.sent.push(message);
    return { externalId: `rec-${message.messageId}-${this.sent.length}`, status: 'sent' };
  }
}
