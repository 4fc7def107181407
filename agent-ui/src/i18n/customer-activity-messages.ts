/**
 * Phrases of the customer activity line in the conversation view (spread into messages.ts; `zh` is typed
 * from `en`, so a missing translation fails the build).
 */
export const customerActivityEn = {
  customerTyping: 'The customer is typing…',
  customerSawLatest: 'Seen by the customer',
  customerSawEarlier: 'The customer has not seen the latest reply yet',
} as const;

export const customerActivityZh: Record<keyof typeof customerActivityEn, string> = {
  customerTyping: '客户正在输入…',
  customerSawLatest: '客户已读',
  customerSawEarlier: '客户尚未阅读最新回复',
};
