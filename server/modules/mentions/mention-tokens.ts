/**
 * How a mention is written in a note (pure; shared with agent-ui): `@[Name](agentId)`. The name is only
 * what the author saw when picking; the 24-hex agent id is what counts. The composer inserts the token,
 * the timeline shows it as "@Name", and the hub notifies the agents the ids name.
 */

/** One mention token: `@[` name (no brackets) `](` 24-hex id `)`. */
export const MENTION_PATTERN = /@\[([^\]\n]{1,80})\]\(([0-9a-f]{24})\)/gi;

/** A mention token for an agent (brackets in the name would end it early: they are dropped). */
export function mentionToken(agent: { id: string; name: string }): string {
  return `@[${agent.name.replace(/[[\]\n]/g, '').slice(0, 80)}](${agent.id})`;
}

/** The distinct agent ids a note mentions, in order of first mention (lower-cased). */
export function mentionedAgentIds(text: string | null | undefined): string[] {
  if (!text) return [];
  const ids = new Set<string>();
  for (const match of text.matchAll(MENTION_PATTERN)) ids.add(match[2]!.toLowerCase());
  return [...ids];
}

/** The text with each token shown as `@Name` (previews, notifications). */
export function withMentionNames(text: string): string {
  return text.replace(MENTION_PATTERN, (_token, name: string) => `@${name}`);
}
