/**
 * Found by the fault suite (engine SIGKILL during writes): with several event inserts in flight, a later
 * insert that failed while an earlier one was still pending was a promise nobody handled yet, and Node
 * ended the hub process on the unhandled rejection. A failed insert must reject only its own publishes.
 */
import assert from 'node:assert/strict';
import { conversationRooms } from '../../server/modules/realtime';
import { getRealtimeEventModel } from '../../server/modules/realtime/realtime-event.model';
import { startTestHub, type RunningTestHub } from '../support/test-stack';

describe('realtime: an event insert that fails while an earlier one is in flight', () => {
  let stack: RunningTestHub;
  before(async () => {
    stack = await startTestHub({ runWorkers: false });
  });
  after(() => stack.close());

  const publish = (text: string) =>
    stack.hub.realtime.publish({
      event: 'conversation:updated',
      payload: { conversationId: `c-${text}`, changes: {} } as never,
      rooms: conversationRooms({ teamId: 'team-write-failure', assigneeId: null }),
    });

  it('rejects the failed publishes only, and leaves no unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.prependListener('unhandledRejection', onUnhandled);
    const collection = getRealtimeEventModel(stack.hub.connection).collection;
    const original = collection.insertMany.bind(collection);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    collection.insertMany = (...args: Parameters<typeof original>) => {
      calls += 1;
      if (calls === 1) return held.then(() => original(...args));
      if (calls === 2) return Promise.reject(new Error('connection reset by the engine'));
      return original(...args);
    };
    try {
      const first = publish('first');
      while (calls < 1) await new Promise((resolve) => setTimeout(resolve, 10)); // its insert is in flight
      const second = publish('second');
      const secondOutcome = second.then(
        () => 'resolved',
        (error: Error) => error.message,
      );
      // the second insert fails while the first is still pending
      while (calls < 2) await new Promise((resolve) => setTimeout(resolve, 10));
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(unhandled, [], 'no unhandled rejection while the first insert is pending');
      release();
      assert.match(await first, /^\d{16}$/);
      assert.equal(await secondOutcome, 'connection reset by the engine');
      assert.match(await publish('third'), /^\d{16}$/, 'publishing goes on');
      assert.deepEqual(unhandled, []);
    } finally {
      collection.insertMany = original;
      process.removeListener('unhandledRejection', onUnhandled);
    }
  });
});
