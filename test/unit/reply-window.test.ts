import assert from 'node:assert/strict';
import {
  countTemplateVariables,
  decideReply,
  evaluateReplyWindow,
  renderTemplate,
  WHATSAPP_TEMPLATES,
} from '../../connectors/reply-window';

const now = new Date('2026-12-03T10:00:00Z');
const ago = (hours: number) => new Date(now.getTime() - hours * 3_600_000);
const state = (
  channel: Parameters<typeof evaluateReplyWindow>[0]['channel'],
  hours: number | null,
  replies = 0,
) =>
  evaluateReplyWindow({
    channel,
    lastInboundAt: hours === null ? null : ago(hours),
    repliesSinceInbound: replies,
    now,
    templates: WHATSAPP_TEMPLATES,
  });

describe('reply windows', () => {
  it('WhatsApp: free text within 24 h, only approved templates after, with their variables', () => {
    const open = state('whatsapp', 23);
    assert.equal(open.mode, 'standard');
    assert.equal(open.msLeft, 3_600_000);
    assert.equal(open.closesAt, '2026-12-03T11:00:00.000Z');
    const closed = state('whatsapp', 25);
    assert.deepEqual(
      [closed.open, closed.mode, closed.reason],
      [false, 'template-only', 'TEMPLATE_REQUIRED'],
    );
    assert.ok(closed.allowedTemplates.length > 0);
    assert.deepEqual(decideReply(closed, { text: 'hi' }), {
      allowed: false,
      reason: 'TEMPLATE_REQUIRED',
      message:
        'More than 24 hours since the customer’s last WhatsApp message: only an approved template can be sent.',
    });
    const template = decideReply(
      closed,
      { template: { name: 'order_update', variables: ['A123', '已发货'] } },
      WHATSAPP_TEMPLATES,
    );
    assert.deepEqual(template, {
      allowed: true,
      text: '您好，您的订单 A123 状态已更新为：已发货。',
      hint: { template: { name: 'order_update', language: 'zh_CN', variables: ['A123', '已发货'] } },
    });
    assert.equal(
      decideReply(closed, { template: { name: 'order_update', variables: ['A123'] } }, WHATSAPP_TEMPLATES)
        .allowed,
      false,
    );
    assert.equal(
      decideReply(closed, { template: { name: 'nope', variables: [] } }, WHATSAPP_TEMPLATES).allowed,
      false,
    );
  });

  it('Messenger and Instagram: 24 h standard, then HUMAN_AGENT up to 7 days, then closed', () => {
    for (const channel of ['messenger', 'instagram'] as const) {
      assert.deepEqual(decideReply(state(channel, 1), { text: 'x' }), {
        allowed: true,
        text: 'x',
        hint: null,
      });
      const tagged = state(channel, 30);
      assert.equal(tagged.mode, 'human-agent');
      assert.deepEqual(decideReply(tagged, { text: 'x' }), {
        allowed: true,
        text: 'x',
        hint: { tag: 'HUMAN_AGENT' },
      });
      const closed = state(channel, 7 * 24 + 1);
      assert.deepEqual([closed.open, closed.reason], [false, 'WINDOW_CLOSED']);
      assert.equal(
        decideReply(closed, { template: { name: 'follow_up', variables: ['x'] } }, WHATSAPP_TEMPLATES)
          .allowed,
        false,
      );
    }
  });

  it('WeChat: 48 h and at most 5 replies per customer message', () => {
    assert.equal(state('wechat', 47, 4).repliesLeft, 1);
    assert.equal(state('wechat', 47, 4).open, true);
    const limit = state('wechat', 1, 5);
    assert.deepEqual([limit.open, limit.reason], [false, 'REPLY_LIMIT_REACHED']);
    assert.deepEqual([state('wechat', 49).open, state('wechat', 49).reason], [false, 'WINDOW_CLOSED']);
  });

  it('other channels are always open; a channel the customer never used is closed', () => {
    for (const channel of ['sms', 'email', 'telegram', 'webchat'] as const)
      assert.equal(state(channel, 1000).mode, 'always');
    assert.equal(state('messenger', null).reason, 'NO_CUSTOMER_MESSAGE');
    assert.equal(state('whatsapp', null).mode, 'template-only');
  });

  it('offers only the inbox’s templates: none configured means closed outside the window', () => {
    const bare = evaluateReplyWindow({
      channel: 'whatsapp',
      lastInboundAt: ago(25),
      repliesSinceInbound: 0,
      now,
    });
    assert.deepEqual(
      [bare.open, bare.mode, bare.reason, bare.allowedTemplates],
      [false, 'closed', 'WINDOW_CLOSED', []],
    );
    const twilio = [
      {
        name: 'follow_up',
        language: 'zh_CN',
        body: 'Hi {{1}}',
        variables: 1,
        providerId: `HX${'a'.repeat(32)}`,
      },
    ];
    assert.deepEqual(decideReply(bare, { template: { name: 'follow_up', variables: ['Ann'] } }, twilio), {
      allowed: true,
      text: 'Hi Ann',
      hint: {
        template: {
          name: 'follow_up',
          language: 'zh_CN',
          variables: ['Ann'],
          providerId: `HX${'a'.repeat(32)}`,
        },
      },
    });
    assert.equal(countTemplateVariables('{{2}} and {{1}}, {{2}}'), 2);
  });

  it('renders every approved template with exactly its variables', () => {
    for (const template of WHATSAPP_TEMPLATES) {
      const text = renderTemplate(
        template,
        Array.from({ length: template.variables }, (_, i) => `v${i + 1}`),
      );
      assert.doesNotMatch(text, /\{\{\d+\}\}/);
    }
  });
});
