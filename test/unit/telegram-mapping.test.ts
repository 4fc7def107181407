import assert from 'node:assert/strict';
import { mapTelegramUpdate, splitText, TelegramUpdateSchema } from '../../connectors/telegram';
import { fixture } from '../support/social-support';

const map = (name: string) =>
  mapTelegramUpdate(TelegramUpdateSchema.parse(JSON.parse(fixture(`telegram/${name}`))), {
    inboxId: 'telegram',
    mediaUrl: (fileId) => `https://hub.test/media-proxy/telegram/telegram/${fileId}`,
  });

describe('Telegram update mapping', () => {
  it('maps a private text to a message keyed by chat and message id, from the Telegram user id', () => {
    const event = map('update_private_text.json');
    assert.ok(event);
    assert.equal(event.channel, 'telegram');
    assert.equal(event.externalId, '111111:5');
    assert.equal(event.text, 'Hello, I need your Help');
    assert.deepEqual(event.from, {
      externalId: '111111',
      handle: '@Testusername',
      name: 'Test Firstname Test Lastname',
    });
    // date in seconds, update_id mod 1000 as the tie-breaking milliseconds.
    assert.equal(event.occurredAt.getTime(), 1441645532 * 1000 + 5);
  });

  it('maps /start as text and a photo to its largest size through the media proxy, caption as text', () => {
    assert.equal(map('update_private_start_command.json')?.text, '/start');
    const photo = map('update_private_photo.json');
    assert.ok(photo);
    assert.equal(photo.text, 'caption 123<b>abc</b>');
    assert.equal(photo.html, undefined, 'a caption is plain text, never HTML');
    assert.deepEqual(photo.attachments, [
      {
        contentType: 'image/jpeg',
        url: 'https://hub.test/media-proxy/telegram/telegram/photofileid3',
        size: 123456,
      },
    ]);
  });

  it('ignores channel posts (not a customer conversation)', () => {
    assert.equal(map('update_channel_post_text.json'), null);
  });

  it('maps documents and voice notes with their types and a readable placeholder for voice', () => {
    const base = { date: 1700000000, chat: { id: 42, type: 'private' }, from: { id: 42, first_name: 'Li' } };
    const update = (message: Record<string, unknown>) =>
      mapTelegramUpdate(TelegramUpdateSchema.parse({ update_id: 1001, message: { ...base, ...message } }), {
        inboxId: 't',
        mediaUrl: (id) => `u:${id}`,
      });
    const doc = update({
      message_id: 1,
      document: { file_id: 'd1', file_name: 'invoice.pdf', mime_type: 'application/pdf', file_size: 10 },
    });
    assert.deepEqual(doc?.attachments, [
      { contentType: 'application/pdf', url: 'u:d1', filename: 'invoice.pdf', size: 10 },
    ]);
    const voice = update({ message_id: 2, voice: { file_id: 'v1', duration: 3 } });
    assert.equal(voice?.text, '[voice message · 语音消息]');
    assert.deepEqual(voice?.attachments, [{ contentType: 'audio/ogg', url: 'u:v1' }]);
    assert.equal(voice?.occurredAt.getTime(), 1700000000 * 1000 + 1);
  });

  it('ignores messages from bots and refuses malformed updates at validation', () => {
    const fromBot = TelegramUpdateSchema.parse({
      update_id: 9,
      message: {
        message_id: 1,
        date: 1,
        chat: { id: 5, type: 'private' },
        from: { id: 5, is_bot: true },
        text: 'x',
      },
    });
    assert.equal(mapTelegramUpdate(fromBot, { inboxId: 't', mediaUrl: String }), null);
    assert.equal(TelegramUpdateSchema.safeParse({ update_id: 'one' }).success, false);
    assert.equal(
      TelegramUpdateSchema.safeParse({ update_id: 1, message: { message_id: 1, date: 1, chat: { id: 1 } } })
        .success,
      false,
    );
  });

  it('splits texts past 4096 characters on word boundaries, losing nothing', () => {
    const text = Array.from({ length: 1500 }, (_, i) => `word${i}`).join(' ');
    const pieces = splitText(text);
    assert.ok(pieces.length >= 3);
    assert.ok(pieces.every((piece) => piece.length <= 4096));
    assert.equal(pieces.join(' '), text);
    assert.deepEqual(splitText('short'), ['short']);
  });
});
