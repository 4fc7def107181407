/**
 * The note box's mention text (agent-ui/src/conversation/mention-text.ts): `@Name` while typing, the
 * server's `@[Name](id)` tokens only on send; a mention whose `@Name` was partly deleted is dropped.
 */
import assert from 'node:assert/strict';
import {
  activeMentions,
  addMention,
  fromServerText,
  toServerText,
} from '../../agent-ui/src/conversation/mention-text';
import { mentionedAgentIds } from '../../server/modules/mentions/mention-tokens';

const LI = { id: 'a1b2c3d4e5f60718293a4b5c', name: 'Li Na' };
const WANG = { id: '0123456789abcdef01234567', name: '王强' };
const LEE = { id: 'ffffffffffffffffffffffff', name: 'Li' };

describe('mention text in the note box', () => {
  it('turns a picked @Name into the token the server reads, and leaves the rest as typed', () => {
    const sent = toServerText('@Li Na please check the refund, thanks', [LI]);
    assert.equal(sent, '@[Li Na](a1b2c3d4e5f60718293a4b5c) please check the refund, thanks');
    assert.deepEqual(mentionedAgentIds(sent), [LI.id]);
  });

  it('converts every mention, Chinese names glued to Chinese text included', () => {
    const sent = toServerText('请@王强看一下，@Li Na 也看看。@王强', [LI, WANG]);
    assert.equal(
      sent,
      '请@[王强](0123456789abcdef01234567)看一下，@[Li Na](a1b2c3d4e5f60718293a4b5c) 也看看。' +
        '@[王强](0123456789abcdef01234567)',
    );
    assert.deepEqual(mentionedAgentIds(sent), [WANG.id, LI.id]);
  });

  it('drops a mention whose @Name was partly deleted (the text goes as typed)', () => {
    const edited = '@Li N please check';
    assert.deepEqual(activeMentions(edited, [LI]), []);
    assert.equal(toServerText(edited, [LI]), edited);
    assert.deepEqual(mentionedAgentIds(toServerText(edited, [LI])), []);
  });

  it('does not take a longer name, an address or unpicked text for a mention', () => {
    assert.equal(toServerText('@Li Nana is someone else', [LI]), '@Li Nana is someone else');
    assert.equal(toServerText('mail li@Li Na.example', [LI]), 'mail li@Li Na.example');
    assert.equal(toServerText('@Li Na and @王强', [LI]), '@[Li Na](a1b2c3d4e5f60718293a4b5c) and @王强');
  });

  it('prefers the longer of two picked names that start alike', () => {
    const sent = toServerText('@Li Na and @Li', [LEE, LI]);
    assert.equal(sent, '@[Li Na](a1b2c3d4e5f60718293a4b5c) and @[Li](ffffffffffffffffffffffff)');
  });

  it('keeps one entry per agent and round-trips a stored draft', () => {
    const picked = addMention(addMention([LI], WANG), LI);
    assert.deepEqual(
      picked.map((m) => m.id),
      [WANG.id, LI.id],
    );
    const stored = toServerText('@Li Na 和 @王强 请跟进', picked);
    const restored = fromServerText(stored);
    assert.equal(restored.text, '@Li Na 和 @王强 请跟进');
    assert.deepEqual(restored.mentions.map((m) => m.id).sort(), [LI.id, WANG.id].sort());
    assert.equal(toServerText(restored.text, restored.mentions), stored);
  });

  it('drops brackets from a name, as the token does', () => {
    const odd = { id: 'abcdefabcdefabcdefabcdef', name: 'Ann [Team A]' };
    const picked = addMention([], odd);
    assert.equal(picked[0]!.name, 'Ann Team A');
    assert.equal(toServerText('@Ann Team A hi', picked), '@[Ann Team A](abcdefabcdefabcdefabcdef) hi');
  });
});
