import assert from 'node:assert/strict';
import { InboundEventSchema } from '../../server/modules/ingest/ingest.schemas';

const event = (extra: Record<string, unknown>, from: Record<string, unknown> = {}) => ({
  channel: 'wechat',
  inboxId: 'wechat',
  externalId: 'oX:1:subscribe',
  occurredAt: new Date(),
  from: { externalId: 'oCustomer01', ...from },
  kind: 'message',
  ...extra,
});

describe('what a channel may say about a customer (ingest validation)', () => {
  it('keeps contact attributes and linked identities of a valid event', () => {
    const parsed = InboundEventSchema.parse(
      event(
        { contactAttributes: { wechatScene: '123' } },
        { linkedIdentities: [{ scheme: 'wechat-unionid', externalId: 'oU1' }] },
      ),
    );
    assert.deepEqual(parsed.contactAttributes, { wechatScene: '123' });
    assert.deepEqual(parsed.from.linkedIdentities, [{ scheme: 'wechat-unionid', externalId: 'oU1' }]);
  });

  it('refuses attribute names that would become other field paths, and schemes that are channel kinds', () => {
    for (const key of ['a.b', '$where', '', 'x'.repeat(65)])
      assert.equal(
        InboundEventSchema.safeParse(event({ contactAttributes: { [key]: 'v' } })).success,
        false,
        key,
      );
    assert.equal(
      InboundEventSchema.safeParse(event({ contactAttributes: { n: 42 } })).success,
      false,
      'strings only',
    );
    for (const scheme of ['email', 'sms', 'Bad Scheme'])
      assert.equal(
        InboundEventSchema.safeParse(event({}, { linkedIdentities: [{ scheme, externalId: 'x' }] })).success,
        false,
        scheme,
      );
  });
});
