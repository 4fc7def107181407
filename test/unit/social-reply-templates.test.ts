import assert from 'node:assert/strict';
import { parseReplyTemplates } from '../../connectors/social/reply-templates';
import { contentVariables } from '../../connectors/twilio/twilio-whatsapp-templates';

const SID = `HX${'a'.repeat(32)}`;

describe('approved WhatsApp templates as configured per inbox', () => {
  it('reads name, language, body and the Content SID, counting the variables from the body', () => {
    const [template] = parseReplyTemplates(
      JSON.stringify([
        { name: 'order_update', language: 'zh_CN', body: '订单 {{1}}：{{2}}', contentSid: SID },
      ]),
      { source: 'TWILIO_WHATSAPP_TEMPLATES', requireContentSid: true },
    );
    assert.deepEqual(template, {
      name: 'order_update',
      language: 'zh_CN',
      body: '订单 {{1}}：{{2}}',
      variables: 2,
      providerId: SID,
    });
  });

  it('refuses bad lists with a message naming the source', () => {
    assert.throws(
      () => parseReplyTemplates('{', { source: 'WHATSAPP_TEMPLATES' }),
      /WHATSAPP_TEMPLATES: not valid JSON/,
    );
    assert.throws(
      () => parseReplyTemplates('[{"name":"Bad Name","language":"en","body":"x"}]', { source: 'X' }),
      /X: 0\.name/,
    );
    assert.throws(
      () =>
        parseReplyTemplates('[{"name":"a","language":"en","body":"x"}]', {
          source: 'TWILIO_WHATSAPP_TEMPLATES',
          requireContentSid: true,
        }),
      /contentSid is required/,
    );
    assert.throws(
      () =>
        parseReplyTemplates(`[{"name":"a","language":"en","body":"x","contentSid":"HX12"}]`, { source: 'X' }),
      /Content SID/,
    );
  });

  it('writes ContentVariables as Twilio takes them', () => {
    assert.equal(contentVariables(['A-1', '已发货']), '{"1":"A-1","2":"已发货"}');
  });
});
