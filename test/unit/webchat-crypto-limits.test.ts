import assert from 'node:assert/strict';
import { parseOrigins, parsePrechat, DEFAULT_PRECHAT } from '../../connectors/webchat/webchat-inboxes';
import { clientAddress, parseTrustedProxies } from '../../connectors/webchat/webchat-limits';
import {
  createVisitorTokens,
  identityHash,
  verifyIdentityHash,
  visitorKeys,
} from '../../connectors/webchat/visitor-token';

describe('web chat visitor tokens and identity hashes', () => {
  let nowSec = 1_700_000_000;
  const DAY = 86_400;
  const tokens = createVisitorTokens('a-visitor-token-secret-of-enough-length', {
    lifetimeSec: 30 * DAY,
    nowSec: () => nowSec,
  });
  const claims = { k: visitorKeys.anonymous('0123456789abcdef0123456789abcdef'), i: 'webchat' };
  beforeEach(() => {
    nowSec = 1_700_000_000;
  });

  it('verifies a token it issued and refuses one changed or signed with another secret', () => {
    const token = tokens.issue(claims);
    assert.deepEqual(tokens.verify(token), { ok: true, claims: { ...claims, t: nowSec } });
    const [version, payload, signature] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...claims, t: nowSec, k: 'v_someone-else' })).toString(
      'base64url',
    );
    const invalid = { ok: false, reason: 'invalid' };
    assert.deepEqual(tokens.verify(`${version}.${forged}.${signature}`), invalid);
    assert.deepEqual(tokens.verify(`${version}.${payload}.${signature!.slice(0, -2)}`), invalid);
    const other = createVisitorTokens('another-secret-of-enough-length!!', {
      lifetimeSec: 30 * DAY,
      nowSec: () => nowSec,
    });
    assert.deepEqual(other.verify(token), invalid);
    for (const junk of ['', 'v1', 'v1..', 'v2.a.b', 'x'.repeat(5000)])
      assert.deepEqual(tokens.verify(junk), invalid);
  });

  it('refuses a token older than its lifetime as expired, and accepts it up to the last second', () => {
    const token = tokens.issue(claims);
    nowSec += 30 * DAY;
    assert.equal(tokens.verify(token).ok, true);
    nowSec += 1;
    assert.deepEqual(tokens.verify(token), { ok: false, reason: 'expired' });
  });

  it('refuses a token dated beyond the clock skew in the future', () => {
    nowSec += 3600;
    const token = tokens.issue(claims);
    nowSec -= 3600;
    assert.deepEqual(tokens.verify(token), { ok: false, reason: 'expired' });
  });

  it('refreshes a socket token after a quarter of the lifetime, at most a day', () => {
    assert.equal(tokens.refreshAfterSec, DAY);
    const short = createVisitorTokens('a-visitor-token-secret-of-enough-length', {
      lifetimeSec: 3600,
      nowSec: () => nowSec,
    });
    assert.equal(short.refreshAfterSec, 900);
  });

  it('checks identifierHash as hex HMAC-SHA256 of the identifier, case-insensitively', () => {
    const hash = identityHash('site-secret', 'alice@example.com');
    assert.match(hash, /^[0-9a-f]{64}$/);
    assert.equal(verifyIdentityHash('site-secret', 'alice@example.com', hash), true);
    assert.equal(verifyIdentityHash('site-secret', 'alice@example.com', hash.toUpperCase()), true);
    assert.equal(verifyIdentityHash('site-secret', 'bob@example.com', hash), false);
    assert.equal(verifyIdentityHash('other-secret', 'alice@example.com', hash), false);
    assert.equal(verifyIdentityHash('site-secret', 'alice@example.com', 'zz'), false);
  });
});

describe('web chat abuse limits and inbox settings', () => {
  it('believes X-Forwarded-For only from trusted proxies, taking the right-most untrusted hop', () => {
    const trusted = parseTrustedProxies('10.0.0.1, 10.0.0.2');
    assert.equal(
      clientAddress({ peer: '203.0.113.9', forwardedFor: '1.2.3.4', trustedProxies: trusted }),
      '203.0.113.9',
    );
    assert.equal(
      clientAddress({
        peer: '::ffff:10.0.0.1',
        forwardedFor: '6.6.6.6, 198.51.100.7, 10.0.0.2',
        trustedProxies: trusted,
      }),
      '198.51.100.7',
    );
    assert.equal(
      clientAddress({ peer: '10.0.0.1', forwardedFor: undefined, trustedProxies: trusted }),
      '10.0.0.1',
    );
  });

  it('parses origins and the pre-chat form, falling back to the default on invalid JSON', () => {
    assert.deepEqual(parseOrigins('https://shop.example/, http://localhost:8080, javascript:alert(1), '), [
      'https://shop.example',
      'http://localhost:8080',
    ]);
    assert.deepEqual(parsePrechat('[{"key":"name","required":true},{"key":"order","label":"Order"}]'), [
      { key: 'name', required: true },
      { key: 'order', label: 'Order', required: false },
    ]);
    assert.deepEqual(parsePrechat('{not json'), DEFAULT_PRECHAT);
    assert.deepEqual(parsePrechat('[{"key":"<script>"}]'), DEFAULT_PRECHAT);
  });
});
