import assert from 'node:assert/strict';
import { simulateSocial } from '../../scripts/simulate-social';
import { loginAs, call } from './conversations-support';
import { startForwarder, waitUntil, type Json } from '../support/social-support';
import { startTestHub, type RunningTestHub } from '../support/test-stack';

/**
 * The demo: on the embedded default every social channel runs on demo values against the hub's built-in
 * stubs. A customer message from the CLI (or a simulator panel) reaches the hub signed like the provider's,
 * the agent's reply goes to the built-in stub, and the panel's log shows it.
 */
describe('social channels in demo mode (built-in stubs, simulator panels, CLI)', function () {
  this.timeout(120_000);
  let running: RunningTestHub | undefined;
  let forwarder: Awaited<ReturnType<typeof startForwarder>> | undefined;
  after(async () => {
    await running?.close();
    await forwarder?.close();
  });

  it('plays the customer on Telegram, WeChat, Messenger, Instagram and WhatsApp Cloud and shows the replies', async () => {
    forwarder = await startForwarder();
    running = await startTestHub({ configOverrides: { PUBLIC_URL: forwarder.url, SEED_DEMO: '1' } });
    forwarder.target(running.baseUrl);
    const index = await fetch(`${running.baseUrl}/simulator/`);
    const page = await index.text();
    for (const path of ['/simulator/telegram/', '/simulator/wechat/', '/simulator/meta/'])
      assert.ok(page.includes(path), path);
    const { token } = await loginAs(running, { email: 'sup@demo.test', role: 'supervisor' });
    const cases = [
      { command: 'telegram', from: '5550123', panel: 'telegram', channel: 'telegram' },
      { command: 'wechat', from: 'oSimulatedOpenId_01', panel: 'wechat', channel: 'wechat' },
      { command: 'messenger', from: '7100000000000001', panel: 'meta', channel: 'messenger' },
      { command: 'instagram', from: '7200000000000001', panel: 'meta', channel: 'instagram' },
      { command: 'whatsapp-cloud', from: '8613900139000', panel: 'meta', channel: 'whatsapp' },
    ];
    for (const item of cases) {
      // The CLI talks to the hub; the in-hub stubs must know the customer too, so the panel sends first.
      const sent = await call(running.baseUrl, 'POST', `/simulator/${item.panel}/api/send`, {
        body: { channel: item.channel, customer: item.from, name: '演示', text: `panel ${item.command}` },
      });
      assert.equal(sent.status, 200, JSON.stringify(sent.body));
      assert.equal(sent.body.hubStatus, 200, item.command);
      assert.equal(
        await simulateSocial({
          command: item.command,
          hub: running.baseUrl,
          from: item.from,
          text: `cli ${item.command}`,
        }),
        0,
      );
      const conversation = await waitUntil(async () => {
        const list = await call(
          running!.baseUrl,
          'GET',
          `/api/conversations?channel=${item.channel}&limit=50`,
          { token },
        );
        for (const candidate of list.body.items as Json[]) {
          const timeline = await call(
            running!.baseUrl,
            'GET',
            `/api/conversations/${candidate.id}/timeline`,
            { token },
          );
          if ((timeline.body.items as Json[]).some((entry) => entry.text === `cli ${item.command}`))
            return candidate;
        }
        return undefined;
      }, `the ${item.command} conversation`);
      assert.ok(conversation, `${item.command} conversation`);
      const reply = await call(running.baseUrl, 'POST', `/api/conversations/${conversation.id}/messages`, {
        token,
        body: { text: `reply ${item.command}` },
      });
      assert.equal(reply.status, 201, JSON.stringify(reply.body));
      await waitUntil(
        async () => {
          const log = await call(running!.baseUrl, 'GET', `/simulator/${item.panel}/api/log`);
          return (log.body.entries as Json[]).some(
            (entry) => entry.direction === 'hub' && entry.text === `reply ${item.command}`,
          );
        },
        `the ${item.command} reply in the panel`,
        30_000,
      );
    }
  });
});
