/**
 * Reply windows (pure): when a business may still message a customer on a channel, keyed on the
 * customer's last inbound message, and how. One engine for every channel:
 *
 * - WhatsApp (Cloud API or Twilio): 24 h of free-form replies; outside them only approved templates.
 * - Messenger and Instagram: 24 h of standard replies; then, up to 7 days, only a human agent's reply,
 *   sent with the `HUMAN_AGENT` tag; after that nothing.
 * - WeChat Official Account (客服消息): 48 h, and at most 5 messages per customer message.
 * - Other channels (SMS, email, voice, web chat, Telegram): always open.
 *
 * `evaluateReplyWindow` says what the state is (for the agent app: time left, closed, allowed templates);
 * `decideReply` says whether one reply may go and with which send hint, or why not.
 */
import type { ChannelKind, ReplyTemplate } from './channel';

export type ReplyWindowMode = 'always' | 'standard' | 'human-agent' | 'template-only' | 'closed';

export interface ReplyWindowState {
  channel: ChannelKind;
  /** True when a free-form reply can be sent now (with the tag, for human agents past 24 h). */
  open: boolean;
  mode: ReplyWindowMode;
  /** When the current mode ends (null: never, or already closed). */
  closesAt: string | null;
  /** Milliseconds left in the current mode (null: unlimited or closed). */
  msLeft: number | null;
  /** WeChat: replies left for the customer's last message (null: no count limit). */
  repliesLeft: number | null;
  /** Templates that can still be sent (WhatsApp outside the window). */
  allowedTemplates: ApprovedTemplate[];
  /** Why replies are refused, when they are. */
  reason: ReplyRefusalReason | null;
}

export type ReplyRefusalReason =
  | 'NO_CUSTOMER_MESSAGE'
  | 'WINDOW_CLOSED'
  | 'TEMPLATE_REQUIRED'
  | 'REPLY_LIMIT_REACHED'
  | 'UNKNOWN_TEMPLATE'
  | 'TEMPLATE_VARIABLES';

/** An approved WhatsApp message template: its body with {{1}}…{{n}} placeholders. */
export type ApprovedTemplate = ReplyTemplate;

/**
 * The demo's approved WhatsApp Cloud templates (the built-in Graph stub accepts them). Each inbox's channel
 * says which templates it may send (`Channel.replyTemplates`); the engine offers only those.
 */
export const WHATSAPP_TEMPLATES: readonly ApprovedTemplate[] = [
  {
    name: 'follow_up',
    language: 'zh_CN',
    body: '您好 {{1}}，关于您的问题我们有新的进展，请回复此消息继续沟通。',
    variables: 1,
  },
  {
    name: 'order_update',
    language: 'zh_CN',
    body: '您好，您的订单 {{1}} 状态已更新为：{{2}}。',
    variables: 2,
  },
  {
    name: 'follow_up_en',
    language: 'en',
    body: 'Hello {{1}}, we have an update on your request. Reply to continue.',
    variables: 1,
  },
];

const HOUR = 3_600_000;
export const WINDOW_RULES = {
  whatsapp: { standardMs: 24 * HOUR },
  messenger: { standardMs: 24 * HOUR, humanAgentMs: 7 * 24 * HOUR },
  instagram: { standardMs: 24 * HOUR, humanAgentMs: 7 * 24 * HOUR },
  wechat: { standardMs: 48 * HOUR, maxReplies: 5 },
} as const;

export function evaluateReplyWindow(input: {
  channel: ChannelKind;
  /** The customer's last inbound message on this channel (null: they never wrote on it). */
  lastInboundAt: Date | null;
  /** Our messages sent on this channel since that message (WeChat's count limit). */
  repliesSinceInbound: number;
  now: Date;
  /** The inbox's approved templates (WhatsApp); outside the window only these can be sent. */
  templates?: readonly ApprovedTemplate[];
}): ReplyWindowState {
  const { channel, lastInboundAt, now } = input;
  const base = { channel, repliesLeft: null, allowedTemplates: [] as ApprovedTemplate[] };
  if (channel !== 'whatsapp' && channel !== 'messenger' && channel !== 'instagram' && channel !== 'wechat')
    return { ...base, open: true, mode: 'always', closesAt: null, msLeft: null, reason: null };
  const templates = channel === 'whatsapp' ? [...(input.templates ?? [])] : [];
  if (!lastInboundAt)
    return {
      ...base,
      open: false,
      mode: templates.length ? 'template-only' : 'closed',
      closesAt: null,
      msLeft: null,
      allowedTemplates: templates,
      reason: templates.length ? 'TEMPLATE_REQUIRED' : 'NO_CUSTOMER_MESSAGE',
    };
  const elapsed = now.getTime() - lastInboundAt.getTime();
  const until = (ms: number) => ({
    closesAt: new Date(lastInboundAt.getTime() + ms).toISOString(),
    msLeft: Math.max(0, ms - elapsed),
  });
  const rules = WINDOW_RULES[channel];
  if (channel === 'wechat') {
    const repliesLeft = Math.max(0, WINDOW_RULES.wechat.maxReplies - input.repliesSinceInbound);
    if (elapsed >= rules.standardMs)
      return {
        ...base,
        open: false,
        mode: 'closed',
        closesAt: null,
        msLeft: null,
        repliesLeft: 0,
        reason: 'WINDOW_CLOSED',
      };
    return {
      ...base,
      ...until(rules.standardMs),
      open: repliesLeft > 0,
      mode: repliesLeft > 0 ? 'standard' : 'closed',
      repliesLeft,
      reason: repliesLeft > 0 ? null : 'REPLY_LIMIT_REACHED',
    };
  }
  if (elapsed < rules.standardMs)
    return { ...base, ...until(rules.standardMs), open: true, mode: 'standard', reason: null };
  if ('humanAgentMs' in rules && elapsed < rules.humanAgentMs)
    return { ...base, ...until(rules.humanAgentMs), open: true, mode: 'human-agent', reason: null };
  if (templates.length)
    return {
      ...base,
      open: false,
      mode: 'template-only',
      closesAt: null,
      msLeft: null,
      allowedTemplates: templates,
      reason: 'TEMPLATE_REQUIRED',
    };
  return { ...base, open: false, mode: 'closed', closesAt: null, msLeft: null, reason: 'WINDOW_CLOSED' };
}

/** How many variables a template body takes: its highest `{{n}}`. */
export function countTemplateVariables(body: string): number {
  let highest = 0;
  for (const match of body.matchAll(/\{\{(\d+)\}\}/g)) highest = Math.max(highest, Number(match[1]));
  return highest;
}

/** Renders a template body with its variables ({{1}} → variables[0]). */
export function renderTemplate(template: ApprovedTemplate, variables: readonly string[]): string {
  return template.body.replace(/\{\{(\d+)\}\}/g, (_, index: string) => variables[Number(index) - 1] ?? '');
}

export type ReplyDecision =
  | {
      allowed: true;
      text: string;
      hint: {
        tag?: 'HUMAN_AGENT';
        template?: { name: string; language: string; variables: string[]; providerId?: string };
      } | null;
    }
  | { allowed: false; reason: ReplyRefusalReason; message: string };

const MESSAGES: Record<ReplyRefusalReason, string> = {
  NO_CUSTOMER_MESSAGE: 'The customer has not written on this channel yet; the channel only allows replies.',
  WINDOW_CLOSED: 'The reply window of this channel has closed; wait for the customer to write again.',
  TEMPLATE_REQUIRED:
    'More than 24 hours since the customer’s last WhatsApp message: only an approved template can be sent.',
  REPLY_LIMIT_REACHED: 'WeChat allows 5 messages per customer message; wait for the customer to write again.',
  UNKNOWN_TEMPLATE: 'That template is not approved for this channel.',
  TEMPLATE_VARIABLES: 'The template needs a value for each of its variables.',
};

/** Whether one reply (free text, or one of the inbox's `templates`) may be sent now, and how. */
export function decideReply(
  state: ReplyWindowState,
  reply: { text?: string; template?: { name: string; language?: string; variables: string[] } },
  templates: readonly ApprovedTemplate[] = [],
): ReplyDecision {
  const refuse = (reason: ReplyRefusalReason): ReplyDecision => ({
    allowed: false,
    reason,
    message: MESSAGES[reason],
  });
  if (reply.template) {
    if (state.channel !== 'whatsapp') return refuse('UNKNOWN_TEMPLATE');
    const template = templates.find(
      (candidate) =>
        candidate.name === reply.template!.name &&
        (!reply.template!.language || candidate.language === reply.template!.language),
    );
    if (!template) return refuse('UNKNOWN_TEMPLATE');
    const variables = reply.template.variables.map((value) => value.trim());
    if (variables.length !== template.variables || variables.some((value) => !value))
      return refuse('TEMPLATE_VARIABLES');
    return {
      allowed: true,
      text: renderTemplate(template, variables),
      hint: {
        template: {
          name: template.name,
          language: template.language,
          variables,
          ...(template.providerId ? { providerId: template.providerId } : {}),
        },
      },
    };
  }
  if (!state.open) return refuse(state.reason ?? 'WINDOW_CLOSED');
  return {
    allowed: true,
    text: reply.text ?? '',
    hint: state.mode === 'human-agent' ? { tag: 'HUMAN_AGENT' } : null,
  };
}
