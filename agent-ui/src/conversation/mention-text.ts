/**
 * The note box shows a picked mention as `@Name`; which agent it names lives beside the text (a list of
 * picked mentions), and the server's `@[Name](agentId)` tokens are written only when the note is sent or
 * the draft is stored. Pure functions, no React: the composer and the unit tests use them alike.
 *
 * A mention counts while its exact `@Name` is still in the text (not glued to a longer Latin name): an
 * agent who deletes part of it drops the mention, and the text is then sent as typed.
 */
import { MENTION_PATTERN, mentionToken } from '../../../server/modules/mentions/mention-tokens';

export interface PickedMention {
  id: string;
  name: string;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The name as the token will carry it (brackets and newlines dropped, as `mentionToken` does). */
export function mentionDisplayName(name: string): string {
  return name.replace(/[[\]\n]/g, '').slice(0, 80);
}

/**
 * Matches `@Name` standing alone: not the middle of an address (`a@Name`), not followed by more of a Latin
 * name. Chinese runs on without spaces (`请@李娜看一下`), so CJK letters around it are fine.
 */
function displayPattern(name: string): RegExp {
  return new RegExp(`(?<![A-Za-z0-9_.@])@${escapeRegExp(mentionDisplayName(name))}(?![A-Za-z0-9_])`, 'gu');
}

/** The picked mentions whose `@Name` is still whole in the text (one entry per agent). */
export function activeMentions(text: string, mentions: readonly PickedMention[]): PickedMention[] {
  const seen = new Set<string>();
  return mentions.filter((mention) => {
    if (seen.has(mention.id) || !displayPattern(mention.name).test(text)) return false;
    seen.add(mention.id);
    return true;
  });
}

/** Adds a picked mention (the same agent once). */
export function addMention(mentions: readonly PickedMention[], agent: PickedMention): PickedMention[] {
  const picked = { id: agent.id, name: mentionDisplayName(agent.name) };
  return [...mentions.filter((mention) => mention.id !== agent.id), picked];
}

/**
 * The text the server expects: every whole `@Name` of a picked mention becomes `@[Name](id)`. Longer
 * names go first, so `@Li Na` is not taken for a picked `@Li`.
 */
export function toServerText(text: string, mentions: readonly PickedMention[]): string {
  const byLength = [...activeMentions(text, mentions)].sort((a, b) => b.name.length - a.name.length);
  // One pass per mention over the parts not converted yet (a token's own "@Name" is never matched again).
  let parts: (string | { token: string })[] = [text];
  for (const mention of byLength) {
    const pattern = displayPattern(mention.name);
    parts = parts.flatMap((part) => {
      if (typeof part !== 'string') return [part];
      const out: (string | { token: string })[] = [];
      let last = 0;
      for (const match of part.matchAll(pattern)) {
        out.push(part.slice(last, match.index), { token: mentionToken(mention) });
        last = match.index + match[0].length;
      }
      out.push(part.slice(last));
      return out;
    });
  }
  return parts.map((part) => (typeof part === 'string' ? part : part.token)).join('');
}

/** The other way (a stored draft): tokens shown as `@Name`, their agents as picked mentions. */
export function fromServerText(text: string): { text: string; mentions: PickedMention[] } {
  let mentions: PickedMention[] = [];
  const display = text.replace(MENTION_PATTERN, (_token, name: string, id: string) => {
    mentions = addMention(mentions, { id: id.toLowerCase(), name });
    return `@${name}`;
  });
  return { text: display, mentions };
}
