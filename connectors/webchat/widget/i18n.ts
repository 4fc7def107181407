/** The widget's strings, zh-CN and en (picked by the `data-lang` attribute or the browser's language). */
export type WidgetLang = 'zh-CN' | 'en';

export function pickLang(attribute: string | undefined, browser: string): WidgetLang {
  if (attribute === 'zh-CN' || attribute === 'en') return attribute;
  return browser.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

const en = {
  launcher: 'Chat with us',
  title: 'Chat with us',
  close: 'Close chat',
  connecting: 'Connecting…',
  online: 'We usually reply in a few minutes.',
  reconnecting: 'Connection lost, reconnecting…',
  placeholder: 'Type a message…',
  send: 'Send',
  attach: 'Attach a file',
  you: 'You',
  agent: 'Support',
  typing: 'Support is typing…',
  pending: 'Sending…',
  failed: 'Not sent',
  read: 'Read',
  prechatIntro: 'Tell us a little about you before we start.',
  name: 'Name',
  email: 'Email',
  phone: 'Phone',
  required: '(required)',
  start: 'Start chat',
  away: (when: string | null) =>
    when
      ? `We're away right now and back ${when}. Leave a message and we'll answer, by email if you have gone.`
      : "We're away right now. Leave a message and we'll answer, by email if you have gone.",
  emailForOffline: 'Leave your email so we can answer if you have gone.',
  rateLimited: (seconds: number) => `You're sending messages too fast. Please wait ${seconds} s.`,
  tooLong: (max: number) => `Messages are limited to ${max} characters.`,
  identityRequired: 'Please sign in on this site to chat with us.',
  identityInvalid: 'We could not verify your sign-in. Reload the page and try again.',
  refused: 'The chat is not available on this page.',
  csatQuestion: 'How did we do?',
  csatComment: 'Anything to add? (optional)',
  csatSubmit: 'Send rating',
  csatThanks: 'Thank you for your feedback!',
  star: (n: number) => `${n} of 5`,
  resolved: 'This conversation was resolved. Write again any time.',
  queued: (position: number) =>
    position <= 1 ? 'You are next in line for an agent.' : `You are number ${position} in line for an agent.`,
  expectedWait: (seconds: number) =>
    seconds < 60
      ? 'Expected wait: less than a minute.'
      : `Expected wait: about ${Math.ceil(seconds / 60)} min.`,
  noWaitEstimate: 'No wait estimate yet: too few recent chats to go by.',
  sessionExpired: 'Your previous chat session expired, so this is a new conversation.',
  sessionInvalid: 'Your previous chat could not be restored, so this is a new conversation.',
  download: (name: string) => `Download ${name}`,
  fileTooLarge: 'That file is too large.',
  fileRefused: 'That kind of file cannot be sent.',
  error: 'Something went wrong; try again.',
};
export type WidgetStrings = typeof en;

const zh: WidgetStrings = {
  launcher: '在线客服',
  title: '在线客服',
  close: '关闭对话',
  connecting: '正在连接…',
  online: '我们通常几分钟内回复。',
  reconnecting: '连接已断开，正在重新连接…',
  placeholder: '请输入消息…',
  send: '发送',
  attach: '添加附件',
  you: '我',
  agent: '客服',
  typing: '客服正在输入…',
  pending: '发送中…',
  failed: '未发送',
  read: '已读',
  prechatIntro: '开始对话前，请留下您的信息。',
  name: '姓名',
  email: '邮箱',
  phone: '电话',
  required: '（必填）',
  start: '开始对话',
  away: (when) =>
    when
      ? `我们现在不在线，将于 ${when} 回来。请留言，如您已离开，我们会通过邮件回复。`
      : '我们现在不在线。请留言，如您已离开，我们会通过邮件回复。',
  emailForOffline: '请留下邮箱，以便您离开后我们回复。',
  rateLimited: (seconds) => `您发送得太快了，请等待 ${seconds} 秒。`,
  tooLong: (max) => `每条消息最多 ${max} 个字符。`,
  identityRequired: '请先在本网站登录后再咨询。',
  identityInvalid: '无法验证您的登录信息，请刷新页面后重试。',
  refused: '本页面暂不提供在线客服。',
  csatQuestion: '您对本次服务满意吗？',
  csatComment: '还有什么想说的？（选填）',
  csatSubmit: '提交评价',
  csatThanks: '感谢您的评价！',
  star: (n) => `${n} 分（满分 5 分）`,
  resolved: '本次对话已解决，欢迎随时再来咨询。',
  queued: (position) =>
    position <= 1 ? '下一位就是您，客服马上接入。' : `您前面还有 ${position - 1} 位客户在排队。`,
  expectedWait: (seconds) =>
    seconds < 60 ? '预计等待不到 1 分钟。' : `预计等待约 ${Math.ceil(seconds / 60)} 分钟。`,
  noWaitEstimate: '暂无等待时间估计：近期接入的对话太少。',
  sessionExpired: '您之前的对话已过期，这是一个新的对话。',
  sessionInvalid: '无法恢复您之前的对话，这是一个新的对话。',
  download: (name) => `下载 ${name}`,
  fileTooLarge: '文件太大。',
  fileRefused: '不支持发送此类文件。',
  error: '出错了，请重试。',
};

export const STRINGS: Record<WidgetLang, WidgetStrings> = { en, 'zh-CN': zh };
