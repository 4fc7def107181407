/**
 * What each template key offers (pure): the variables a template of that key may read and sample values
 * for previews. A key's variables are those its shipped files read, plus the common ones every
 * customer-facing message gets, plus what `EXTRA_VARIABLES` declares; anything else is refused at save.
 */
import type { FileTemplate } from './template-renderer';
import { variablesOf } from './template-check';

/** Every customer-facing template is rendered with these. */
export const COMMON_VARIABLES = ['companyName', 'number', 'contactName', 'subject'] as const;

/** Variables a key offers beyond what its files read today (data the sender already passes). */
const EXTRA_VARIABLES: Record<string, string[]> = {
  'complaint-ack': ['ownerName', 'dueAt', 'timezone', 'category', 'classification'],
  'conversation-ack': ['dueAt', 'timezone'],
  'resolution-csat': ['resolution', 'category'],
  'sla-breach-notice': ['kind', 'target', 'category', 'priority', 'link', 'dueAt', 'timezone'],
};

/** Sample values for previews (a Chinese demo customer, a ticket, due times in Shanghai). */
export function sampleData(now: Date): Record<string, unknown> {
  return {
    companyName: 'Omnihub 示例公司',
    number: 10234,
    contactName: '张伟',
    subject: '订单 #A12345 发货 / Order #A12345 shipping',
    ownerName: '王芳 Wang Fang',
    agentName: '李娜 Li Na',
    dueAt: new Date(now.getTime() + 2 * 3600_000),
    promisedAt: new Date(now.getTime() + 2 * 3600_000),
    timezone: 'Asia/Shanghai',
    resolution: '已为您安排换货，快递员明天上门取件。A replacement is on its way.',
    category: 'complaint',
    classification: 'normal',
    priority: 'high',
    kind: 'breach',
    target: 'firstResponse',
    link: 'https://omnihub.example/app/conversations/1',
    birthday: new Date(Date.UTC(1990, now.getUTCMonth(), now.getUTCDate())),
    years: 3,
    tier: 'A',
  };
}

/** The variables allowed for each key, from the shipped files. */
export function buildCatalog(files: FileTemplate[]): Map<string, Set<string>> {
  const catalog = new Map<string, Set<string>>();
  for (const file of files) {
    const allowed =
      catalog.get(file.key) ?? new Set<string>([...COMMON_VARIABLES, ...(EXTRA_VARIABLES[file.key] ?? [])]);
    for (const source of Object.values(file.parts)) for (const name of variablesOf(source)) allowed.add(name);
    catalog.set(file.key, allowed);
  }
  return catalog;
}
