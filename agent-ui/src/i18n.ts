/** The app's two first-class languages. Keys are English phrases' ids; missing keys fall back to English. */
const en = {
  signIn: 'Sign in',
  email: 'Email',
  password: 'Password',
  signOut: 'Sign out',
  inbox: 'Inbox',
  supervisor: 'Supervisor',
  search: 'Search name, phone, email, #number, text…',
  allStatuses: 'All statuses',
  noConversations: 'No conversations',
  loadMore: 'Load more',
  selectConversation: 'Select a conversation',
  reply: 'Reply',
  note: 'Internal note',
  send: 'Send',
  addNote: 'Add note',
  segments: 'segments',
  status: 'Status',
  priority: 'Priority',
  category: 'Category',
  offer: 'New conversation offered',
  accept: 'Accept',
  decline: 'Decline',
  expiresIn: 'expires in',
  online: 'Online',
  away: 'Away',
  offline: 'Offline',
  queues: 'Queues',
  agents: 'Agents',
  atRisk: 'At risk',
  slaReport: 'SLA report',
  depth: 'waiting',
  longestWait: 'longest wait',
  due: 'due',
  failed: 'failed',
  retry: 'Retry',
  customer: 'Customer',
  connected: 'Live',
  reconnecting: 'Reconnecting…',
} as const;

type Key = keyof typeof en;

const zh: Partial<Record<Key, string>> = {
  signIn: '登录',
  email: '邮箱',
  password: '密码',
  signOut: '退出',
  inbox: '收件箱',
  supervisor: '主管视图',
  search: '搜索姓名、电话、邮箱、工单号、内容…',
  allStatuses: '全部状态',
  noConversations: '暂无会话',
  loadMore: '加载更多',
  selectConversation: '请选择一个会话',
  reply: '回复',
  note: '内部备注',
  send: '发送',
  addNote: '添加备注',
  segments: '条短信',
  status: '状态',
  priority: '优先级',
  category: '类别',
  offer: '新会话分配',
  accept: '接受',
  decline: '拒绝',
  expiresIn: '剩余',
  online: '在线',
  away: '离开',
  offline: '离线',
  queues: '队列',
  agents: '坐席',
  atRisk: '即将超时',
  slaReport: 'SLA 报表',
  depth: '排队',
  longestWait: '最长等待',
  due: '截止',
  failed: '发送失败',
  retry: '重试',
  customer: '客户',
  connected: '实时',
  reconnecting: '重新连接中…',
};

export type Lang = 'en' | 'zh-CN';

export function detectLang(): Lang {
  const stored = localStorage.getItem('omnihub.lang');
  if (stored === 'en' || stored === 'zh-CN') return stored;
  return navigator.language.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

export function translator(lang: Lang): (key: Key) => string {
  return (key) => (lang === 'zh-CN' ? (zh[key] ?? en[key]) : en[key]);
}

export type T = ReturnType<typeof translator>;
