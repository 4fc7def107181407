import assert from 'node:assert/strict';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../server/config';

describe('configuration', () => {
  it('applies the documented defaults for the embedded default', () => {
    const config = loadConfig({});
    assert.equal(config.PORT, 3000);
    assert.equal(config.DATA_DIR, path.resolve('./data'));
    assert.equal(config.PUBLIC_URL, 'http://localhost:3000');
    assert.equal(config.usesEmbeddedMongo, true);
    assert.equal(config.usesPrivateRedis, true);
    assert.equal(config.SEED_DEMO, true);
    assert.equal(config.EMBEDDED_MONGO_DURABILITY, 'journaled');
  });

  it('does not seed demo data against a configured MongoDB unless asked', () => {
    assert.equal(loadConfig({ MONGODB_URI: 'mongodb://db.example:27017' }).SEED_DEMO, false);
    assert.equal(loadConfig({ MONGODB_URI: 'mongodb://db.example:27017', SEED_DEMO: '1' }).SEED_DEMO, true);
  });

  it('uses the public demo channel credentials only for the seeded demo, not for an unseeded embedded hub', () => {
    const demo = loadConfig({});
    assert.equal(demo.TWILIO_DEMO, true);
    assert.equal(demo.META_DEMO && demo.TELEGRAM_DEMO && demo.WECHAT_DEMO && demo.EMAIL_DEMO, true);
    assert.ok(demo.WEBCHAT_IDENTITY_SECRET);

    const unseeded = loadConfig({ SEED_DEMO: '0' });
    assert.equal(unseeded.usesEmbeddedMongo, true);
    assert.equal(unseeded.TWILIO_DEMO, false);
    assert.equal(unseeded.TWILIO_AUTH_TOKEN, undefined);
    assert.deepEqual(
      [unseeded.META_DEMO, unseeded.TELEGRAM_DEMO, unseeded.WECHAT_DEMO, unseeded.EMAIL_DEMO],
      [false, false, false, false],
    );
    assert.equal(unseeded.META_APP_SECRET, undefined);
    assert.equal(unseeded.EMAIL_RELAY_SECRET, undefined);
    assert.equal(unseeded.WEBCHAT_IDENTITY_SECRET, undefined);
  });

  it('strips a trailing slash from PUBLIC_URL so signature URLs are built one way', () => {
    assert.equal(
      loadConfig({ PUBLIC_URL: 'https://hub.example.com/' }).PUBLIC_URL,
      'https://hub.example.com',
    );
  });

  it('treats empty variables as unset', () => {
    assert.equal(loadConfig({ PORT: '', REDIS_URL: '' }).PORT, 3000);
    assert.equal(loadConfig({ REDIS_URL: '' }).usesPrivateRedis, true);
  });

  it('names every invalid variable in one error', () => {
    assert.throws(
      () => loadConfig({ PORT: 'eighty', REDIS_URL: 'http://nope', MONGODB_URI: 'postgres://x' }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /PORT/);
        assert.match(error.message, /REDIS_URL/);
        assert.match(error.message, /MONGODB_URI/);
        return true;
      },
    );
  });

  it('returns a frozen object', () => {
    const config = loadConfig({});
    assert.ok(Object.isFrozen(config));
  });
});
