/**
 * Phrases of the reply window bar and the template picker (spread into messages.ts; `zh` is typed from
 * `en`, so a missing translation fails the build).
 */
export const replyWindowEn = {
  replyWindow: 'Reply window',
  replyWindowLeft: 'left to reply',
  replyWindowHumanAgent: 'Human-agent replies only (sent with the HUMAN_AGENT tag)',
  replyWindowRepliesLeft: 'replies left for the customer’s last message',
  replyWindowClosed: 'Reply window closed',
  replyWindowLocked: 'The composer is locked: this channel would not deliver a free-form reply now.',
  reasonTemplateRequired:
    'More than 24 hours since the customer’s last WhatsApp message: only an approved template can be sent.',
  reasonWindowClosed: 'The channel’s reply window has passed: wait for the customer to write again.',
  reasonNoCustomerMessage: 'The customer has not written on this channel yet; it only allows replies.',
  reasonReplyLimit: 'WeChat allows 5 messages per customer message: wait for the customer to write again.',
  noTemplates: 'This inbox has no approved templates configured.',
  template: 'Template',
  templateVariable: 'Value',
  templatePreview: 'Preview',
  sendTemplate: 'Send template',
} as const;

export const replyWindowZh: Record<keyof typeof replyWindowEn, string> = {
  replyWindow: '回复时限',
  replyWindowLeft: '内可回复',
  replyWindowHumanAgent: '仅限人工客服回复（附 HUMAN_AGENT 标签发送）',
  replyWindowRepliesLeft: '条回复可用于客户的最后一条消息',
  replyWindowClosed: '回复时限已过',
  replyWindowLocked: '输入框已锁定：此渠道现在不会投递自由格式的回复。',
  reasonTemplateRequired: '客户最后一条 WhatsApp 消息已超过 24 小时：只能发送已审核的模板消息。',
  reasonWindowClosed: '此渠道的回复时限已过：请等待客户再次发来消息。',
  reasonNoCustomerMessage: '客户尚未在此渠道发过消息；此渠道只允许回复。',
  reasonReplyLimit: '微信每条客户消息最多可回复 5 条：请等待客户再次发来消息。',
  noTemplates: '此收件箱没有配置已审核的模板。',
  template: '模板',
  templateVariable: '变量值',
  templatePreview: '预览',
  sendTemplate: '发送模板',
};
