/**
 * Every enum value the UI shows, in both languages. The tables are typed by the enums themselves
 * (`Record<Status, …>`), so adding a status, channel or target to the contract fails the build until it
 * is translated here: no English value can leak into the Chinese UI.
 */
import type {
  Category,
  ChannelKind,
  ConversationStatus,
  DeliveryStatus,
  MessageSummary,
  PresenceStatus,
  Priority,
  ReportGroup,
  Role,
  RoutingStrategy,
  SlaTarget,
  Weekday,
} from '../lib/api-types';

export type Lang = 'en' | 'zh-CN';
type Both<T extends string> = Record<Lang, Record<T, string>>;

export const STATUS_VALUES = [
  'new',
  'open',
  'pending',
  'snoozed',
  'resolved',
  'closed',
] as const satisfies readonly ConversationStatus[];
export const PRIORITY_VALUES = ['low', 'normal', 'high', 'urgent'] as const satisfies readonly Priority[];
export const CATEGORY_VALUES = [
  'complaint',
  'inquiry',
  'suggestion',
  'praise',
  'other',
] as const satisfies readonly Category[];
export const PRESENCE_VALUES = ['online', 'away', 'offline'] as const satisfies readonly PresenceStatus[];
export const WEEKDAY_VALUES = [
  'mon',
  'tue',
  'wed',
  'thu',
  'fri',
  'sat',
  'sun',
] as const satisfies readonly Weekday[];
export const SLA_TARGET_VALUES = [
  'firstResponse',
  'nextResponse',
  'resolution',
] as const satisfies readonly SlaTarget[];
export const REPORT_GROUP_VALUES = [
  'team',
  'agent',
  'channel',
  'category',
  'priority',
] as const satisfies readonly ReportGroup[];
export const ROUTING_STRATEGY_VALUES = [
  'longest-idle',
  'least-busy',
  'round-robin',
  'manual',
] as const satisfies readonly RoutingStrategy[];
export const ROLE_VALUES = ['agent', 'supervisor', 'admin'] as const satisfies readonly Role[];

export const statusNames: Both<ConversationStatus> = {
  en: {
    new: 'New',
    open: 'Open',
    pending: 'Pending',
    snoozed: 'Snoozed',
    resolved: 'Resolved',
    closed: 'Closed',
  },
  'zh-CN': {
    new: '新建',
    open: '处理中',
    pending: '待客户回复',
    snoozed: '已暂停',
    resolved: '已解决',
    closed: '已关闭',
  },
};

export const priorityNames: Both<Priority> = {
  en: { low: 'Low', normal: 'Normal', high: 'High', urgent: 'Urgent' },
  'zh-CN': { low: '低', normal: '普通', high: '高', urgent: '紧急' },
};

export const categoryNames: Both<Category> = {
  en: {
    complaint: 'Complaint',
    inquiry: 'Inquiry',
    suggestion: 'Suggestion',
    praise: 'Praise',
    other: 'Other',
  },
  'zh-CN': { complaint: '投诉', inquiry: '咨询', suggestion: '建议', praise: '表扬', other: '其他' },
};

export const channelNames: Both<ChannelKind> = {
  en: {
    sms: 'SMS',
    whatsapp: 'WhatsApp',
    voice: 'Phone',
    email: 'Email',
    webchat: 'Web chat',
    messenger: 'Messenger',
    instagram: 'Instagram',
    telegram: 'Telegram',
    wechat: 'WeChat',
  },
  'zh-CN': {
    sms: '短信',
    whatsapp: 'WhatsApp 消息',
    voice: '电话',
    email: '邮件',
    webchat: '网页聊天',
    messenger: 'Messenger 消息',
    instagram: 'Instagram 消息',
    telegram: 'Telegram 消息',
    wechat: '微信',
  },
};

/** A small glyph per channel for the timeline and rows (with the name as its accessible label). */
export const channelIcons: Record<ChannelKind, string> = {
  sms: '✉',
  whatsapp: '✆',
  voice: '☎',
  email: '@',
  webchat: '⌨',
  messenger: '✦',
  instagram: '◎',
  telegram: '✈',
  wechat: '◈',
};

export const deliveryNames: Both<DeliveryStatus> = {
  en: { queued: 'Queued', sent: 'Sent', delivered: 'Delivered', read: 'Read', failed: 'Failed' },
  'zh-CN': { queued: '排队中', sent: '已发送', delivered: '已送达', read: '已读', failed: '发送失败' },
};

export const presenceNames: Both<PresenceStatus> = {
  en: { online: 'Online', away: 'Away', offline: 'Offline' },
  'zh-CN': { online: '在线', away: '离开', offline: '离线' },
};

export const kindNames: Both<MessageSummary['kind']> = {
  en: { message: 'Message', note: 'Internal note', call: 'Call', voicemail: 'Voicemail', system: 'System' },
  'zh-CN': { message: '消息', note: '内部备注', call: '通话', voicemail: '语音留言', system: '系统' },
};

export const targetNames: Both<SlaTarget> = {
  en: { firstResponse: 'First response', nextResponse: 'Next response', resolution: 'Resolution' },
  'zh-CN': { firstResponse: '首次响应', nextResponse: '下次响应', resolution: '解决' },
};

export const groupNames: Both<ReportGroup> = {
  en: { team: 'Team', agent: 'Agent', channel: 'Channel', category: 'Category', priority: 'Priority' },
  'zh-CN': { team: '团队', agent: '坐席', channel: '渠道', category: '类别', priority: '优先级' },
};

export const strategyNames: Both<RoutingStrategy> = {
  en: {
    'longest-idle': 'Longest idle',
    'least-busy': 'Least busy',
    'round-robin': 'Round robin',
    manual: 'Manual pick',
  },
  'zh-CN': {
    'longest-idle': '空闲最久优先',
    'least-busy': '最空闲优先',
    'round-robin': '轮流分配',
    manual: '手动领取',
  },
};

export const roleNames: Both<Role> = {
  en: { agent: 'Agent', supervisor: 'Supervisor', admin: 'Administrator' },
  'zh-CN': { agent: '坐席', supervisor: '主管', admin: '管理员' },
};

export const weekdayNames: Both<Weekday> = {
  en: {
    mon: 'Monday',
    tue: 'Tuesday',
    wed: 'Wednesday',
    thu: 'Thursday',
    fri: 'Friday',
    sat: 'Saturday',
    sun: 'Sunday',
  },
  'zh-CN': { mon: '周一', tue: '周二', wed: '周三', thu: '周四', fri: '周五', sat: '周六', sun: '周日' },
};

export const tierNames: Both<'A' | 'B' | 'C' | 'VIP'> = {
  en: { A: 'Tier A', B: 'Tier B', C: 'Tier C', VIP: 'VIP' },
  'zh-CN': { A: 'A 类客户', B: 'B 类客户', C: 'C 类客户', VIP: 'VIP 客户' },
};

export const revokeNames: Both<'expired' | 'declined' | 'taken' | 'cancelled'> = {
  en: { expired: 'expired', declined: 'declined', taken: 'taken by someone else', cancelled: 'withdrawn' },
  'zh-CN': { expired: '已过期', declined: '已拒绝', taken: '已被他人接起', cancelled: '已撤回' },
};

/** Server error codes (server/lib/app-error.ts) → what the user reads. */
export const errorNames: Both<
  | 'NETWORK'
  | 'UNAUTHENTICATED'
  | 'INVALID_CREDENTIALS'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'INVALID_INPUT'
  | 'RATE_LIMITED'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'TIMEOUT'
  | 'OFFER_GONE'
  | 'INTERNAL'
  | 'ERROR'
> = {
  en: {
    NETWORK: 'The server cannot be reached. Check your connection; we will keep trying.',
    UNAUTHENTICATED: 'Your session has ended. Please sign in again.',
    INVALID_CREDENTIALS: 'Wrong email or password.',
    FORBIDDEN: 'You are not allowed to do this.',
    NOT_FOUND: 'Not found (it may have been moved or you cannot see it).',
    CONFLICT: 'Someone else changed this first. Reload and try again.',
    INVALID_INPUT: 'Some of the input is not valid.',
    RATE_LIMITED: 'Too many attempts. Wait a moment and try again.',
    PAYLOAD_TOO_LARGE: 'This is too large to send.',
    UNSUPPORTED_MEDIA_TYPE: 'This type of file is not accepted.',
    TIMEOUT: 'The server did not answer in time.',
    OFFER_GONE: 'This offer has expired or was taken.',
    INTERNAL: 'Something went wrong on the server. Try again.',
    ERROR: 'Something went wrong.',
  },
  'zh-CN': {
    NETWORK: '无法连接服务器，请检查网络，我们会自动重试。',
    UNAUTHENTICATED: '登录已过期，请重新登录。',
    INVALID_CREDENTIALS: '邮箱或密码错误。',
    FORBIDDEN: '您没有权限执行此操作。',
    NOT_FOUND: '未找到（可能已被转移，或您无权查看）。',
    CONFLICT: '他人已先行修改，请刷新后重试。',
    INVALID_INPUT: '输入内容有误。',
    RATE_LIMITED: '尝试次数过多，请稍后再试。',
    PAYLOAD_TOO_LARGE: '内容过大，无法发送。',
    UNSUPPORTED_MEDIA_TYPE: '不接受此类文件。',
    TIMEOUT: '服务器响应超时。',
    OFFER_GONE: '该分配已过期或已被他人接起。',
    INTERNAL: '服务器出错，请重试。',
    ERROR: '出错了。',
  },
};

/** Capacity classes of routing (an agent's load is counted per class). */
export const CAPACITY_VALUES = ['voice', 'chat', 'messaging', 'email'] as const;
export const capacityNames: Both<(typeof CAPACITY_VALUES)[number]> = {
  en: { voice: 'Voice', chat: 'Chat', messaging: 'Messaging', email: 'Email' },
  'zh-CN': { voice: '语音', chat: '在线聊天', messaging: '消息', email: '邮件' },
};
