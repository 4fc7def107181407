/**
 * `@` in an internal note suggests colleagues: typing filters by name; ↑/↓ choose, Enter or a click
 * inserts `@Name` (the composer keeps which agent it is and sends `@[Name](agentId)`, mention-text.ts; the
 * hub notifies that agent), Escape closes. The timeline shows the token as "@Name" (`MentionText`).
 */
import { Fragment } from 'react';
import { MENTION_PATTERN, mentionToken } from '../../../server/modules/mentions/mention-tokens';
import { useI18n } from '../i18n/i18n';
import type { AgentView } from '../lib/api-types';

export { mentionToken };

/** The `@name` being typed just before the caret (start index and text), or null. */
export function mentionQuery(text: string, caret: number): { start: number; query: string } | null {
  const match = /(^|\s)@([^\s@[\]()]{0,30})$/.exec(text.slice(0, caret));
  if (!match) return null;
  return { start: caret - match[2]!.length - 1, query: match[2]! };
}

/** Agents matching the typed name (active ones, not oneself), best first, at most 8. */
export function mentionCandidates(agents: AgentView[], query: string, selfId: string): AgentView[] {
  const q = query.toLowerCase();
  return agents
    .filter((a) => a.active !== false && a.id !== selfId && a.name.toLowerCase().includes(q))
    .sort((a, b) => Number(!a.name.toLowerCase().startsWith(q)) - Number(!b.name.toLowerCase().startsWith(q)))
    .slice(0, 8);
}

export function MentionPicker(props: {
  items: AgentView[];
  active: number;
  onPick: (agent: AgentView) => void;
}) {
  const i18n = useI18n();
  return (
    <ul className="canned" role="listbox" aria-label={i18n.t('mentionAgents')} data-testid="mention-picker">
      {props.items.map((agent, index) => (
        <li
          key={agent.id}
          role="option"
          aria-selected={index === props.active}
          className={index === props.active ? 'active' : ''}
          onMouseDown={(e) => {
            e.preventDefault();
            props.onPick(agent);
          }}
        >
          <strong>@{agent.name}</strong> <span className="muted">{i18n.role(agent.role ?? '')}</span>
        </li>
      ))}
    </ul>
  );
}

/** A note's text with mention tokens shown as "@Name" chips. */
export function MentionText(props: { text: string }) {
  const parts: (string | { name: string; id: string })[] = [];
  let last = 0;
  for (const match of props.text.matchAll(MENTION_PATTERN)) {
    parts.push(props.text.slice(last, match.index), { name: match[1]!, id: match[2]! });
    last = match.index + match[0].length;
  }
  parts.push(props.text.slice(last));
  return (
    <>
      {parts.map((part, index) =>
        typeof part === 'string' ? (
          <Fragment key={index}>{part}</Fragment>
        ) : (
          <span key={index} className="mention" data-agent-id={part.id}>
            @{part.name}
          </span>
        ),
      )}
    </>
  );
}
