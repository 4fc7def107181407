import assert from 'node:assert/strict';
import { loadConfig, SOCIAL_DEMO_ACCOUNTS } from '../../server/config';

describe('social channel configuration', () => {
  it('uses demo values against the built-in stubs on the embedded default', () => {
    const config = loadConfig({ PUBLIC_URL: 'http://demo.test' });
    assert.equal(config.META_DEMO && config.TELEGRAM_DEMO && config.WECHAT_DEMO, true);
    assert.equal(config.META_APP_SECRET, SOCIAL_DEMO_ACCOUNTS.META_APP_SECRET);
    assert.equal(config.META_GRAPH_BASE, 'http://demo.test/meta-stub/v21.0');
    assert.equal(config.TELEGRAM_API_BASE, 'http://demo.test/telegram-stub');
    assert.equal(config.WECHAT_API_BASE, 'http://demo.test/wechat-stub');
    assert.equal(config.WECHAT_ENCODING_AES_KEY?.length, 43);
  });

  it('lets a set variable replace its demo value, and a main credential end the demo', () => {
    const partly = loadConfig({ TELEGRAM_WEBHOOK_SECRET: 'my-own-secret-token_123' });
    assert.equal(partly.TELEGRAM_DEMO, true);
    assert.equal(partly.TELEGRAM_WEBHOOK_SECRET, 'my-own-secret-token_123');
    const real = loadConfig({
      TELEGRAM_BOT_TOKEN: '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ',
      TELEGRAM_WEBHOOK_SECRET: 'x'.repeat(20),
    });
    assert.equal(real.TELEGRAM_DEMO, false);
    assert.equal(real.TELEGRAM_API_BASE, undefined);
    const production = loadConfig({ MONGODB_URI: 'mongodb://db.example:27017' });
    assert.deepEqual(
      [production.META_DEMO, production.TELEGRAM_DEMO, production.WECHAT_DEMO],
      [false, false, false],
    );
    assert.equal(production.META_APP_SECRET, undefined);
  });

  it('refuses malformed credentials with the variable named', () => {
    assert.throws(() => loadConfig({ TELEGRAM_BOT_TOKEN: 'not-a-token' }), /TELEGRAM_BOT_TOKEN/);
    assert.throws(() => loadConfig({ WECHAT_ENCODING_AES_KEY: 'short' }), /WECHAT_ENCODING_AES_KEY/);
    assert.throws(() => loadConfig({ WECHAT_APP_ID: 'abc' }), /WECHAT_APP_ID/);
  });
});
