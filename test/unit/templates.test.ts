import assert from 'node:assert/strict';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTemplates, normalizeLocale } from '../../server/modules/templates';

const templatesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../templates');
const dueAt = new Date('2026-03-02T06:30:00Z');

describe('templates', () => {
  it('renders an SMS acknowledgement in Chinese with the ticket number and the due time in the zone', async () => {
    const templates = await loadTemplates({ dir: templatesDir });
    const out = templates.render({
      key: 'conversation-ack',
      channel: 'sms',
      locale: 'zh_CN',
      data: { companyName: '示例公司', number: 10234, dueAt, timezone: 'Asia/Shanghai' },
    });
    assert.equal(out.locale, 'zh-CN');
    assert.match(out.text, /#10234/);
    assert.match(out.text, /示例公司/);
    assert.match(out.text, /14:30/); // 06:30 UTC is 14:30 in Shanghai
  });

  it('renders email subject, text and html parts, escaping only the html', async () => {
    const templates = await loadTemplates({ dir: templatesDir });
    const out = templates.render({
      key: 'conversation-ack',
      channel: 'email',
      locale: 'en',
      data: {
        companyName: 'ACME',
        contactName: 'Tom <b>',
        subject: 'Refund & return',
        number: 10001,
        dueAt,
        timezone: 'UTC',
      },
    });
    assert.equal(out.subject, '[#10001] We received your message: Refund & return');
    assert.match(out.text, /Hello Tom <b>,/);
    assert.ok(out.html?.includes('Hello Tom &lt;b&gt;,'));
    assert.ok(out.html?.includes('<!doctype html>'));
  });

  it('falls back to the fallback locale for an unsupported one', async () => {
    const templates = await loadTemplates({ dir: templatesDir });
    const out = templates.render({ key: 'goodbye', channel: 'voice', locale: 'fr-FR', data: {} });
    assert.equal(out.locale, 'en');
    assert.equal(out.text, 'Thank you for calling. Goodbye.');
  });

  it('refuses to render with a missing variable instead of printing an empty string', async () => {
    const templates = await loadTemplates({ dir: templatesDir });
    assert.throws(
      () => templates.render({ key: 'greeting', channel: 'voice', locale: 'en', data: {} }),
      /companyName/,
    );
  });

  it('uses the fallback locale when a template exists only there', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'omnihub-tpl-'));
    await mkdir(path.join(dir, 'en', 'chat'), { recursive: true });
    await writeFile(path.join(dir, 'en', 'chat', 'only-en.text.hbs'), 'Hi {{name}}');
    const templates = await loadTemplates({ dir });
    assert.equal(
      templates.render({ key: 'only-en', channel: 'chat', locale: 'zh-CN', data: { name: 'Li' } }).text,
      'Hi Li',
    );
    assert.equal(templates.has('only-en', 'chat', 'zh-CN'), true);
    assert.equal(templates.has('missing', 'chat'), false);
    assert.throws(
      () => templates.render({ key: 'missing', channel: 'chat', data: {} }),
      /no template chat\/missing/,
    );
  });

  it('normalizes locale tags', () => {
    assert.equal(normalizeLocale('zh-Hans-CN'), 'zh-CN');
    assert.equal(normalizeLocale('en_US'), 'en');
    assert.equal(normalizeLocale('de'), null);
    assert.equal(normalizeLocale(undefined), null);
  });
});
