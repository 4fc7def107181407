import assert from 'node:assert/strict';
import { startTestHub, type RunningTestHub } from '../support/test-stack';
import { call, loginAs } from './conversations-support';

const route = '/api/templates/sms/zh-CN/complaint-ack';

describe('template overrides (/api/templates)', function () {
  this.timeout(60_000);
  let running: RunningTestHub;
  let admin: { token: string; agentId: string };
  let supervisor: string;
  let agent: string;

  before(async () => {
    running = await startTestHub();
    admin = await loginAs(running, { email: 'admin@tpl.test', role: 'admin' });
    supervisor = (await loginAs(running, { email: 'sup@tpl.test', role: 'supervisor' })).token;
    agent = (await loginAs(running, { email: 'agent@tpl.test' })).token;
  });
  after(async () => running?.close());

  const render = (locale: string) =>
    running.hub.templates.render({
      key: 'complaint-ack',
      channel: 'sms',
      locale,
      data: {
        number: 7,
        ownerName: '王芳',
        dueAt: new Date('2026-03-02T06:30:00Z'),
        timezone: 'Asia/Shanghai',
      },
    }).text;

  it('lists file templates to admins and supervisors and refuses agents', async () => {
    const list = await call(running.baseUrl, 'GET', '/api/templates', { token: admin.token });
    assert.equal(list.status, 200);
    const ack = list.body.items.find(
      (t: { key: string; channel: string; locale: string }) =>
        t.key === 'complaint-ack' && t.channel === 'sms' && t.locale === 'zh-CN',
    );
    assert.equal(ack.source, 'file');
    assert.equal((await call(running.baseUrl, 'GET', '/api/templates', { token: supervisor })).status, 200);
    assert.equal((await call(running.baseUrl, 'GET', '/api/templates', { token: agent })).status, 403);
    const put = await call(running.baseUrl, 'PUT', route, {
      token: supervisor,
      body: { parts: { text: 'x' } },
    });
    assert.equal(put.status, 403);
  });

  it('refuses an unknown variable and a syntax error at save, with the position', async () => {
    const unknown = await call(running.baseUrl, 'PUT', route, {
      token: admin.token,
      body: { parts: { text: '您好 {{contactName}}，\n投诉 {{ticket number}} 由 {{ownerNmae}} 处理' } },
    });
    assert.equal(unknown.status, 400);
    assert.deepEqual(
      unknown.body.error.details.map((d: { kind: string; name: string; line: number; column: number }) => [
        d.kind,
        d.name,
        d.line,
        d.column,
      ]),
      [['unknown-variable', 'ownerNmae', 2, 26]],
    );
    assert.match(unknown.body.error.message, /line 2, column 26/);
    const syntax = await call(running.baseUrl, 'PUT', route, {
      token: admin.token,
      body: { parts: { text: 'ok\n{{#if ownerName}}处理人 {{ownerName}}' } },
    });
    assert.equal(syntax.status, 400);
    assert.equal(syntax.body.error.details[0].kind, 'syntax');
    assert.ok(syntax.body.error.details[0].line >= 2, JSON.stringify(syntax.body.error.details));
    const html = await call(running.baseUrl, 'PUT', '/api/templates/email/en/complaint-ack', {
      token: admin.token,
      body: { parts: { html: '<p>{{{contactName}}}</p>' } },
    });
    assert.equal(html.status, 400);
    assert.equal(html.body.error.details[0].kind, 'unsafe-html');
    assert.equal(render('zh-CN').includes('投诉'), true, 'the file template still applies');
  });

  it('saves a versioned override that the renderer uses, keeps who changed what, and reverts to the file', async () => {
    const fileText = render('zh-CN');
    const saved = await call(running.baseUrl, 'PUT', route, {
      token: admin.token,
      body: {
        parts: { text: '【改】{{ticket number}} 由 {{ownerName}} 负责' },
        expectedVersion: 0,
        note: 'shorter',
      },
    });
    assert.equal(saved.status, 200, JSON.stringify(saved.body));
    assert.equal(saved.body.version, 1);
    assert.equal(saved.body.source, 'database');
    assert.equal(render('zh-CN'), '【改】#7 由 王芳 负责');
    // Other locales keep their file, and an unknown locale falls back to English.
    assert.notEqual(render('en'), '【改】#7 由 王芳 负责');
    assert.equal(render('fr'), render('en'));
    const stale = await call(running.baseUrl, 'PUT', route, {
      token: admin.token,
      body: { parts: { text: '{{ticket number}}' }, expectedVersion: 0 },
    });
    assert.equal(stale.status, 409);
    const preview = await call(running.baseUrl, 'POST', `${route}/preview`, {
      token: supervisor,
      body: { parts: { text: '{{contactName}} {{ticket number}}' } },
    });
    assert.equal(preview.status, 200);
    assert.equal(preview.body.text, '张伟 #10234');
    const bad = await call(running.baseUrl, 'POST', `${route}/preview`, {
      token: supervisor,
      body: { parts: { text: '{{nope}}' } },
    });
    assert.equal(bad.body.problems[0].name, 'nope');

    const reverted = await call(running.baseUrl, 'DELETE', route, { token: admin.token });
    assert.equal(reverted.status, 200);
    assert.equal(reverted.body.source, 'file');
    assert.equal(render('zh-CN'), fileText);
    const history = await call(running.baseUrl, 'GET', `${route}/versions`, { token: supervisor });
    assert.deepEqual(
      history.body.items.map((v: { version: number; changedBy: string; parts: unknown }) => [
        v.version,
        v.changedBy,
        v.parts === null,
      ]),
      [
        [2, admin.agentId, true],
        [1, admin.agentId, false],
      ],
    );
  });
});
