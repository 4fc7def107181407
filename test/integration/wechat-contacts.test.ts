import assert from 'node:assert/strict';
import express from 'express';
import {
  createWechatStub,
  WECHAT_SCENE_ATTRIBUTE,
  WECHAT_UNIONID_SCHEME,
  type WechatStub,
} from '../../connectors/wechat';
import { apiGet, fixture, serveRouters, type Json, type RunningServer } from '../support/social-support';
import { startTestHub, type RunningTestHub } from '../support/test-stack';
import { startWechatTestHub, wechatConfig, WX, type WechatTestHub } from '../support/wechat-harness';
import { call, loginAs } from './conversations-support';

/** A fixture event with another CreateTime (events dedupe on FromUserName + CreateTime + Event). */
const at = (xml: string, createTime: number, eventKey?: string) => {
  const timed = xml.replace(/<CreateTime>\d+<\/CreateTime>/, `<CreateTime>${createTime}</CreateTime>`);
  return eventKey
    ? timed.replace(
        /<EventKey><!\[CDATA\[[^\]]*\]\]><\/EventKey>/,
        `<EventKey><![CDATA[${eventKey}]]></EventKey>`,
      )
    : timed;
};

describe('WeChat contact facts: QR scenes become contact attributes, UnionIDs join accounts (whole hub)', function () {
  this.timeout(90_000);

  describe('scenes', () => {
    let hub: WechatTestHub | undefined;
    afterEach(async () => {
      await hub?.close();
      hub = undefined;
    });

    async function contactOf(openId: string): Promise<Json> {
      const found = await apiGet(hub!.running.baseUrl, hub!.token, `/api/contacts?q=${openId}`);
      assert.equal(found.items.length, 1, `one contact named ${openId}`);
      return apiGet(hub!.running.baseUrl, hub!.token, `/api/contacts/${found.items[0].id}`).then(
        (d) => d.contact,
      );
    }

    it('records the subscribe scene, follows later scans, and never overwrites a value an agent set', async () => {
      hub = await startWechatTestHub();
      const subscribe = fixture('wechat/event_subscribe_qrscene.xml');
      const scan = fixture('wechat/event_scan.xml');
      assert.deepEqual(await hub.stub.deliverXml(subscribe), { status: 200, body: 'success' });
      let contact = await contactOf('FromUser');
      assert.equal(contact.attributes[WECHAT_SCENE_ATTRIBUTE], '123123', 'qrscene_ prefix removed');

      // A later scan of another code: nobody edited the value, so the channel's newest scene replaces it.
      assert.equal((await hub.stub.deliverXml(at(scan, 123456800))).status, 200);
      contact = await contactOf('FromUser');
      assert.equal(contact.attributes[WECHAT_SCENE_ATTRIBUTE], 'SCENE_VALUE');

      // An agent corrects it; the next scan is kept aside, the agent's value stays.
      const patched = await call(hub.running.baseUrl, 'PATCH', `/api/contacts/${contact.id}`, {
        token: hub.token,
        body: { attributes: { ...contact.attributes, [WECHAT_SCENE_ATTRIBUTE]: 'store-42', vip: true } },
      });
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      assert.equal((await hub.stub.deliverXml(at(scan, 123456900, 'campaign-7'))).status, 200);
      contact = await contactOf('FromUser');
      assert.equal(contact.attributes[WECHAT_SCENE_ATTRIBUTE], 'store-42');
      assert.equal(contact.attributes.vip, true);

      // The agent clears it: the key is the channel's again.
      const { [WECHAT_SCENE_ATTRIBUTE]: _cleared, ...rest } = contact.attributes as Record<string, unknown>;
      await call(hub.running.baseUrl, 'PATCH', `/api/contacts/${contact.id}`, {
        token: hub.token,
        body: { attributes: rest },
      });
      assert.equal((await hub.stub.deliverXml(at(scan, 123457000, 'campaign-8'))).status, 200);
      assert.equal((await contactOf('FromUser')).attributes[WECHAT_SCENE_ATTRIBUTE], 'campaign-8');
    });

    it('a subscribe without a scene and a menu click add no attribute', async () => {
      hub = await startWechatTestHub();
      assert.equal((await hub.stub.deliverXml(fixture('wechat/event_subscribe.xml'))).status, 200);
      assert.equal(
        (await hub.stub.deliverXml(at(fixture('wechat/event_menu_click.xml'), 123456999))).status,
        200,
      );
      assert.deepEqual((await contactOf('FromUser')).attributes, {});
    });
  });

  describe('UnionID across two official accounts', () => {
    const OTHER = {
      appId: 'wx00000000000000b2',
      appSecret: 'stub-wechat-app-secret-b2',
      token: 'stubtokenb2',
    };
    let running: RunningTestHub | undefined;
    let server: RunningServer | undefined;
    afterEach(async () => {
      await server?.close();
      await running?.close();
      server = undefined;
      running = undefined;
    });

    /** Both accounts' API stubs on one origin (WECHAT_API_BASE), each request routed to its account. */
    function serveAccounts(accounts: { a: WechatStub; b?: WechatStub }): Promise<RunningServer> {
      const router = express.Router();
      router.use((req, res, next) => {
        const token = typeof req.query.access_token === 'string' ? req.query.access_token : '';
        const { a, b } = accounts;
        const isB =
          req.path === '/cgi-bin/token' ? req.query.appid === OTHER.appId : Boolean(b?.ownsToken(token));
        (isB && b ? b : a).router(req, res, next);
      });
      return serveRouters([{ path: '/', router }]);
    }

    it('one person writing to both accounts is one contact (OpenID per account, UnionID once); others stay apart', async () => {
      const accounts: { a: WechatStub; b?: WechatStub } = { a: createWechatStub({ ...WX, mode: 'plain' }) };
      server = await serveAccounts(accounts);
      running = await startTestHub({ configOverrides: wechatConfig(server.url) });
      const { token } = await loginAs(running, { email: `admin-${Date.now()}@wx.test`, role: 'admin' });
      const created = await call(running.baseUrl, 'POST', '/api/inboxes', {
        token,
        body: { name: 'Shop account', channel: 'wechat', address: 'gh_shop', credentials: OTHER },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const a = accounts.a;
      const b = createWechatStub({ ...OTHER, mode: 'plain', inboxId: String(created.body.id) });
      accounts.b = b;
      for (const stub of [a, b]) stub.setDeliverTo(running.baseUrl);
      a.setUnionId('oAccountA_wangfang', 'oUnion_wangfang_0001');
      b.setUnionId('oAccountB_wangfang', 'oUnion_wangfang_0001');

      assert.equal(
        (await a.sendText({ openId: 'oAccountA_wangfang', text: '公众号里问一下发票' })).status,
        200,
      );
      assert.equal((await a.sendText({ openId: 'oAccountA_wangfang', text: '还有一个问题' })).status, 200);
      assert.equal(a.userInfoRequests(), 1, 'the UnionID is asked once per follower, then cached');
      assert.equal(
        (await b.sendText({ openId: 'oAccountB_wangfang', text: '商城账号这边也问一下' })).status,
        200,
      );
      assert.equal((await b.sendText({ openId: 'oAccountB_lisi', text: '我是另一个人' })).status, 200);

      const contacts = (await apiGet(running.baseUrl, token, '/api/contacts?limit=20')).items as Json[];
      assert.equal(contacts.length, 2, 'Wang Fang on both accounts is one contact; Li Si is another');
      const wang = contacts.find((c) =>
        (c.identities as Json[]).some((i) => i.externalId === 'oAccountA_wangfang'),
      );
      assert.ok(wang);
      const ids = (wang.identities as Json[]).map((i) => `${i.channel}:${i.externalId}`).sort();
      assert.deepEqual(
        ids,
        [
          'wechat:oAccountA_wangfang',
          'wechat:oAccountB_wangfang',
          `${WECHAT_UNIONID_SCHEME}:oUnion_wangfang_0001`,
        ].sort(),
      );
      const li = contacts.find((c) => c.id !== wang.id)!;
      assert.deepEqual(
        (li.identities as Json[]).map((i) => `${i.channel}:${i.externalId}`),
        ['wechat:oAccountB_lisi'],
        'an account without a UnionID for the follower links nothing',
      );
      const conversations = (await apiGet(running.baseUrl, token, '/api/conversations?limit=20'))
        .items as Json[];
      assert.equal(
        conversations.filter((c) => c.contact.id === wang.id).length,
        1,
        'both accounts continue one conversation',
      );
    });

    it('a failing user info API costs only the link: the message is stored and the next one links', async () => {
      const accounts = { a: createWechatStub({ ...WX, mode: 'plain' }) };
      server = await serveAccounts(accounts);
      running = await startTestHub({ configOverrides: wechatConfig(server.url) });
      const { token } = await loginAs(running, { email: `sup-${Date.now()}@wx.test`, role: 'supervisor' });
      const { a } = accounts;
      a.setDeliverTo(running.baseUrl);
      a.setUnionId('oAccountA_zhaolei', 'oUnion_zhaolei_0001');
      a.failNextUserInfo({ errcode: -1, errmsg: 'system error' });
      assert.equal((await a.sendText({ openId: 'oAccountA_zhaolei', text: '第一条' })).status, 200);
      let [contact] = (await apiGet(running.baseUrl, token, '/api/contacts?limit=5')).items as Json[];
      assert.deepEqual(
        (contact.identities as Json[]).map((i) => i.channel),
        ['wechat'],
      );
      assert.equal((await a.sendText({ openId: 'oAccountA_zhaolei', text: '第二条' })).status, 200);
      [contact] = (await apiGet(running.baseUrl, token, '/api/contacts?limit=5')).items as Json[];
      assert.deepEqual((contact.identities as Json[]).map((i) => i.channel).sort(), [
        'wechat',
        WECHAT_UNIONID_SCHEME,
      ]);
    });
  });
});
