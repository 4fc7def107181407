import { SendError } from '../../../connectors/channel';

/** What to do after a failed provider call (pure). */
export type FailureOutcome =
  | { action: 'fail'; permanent: boolean; error: { code: string; message: string } }
  | { action: 'retry'; error: { code: string; message: string } };

/**
 * A permanent SendError fails the message at once; anything else is retried until the last attempt, which
 * fails the message with the last error.
 */
export function classifySendFailure(
  error: unknown,
  attempt: { made: number; allowed: number },
): FailureOutcome {
  const isSendError = error instanceof SendError;
  const described = {
    code: isSendError
      ? (error.providerCode ?? (error.permanent ? 'SEND_REJECTED' : 'SEND_FAILED'))
      : 'SEND_FAILED',
    message: (error instanceof Error ? error.message : String(error)).slice(0, 500),
  };
  if (isSendError && error.permanent) return { action: 'fail', permanent: true, error: described };
  const isLastAttempt = attempt.made + 1 >= attempt.allowed;
  return isLastAttempt
    ? { action: 'fail', permanent: false, error: described }
    : { action: 'retry', error: described };
}

/** The bull job id of one send generation: enqueuing the same generation twice adds nothing. */
export function sendJobId(messageId: string, generation: number): string {
  return `send:${messageId}:${generation}`;
}

/** Internal notes (and anything not outbound) never reach a provider. */
export function isSendable(message: { direction: string; kind: string }): boolean {
  return message.direction === 'outbound' && message.kind === 'message';
}
