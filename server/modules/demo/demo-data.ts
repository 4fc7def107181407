/**
 * The demo's people and stories (pure data). Chinese and English are both first-class: names, texts and
 * teams come in both. Times are minutes before the seed ran.
 */
import type { ChannelKind } from '../../../connectors/channel';

export const DEMO_PASSWORD = 'demo';

export const DEMO_TEAMS = [
  { key: 'service', name: '客服一组 Service A', skills: ['general', 'billing', 'zh-CN', 'en'] },
  { key: 'complaints', name: '投诉处理组 Complaints', skills: ['complaints', 'zh-CN', 'en'] },
] as const;
export type DemoTeamKey = (typeof DEMO_TEAMS)[number]['key'];

export const DEMO_AGENTS: {
  key: string;
  email: string;
  name: string;
  role: 'agent' | 'supervisor' | 'admin';
  teams: DemoTeamKey[];
  languages: string[];
  skills: string[];
}[] = [
  {
    key: 'admin',
    email: 'admin@demo.omnihub',
    name: 'Admin 管理员',
    role: 'admin',
    teams: [],
    languages: ['zh-CN', 'en'],
    skills: [],
  },
  {
    key: 'supervisor',
    email: 'supervisor@demo.omnihub',
    name: '王芳 Wang Fang',
    role: 'supervisor',
    teams: ['service', 'complaints'],
    languages: ['zh-CN', 'en'],
    skills: ['complaints'],
  },
  {
    key: 'agent1',
    email: 'agent1@demo.omnihub',
    name: '李娜 Li Na',
    role: 'agent',
    teams: ['service'],
    languages: ['zh-CN', 'en'],
    skills: ['general', 'billing'],
  },
  {
    key: 'agent2',
    email: 'agent2@demo.omnihub',
    name: 'John Smith',
    role: 'agent',
    teams: ['service'],
    languages: ['en'],
    skills: ['general'],
  },
  {
    key: 'agent3',
    email: 'agent3@demo.omnihub',
    name: '陈静 Chen Jing',
    role: 'agent',
    teams: ['complaints'],
    languages: ['zh-CN'],
    skills: ['complaints'],
  },
  {
    key: 'agent4',
    email: 'agent4@demo.omnihub',
    name: 'Maria Garcia',
    role: 'agent',
    teams: ['service', 'complaints'],
    languages: ['en', 'zh-CN'],
    skills: ['general', 'complaints'],
  },
];

export interface DemoMessage {
  channel: ChannelKind;
  kind?: 'message' | 'call' | 'voicemail';
  minutesAgo: number;
  text?: string;
  subject?: string;
  call?: { status: string; durationSec?: number; transcription?: string };
}

/** One customer story: who, what they wrote, and where the conversation stands now. */
export interface DemoStory {
  contact: { name: string; phone?: string; email?: string; handle?: string; tier?: 'A' | 'B' | 'C' | 'VIP' };
  messages: DemoMessage[];
  hints?: { category?: string; priority?: string };
  team?: DemoTeamKey;
  assignee?: string;
  /** Agent replies (delivered), after the customer's messages. */
  replies?: { agent: string; text: string; minutesAgo: number }[];
  note?: { agent: string; text: string };
  status: 'new' | 'open' | 'pending' | 'snoozed' | 'resolved' | 'closed';
  tags?: string[];
  csat?: number;
}

export const DEMO_STORIES: DemoStory[] = [
  {
    contact: { name: '张伟', phone: '+8613812345678' },
    messages: [
      { channel: 'sms', minutesAgo: 50, text: '你好，我的订单 #A12345 什么时候发货？' },
      {
        channel: 'whatsapp',
        minutesAgo: 20,
        text: '短信没人回，我在 WhatsApp 上再问一次：订单什么时候发货？',
      },
    ],
    hints: { category: 'inquiry' },
    team: 'service',
    status: 'new',
  },
  {
    contact: { name: 'Emily Chen', email: 'emily.chen@example.com', phone: '+8613900001234', tier: 'VIP' },
    messages: [
      {
        channel: 'email',
        minutesAgo: 300,
        subject: 'Refund for a damaged blender',
        text: 'Hello, the blender I received yesterday is cracked. I would like a refund or a replacement.',
      },
    ],
    hints: { category: 'complaint', priority: 'high' },
    team: 'complaints',
    assignee: 'agent3',
    replies: [
      {
        agent: 'agent3',
        minutesAgo: 240,
        text: 'Dear Emily, we are sorry about this. A replacement is on its way; please keep the damaged unit for pickup.',
      },
    ],
    note: { agent: 'agent3', text: 'VIP 客户，已安排顺丰上门取件。' },
    status: 'open',
    tags: ['refund', 'vip'],
  },
  {
    contact: { name: '王秀英', handle: 'demo-wx-wangxiuying' },
    messages: [{ channel: 'wechat', minutesAgo: 180, text: '你们的客服电话一直打不通！这样的服务太差了。' }],
    hints: { category: 'complaint', priority: 'urgent' },
    team: 'complaints',
    assignee: 'agent4',
    replies: [
      {
        agent: 'agent4',
        minutesAgo: 170,
        text: '王女士您好，非常抱歉给您带来不便。请问方便留下您的电话号码吗？我们马上回电。',
      },
    ],
    status: 'pending',
  },
  {
    contact: { name: 'David Miller', handle: '700001001' },
    messages: [{ channel: 'telegram', minutesAgo: 1440, text: 'Do you ship to Canada?' }],
    hints: { category: 'inquiry' },
    team: 'service',
    assignee: 'agent2',
    replies: [
      { agent: 'agent2', minutesAgo: 1430, text: 'Yes! Shipping to Canada takes 7–10 business days.' },
    ],
    status: 'resolved',
    csat: 5,
  },
  {
    contact: { name: '刘洋', handle: 'demo-web-liuyang' },
    messages: [{ channel: 'webchat', minutesAgo: 90, text: '想咨询一下会员积分的规则，积分可以抵现金吗？' }],
    hints: { category: 'inquiry' },
    team: 'service',
    assignee: 'agent1',
    replies: [
      {
        agent: 'agent1',
        minutesAgo: 85,
        text: '您好！100 积分可抵 1 元，我帮您查一下您账户的积分，请稍等。',
      },
    ],
    status: 'snoozed',
  },
  {
    contact: { name: '李静', phone: '+8613700005678' },
    messages: [
      {
        channel: 'voice',
        kind: 'call',
        minutesAgo: 60,
        call: {
          status: 'completed',
          durationSec: 184,
          transcription: '客户来电投诉快递员态度恶劣，要求处理。',
        },
      },
    ],
    hints: { category: 'complaint', priority: 'high' },
    team: 'complaints',
    assignee: 'agent3',
    status: 'open',
  },
  {
    contact: { name: 'Sarah Johnson', phone: '+8613600007890', email: 'sarah.j@example.com' },
    messages: [
      {
        channel: 'whatsapp',
        minutesAgo: 4320,
        text: 'Great service, the technician was on time and very friendly. Thank you!',
      },
    ],
    hints: { category: 'praise', priority: 'low' },
    team: 'service',
    assignee: 'agent2',
    replies: [
      { agent: 'agent2', minutesAgo: 4300, text: 'Thank you Sarah, we will pass it on to the team!' },
    ],
    status: 'closed',
    csat: 5,
  },
  {
    contact: { name: '赵敏', phone: '+8613500002468' },
    messages: [
      {
        channel: 'voice',
        kind: 'voicemail',
        minutesAgo: 30,
        text: '你好，我是赵敏，空调安装预约想改到周六，请回电。',
        call: { status: 'completed', durationSec: 21 },
      },
    ],
    hints: { category: 'inquiry' },
    team: 'service',
    status: 'new',
    tags: ['callback'],
  },
  {
    contact: { name: 'Michael Brown', email: 'michael.brown@example.com' },
    messages: [
      {
        channel: 'email',
        minutesAgo: 600,
        subject: 'Suggestion: order tracking in the app',
        text: 'It would be great to see live order tracking in your mobile app.',
      },
    ],
    hints: { category: 'suggestion', priority: 'low' },
    team: 'service',
    status: 'new',
  },
  {
    contact: { name: '周杰', phone: '+8613400001357', tier: 'A' },
    messages: [{ channel: 'sms', minutesAgo: 120, text: '收到的商品有破损，要求退货退款！' }],
    hints: { category: 'complaint', priority: 'high' },
    team: 'complaints',
    assignee: 'agent3',
    replies: [{ agent: 'agent3', minutesAgo: 110, text: '周先生您好，已为您登记退货，快递员明天上门取件。' }],
    status: 'open',
    tags: ['refund'],
  },
  {
    // A resolved complaint: the care module's 回访 follow-up task for its owner shows in the Tasks screen.
    contact: { name: '陈磊', phone: '+8613300002468', tier: 'A' },
    messages: [{ channel: 'sms', minutesAgo: 2880, text: '空调安装师傅迟到了三个小时，太不专业了！' }],
    hints: { category: 'complaint', priority: 'high' },
    team: 'complaints',
    assignee: 'agent3',
    replies: [
      {
        agent: 'agent3',
        minutesAgo: 2860,
        text: '陈先生，非常抱歉。已补偿您 100 元优惠券，并对师傅做了处理。',
      },
    ],
    status: 'resolved',
  },
];
