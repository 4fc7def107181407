import assert from 'node:assert/strict';
import type { Request } from 'express';
import { effectiveCapacity } from '../../server/modules/agents/agent.model';
import {
  decodeIdCursor,
  decodeTimeCursor,
  encodeIdCursor,
  encodeTimeCursor,
  toPage,
} from '../../server/modules/agents/pagination';
import { apiRateLimitKey, loginRateLimitKey } from '../../server/modules/agents/rate-limit';
import {
  digestsEqual,
  generateToken,
  hashToken,
  isWellFormedToken,
  parseBearer,
} from '../../server/modules/agents/tokens';

const fakeRequest = (init: { body?: unknown; authorization?: string }) =>
  ({ body: init.body, headers: { authorization: init.authorization } }) as unknown as Request;

describe('auth helpers', () => {
  describe('tokens', () => {
    it('generates distinct, well-formed tokens of each kind', () => {
      const access = generateToken('access');
      const refresh = generateToken('refresh');
      assert.match(access, /^oha_[A-Za-z0-9_-]{43}$/);
      assert.match(refresh, /^ohr_[A-Za-z0-9_-]{43}$/);
      assert.notEqual(generateToken('access'), access);
      assert.equal(isWellFormedToken(access, 'access'), true);
      assert.equal(isWellFormedToken(access, 'refresh'), false);
      assert.equal(isWellFormedToken(`${access}x`, 'access'), false);
      assert.equal(isWellFormedToken('oha_short', 'access'), false);
    });

    it('stores tokens as sha256 digests and compares digests exactly', () => {
      const token = generateToken('access');
      const digest = hashToken(token);
      assert.match(digest, /^[0-9a-f]{64}$/);
      assert.equal(digestsEqual(digest, hashToken(token)), true);
      assert.equal(digestsEqual(digest, hashToken(generateToken('access'))), false);
      assert.equal(digestsEqual(digest, digest.slice(0, 62)), false);
      assert.equal(digestsEqual('', ''), false);
    });

    it('reads the bearer token of an Authorization header', () => {
      assert.equal(parseBearer('Bearer abc'), 'abc');
      assert.equal(parseBearer('bearer   abc  '), 'abc');
      assert.equal(parseBearer('Basic abc'), null);
      assert.equal(parseBearer('Bearer a b'), null);
      assert.equal(parseBearer(undefined), null);
    });
  });

  describe('rate-limit keys', () => {
    it('counts logins per address and lowercased email, and ignores non-string emails', () => {
      assert.equal(
        loginRateLimitKey('1.2.3.4', fakeRequest({ body: { email: ' Mei@Example.com' } })),
        'login:1.2.3.4:mei@example.com',
      );
      assert.equal(
        loginRateLimitKey('1.2.3.4', fakeRequest({ body: { email: { $gt: '' } } })),
        'login:1.2.3.4:',
      );
    });

    it('counts API calls per session when a token is sent, per address otherwise', () => {
      const token = generateToken('access');
      assert.equal(
        apiRateLimitKey('1.2.3.4', fakeRequest({ authorization: `Bearer ${token}` })),
        `token:${hashToken(token)}`,
      );
      assert.equal(apiRateLimitKey('1.2.3.4', fakeRequest({})), 'ip:1.2.3.4');
    });
  });

  describe('cursors', () => {
    it('round-trips id and time cursors and refuses forged ones', () => {
      const id = '65a1b2c3d4e5f60718293a4b';
      assert.equal(decodeIdCursor(encodeIdCursor(id)).toHexString(), id);
      const at = new Date('2026-03-01T08:00:00.000Z');
      const decoded = decodeTimeCursor(encodeTimeCursor(at, id));
      assert.equal(decoded.at.getTime(), at.getTime());
      assert.equal(decoded.id.toHexString(), id);
      assert.throws(() => decodeIdCursor(Buffer.from('{"$gt":""}').toString('base64url')), {
        code: 'INVALID_INPUT',
      });
      assert.throws(() => decodeTimeCursor('nonsense'), { code: 'INVALID_INPUT' });
    });

    it('builds a page from limit + 1 items, with a cursor only when there is more', () => {
      const docs = [1, 2, 3];
      assert.deepEqual(
        toPage(docs, 2, (n) => n * 10, String),
        { items: [10, 20], nextCursor: '2' },
      );
      assert.deepEqual(
        toPage(docs, 3, (n) => n, String),
        { items: [1, 2, 3], nextCursor: null },
      );
    });
  });

  it('takes capacity from the agent, then the team, then the defaults', () => {
    assert.deepEqual(
      effectiveCapacity({ capacity: { chat: 5 } }, { capacityDefaults: { chat: 2, email: 20 } }),
      {
        voice: 1,
        chat: 5,
        messaging: 5,
        email: 20,
      },
    );
    assert.deepEqual(effectiveCapacity({}), { voice: 1, chat: 3, messaging: 5, email: 10 });
  });
});
