import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { signMetaBody } from '../../connectors/meta';
import { connectAgent, createTeam, type TestAgent } from '../support/agent-client';
import {
  CUSTOMER,
  META_SECRET,
  META_VERIFY,
  sendAsCustomer,
  startMetaTestHub,
  type MetaTestHub,
} from '../support/meta-harness';
import {
  allTimelineEntries,
  apiGet,
  FIXTURES,
  fixture,
  startForwarder,
  waitUntil,
  type Json,
} from '../support/social-support';
import { call } from './conversations-support';

describe('Meta (Messenger, Instagram, WhatsApp Cloud) through the whole hub (Graph API stub)', function () {
  this.timeout(90_000);
  let hub: MetaTestHub | undefined;
  const agents: TestAgent[] = [];
  afterEach(async () => {
    agents.splice(0).forEach((agent) => agent.close());
    await hub?.close();
    hub = undefined;
  });

  const entries = () => allTimelineEntries(hub!.running.baseUrl, hub!.token);

  for (const kind of ['messenger', 'whatsapp'] as const)
    it(`${kind}: offers the message, sends the agent's reply through the Graph API and moves it to delivered`, async () => {
      hub = await startMetaTestHub();
      const team = await createTeam(hub.running, 'Social');
      const alice = await connectAgent(hub.running, { email: `alice-${kind}@meta.test`, teamIds: [team] });
      agents.push(alice);
      assert.equal((await sendAsCustomer(hub.stub, kind, '我的包裹丢了')).status, 200);
      const offer = await alice.next('offer:new', undefined, 20_000);
      const conversationId = (offer.conversation as { id: string }).id;
      assert.equal((await alice.emit('offer:accept', { offerId: offer.offerId })).ok, true);
      const conversation = await apiGet(
        hub.running.baseUrl,
        alice.token,
        `/api/conversations/${conversationId}`,
      );
      const identity = (conversation.contact.identities as Json[]).find((i) => i.channel === kind);
      assert.equal(identity.externalId, kind === 'whatsapp' ? `+${CUSTOMER.whatsapp}` : CUSTOMER.messenger);
      const reply = await call(hub.running.baseUrl, 'POST', `/api/conversations/${conversationId}/messages`, {
        token: alice.token,
        body: { text: '我们马上为您查询。' },
      });
      assert.equal(reply.status, 201);
      const sent = await waitUntil(
        () => hub!.stub.sends.find((send) => send.text === '我们马上为您查询。'),
        'the Graph send',
      );
      assert.equal(sent.channel, kind);
      const delivered = await waitUntil(async () => {
        const entry = (await entries()).find((item) => item.id === reply.body.id);
        return entry?.status === 'delivered' ? entry : undefined;
      }, 'the delivered status');
      assert.equal(delivered.externalId, sent.externalId);
    });

  it('stores duplicate and out-of-order WhatsApp deliveries once each, ordered by event time', async () => {
    hub = await startMetaTestHub();
    const now = Date.now();
    const first = await sendAsCustomer(hub.stub, 'whatsapp', 'one', now - 3_000);
    const second = await sendAsCustomer(hub.stub, 'whatsapp', 'two', now - 2_000);
    // Redelivered, and in reverse order.
    for (const body of [second.body, first.body, second.body])
      assert.equal((await hub.stub.deliverRaw(body)).status, 200);
    const third = await sendAsCustomer(hub.stub, 'whatsapp', 'zero', now - 10_000);
    assert.equal(third.status, 200);
    assert.deepEqual(
      (await entries()).map((entry) => entry.text),
      ['zero', 'one', 'two'],
    );
  });

  it('refuses a bad or missing X-Hub-Signature-256 with 403 and writes nothing; answers the verify handshake', async () => {
    hub = await startMetaTestHub();
    const body = JSON.stringify(JSON.parse(fixture('meta/messenger/messages_text_envelope.json')));
    assert.equal(
      (await hub.stub.deliverRaw(body, { signature: signMetaBody('wrong-secret', body) })).status,
      403,
    );
    assert.equal((await hub.stub.deliverRaw(body, { signature: null })).status, 403);
    assert.equal(
      (await hub.stub.deliverRaw(`${body} `, { signature: signMetaBody(META_SECRET, body) })).status,
      403,
    );
    assert.deepEqual(await entries(), []);
    const verify = (token: string) =>
      fetch(
        `${hub!.running.baseUrl}/webhooks/meta?hub.mode=subscribe&hub.verify_token=${token}&hub.challenge=1158201444`,
      );
    const ok = await verify(META_VERIFY);
    assert.equal(ok.status, 200);
    assert.equal(await ok.text(), '1158201444');
    assert.equal((await verify('nope')).status, 403);
  });

  it('ingests every Meta fixture: messages stored once, statuses forward only, other notifications acknowledged', async () => {
    hub = await startMetaTestHub({ WHATSAPP_PHONE_NUMBER_ID: '106540352242922' });
    const inboxes = hub.running.hub.channels.inboxes;
    // The fixtures' Page, Instagram account and dashboard test number, as admin-configured inboxes.
    for (const [channel, address] of [
      ['messenger', 'PAGE_ID'],
      ['instagram', '17841472110558136'],
      ['instagram', '17841421930215757'],
      ['whatsapp', '123456123'],
    ] as const)
      await inboxes.create({
        name: `${channel} ${address}`,
        channel,
        address,
        credentials: {
          appSecret: META_SECRET,
          verifyToken: META_VERIFY,
          accessToken: 'fixture-access-token',
        },
      });
    const files: string[] = [];
    for (const dir of ['messenger', 'instagram', 'whatsapp_cloud'])
      for (const name of readdirSync(path.join(FIXTURES, 'meta', dir)))
        if (name.endsWith('.json')) files.push(`meta/${dir}/${name}`);
    let delivered = 0;
    for (const file of files) {
      const parsed = JSON.parse(fixture(file));
      if (!parsed.object) continue; // a bare messaging event from the docs, not a notification body
      const raw = file.endsWith('.raw.json') ? fixture(file) : JSON.stringify(parsed);
      assert.equal((await hub.stub.deliverRaw(raw)).status, 200, file);
      assert.equal((await hub.stub.deliverRaw(raw)).status, 200, `${file} again`);
      delivered++;
    }
    assert.ok(delivered >= 15);
    const stored = await entries();
    const ids = stored.map((entry) => entry.externalId as string);
    assert.equal(new Set(ids).size, ids.length, 'no duplicates');
    // Messenger text, 4 Instagram messages (text ×2, image, share), 4 WhatsApp messages (2 share one wamid).
    assert.ok(ids.includes('mid.1457764197618:41d102a3e1ae206a38'));
    assert.ok(ids.includes('ABGGFlA5Fpa'));
    assert.equal(stored.filter((entry) => entry.channel === 'instagram').length, 4);
    assert.equal(stored.filter((entry) => entry.channel === 'whatsapp').length, 4);
    const image = stored.find((entry) => entry.text === 'Taj Mahal');
    assert.equal(image.attachments.length, 1);
  });

  it('accepts a 2.5 MB notification on /webhooks/meta (3 MB limit on this route only)', async () => {
    hub = await startMetaTestHub();
    hub.stub.meetCustomer('whatsapp', CUSTOMER.whatsapp);
    const padding = 'x'.repeat(2_500_000);
    const body = JSON.stringify({
      object: 'instagram',
      entry: [{ id: '1', time: 1, changes: [{ field: 'mentions', value: { padding } }] }],
    });
    assert.equal((await hub.stub.deliverRaw(body)).status, 200);
    const tooBig = JSON.stringify({
      object: 'instagram',
      entry: [{ id: '1', changes: [{ field: 'x', value: 'x'.repeat(3_200_000) }] }],
    });
    assert.equal((await hub.stub.deliverRaw(tooBig)).status, 413);
  });

  it('downloads WhatsApp media through the media proxy with the inbox token and attaches it', async () => {
    const forwarder = await startForwarder();
    try {
      hub = await startMetaTestHub({ PUBLIC_URL: forwarder.url });
      forwarder.target(hub.running.baseUrl);
      const bytes = Buffer.from('\x89PNG fake png', 'latin1');
      const delivery = await hub.stub.sendWhatsApp({
        waId: CUSTOMER.whatsapp,
        image: { bytes, mimeType: 'image/png', caption: '发票' },
      });
      assert.equal(delivery.status, 200);
      const entry = await waitUntil(async () => {
        const [first] = await entries();
        return first?.attachments?.[0]?.storageKey ? first : undefined;
      }, 'the media fetch');
      assert.equal(entry.text, '发票');
      const download = await fetch(
        `${hub.running.baseUrl}/api/attachments/${entry.attachments[0].storageKey}`,
        {
          headers: { authorization: `Bearer ${hub.token}` },
        },
      );
      assert.deepEqual(Buffer.from(await download.arrayBuffer()), bytes);
    } finally {
      await forwarder.close();
    }
  });
});
