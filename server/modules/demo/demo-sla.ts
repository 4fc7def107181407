/**
 * The demo's business calendar and SLA policies (pure data), so a new conversation on the quick start has
 * due times at once.
 *
 * The calendar is mainland China's: Monday–Friday 09:00–12:00 and 13:00–18:00 (Asia/Shanghai), the
 * public holidays of the State Council's schedule, the adjusted working weekend days (调休上班) as
 * holiday entries with full working ranges, and company half days (09:00–12:00) on the eves of the long
 * breaks. 2026 follows the published schedule; 2027 is derived from the statutory dates (its official
 * schedule is published in the autumn before): an admin edits the calendar when it is out.
 */
import type { Holiday, TimeRange } from '../sla';

const FULL_DAY: TimeRange[] = [
  { start: '09:00', end: '12:00' },
  { start: '13:00', end: '18:00' },
];
const HALF_DAY: TimeRange[] = [{ start: '09:00', end: '12:00' }];

function days(from: string, to: string, name: string): Holiday[] {
  const out: Holiday[] = [];
  const end = Date.parse(`${to}T00:00:00Z`);
  for (let at = Date.parse(`${from}T00:00:00Z`); at <= end; at += 86_400_000)
    out.push({ date: new Date(at).toISOString().slice(0, 10), name });
  return out;
}
const workday = (date: string, name: string): Holiday => ({ date, name, ranges: FULL_DAY });
const halfDay = (date: string, name: string): Holiday => ({ date, name, ranges: HALF_DAY });

/** Public holidays, adjusted working days and half days, 2026–2027. */
export const CHINA_HOLIDAYS_2026_2027: Holiday[] = [
  // 2026 (State Council schedule)
  ...days('2026-01-01', '2026-01-03', '元旦 New Year'),
  workday('2026-01-04', '元旦调休上班 Working day (New Year swap)'),
  workday('2026-02-14', '春节调休上班 Working day (Spring Festival swap)'),
  ...days('2026-02-15', '2026-02-23', '春节 Spring Festival'),
  workday('2026-02-28', '春节调休上班 Working day (Spring Festival swap)'),
  ...days('2026-04-04', '2026-04-06', '清明节 Qingming'),
  halfDay('2026-04-30', '劳动节前半天 Half day before Labour Day'),
  ...days('2026-05-01', '2026-05-05', '劳动节 Labour Day'),
  workday('2026-05-09', '劳动节调休上班 Working day (Labour Day swap)'),
  ...days('2026-06-19', '2026-06-21', '端午节 Dragon Boat Festival'),
  workday('2026-09-20', '国庆节调休上班 Working day (National Day swap)'),
  ...days('2026-09-25', '2026-09-27', '中秋节 Mid-Autumn Festival'),
  halfDay('2026-09-30', '国庆节前半天 Half day before National Day'),
  ...days('2026-10-01', '2026-10-07', '国庆节 National Day'),
  workday('2026-10-10', '国庆节调休上班 Working day (National Day swap)'),
  halfDay('2026-12-31', '元旦前半天 Half day before New Year'),
  // 2027 (from the statutory dates; replace with the published schedule)
  ...days('2027-01-01', '2027-01-03', '元旦 New Year'),
  halfDay('2027-02-04', '春节前半天 Half day before Spring Festival'),
  ...days('2027-02-05', '2027-02-11', '春节 Spring Festival'),
  workday('2027-02-20', '春节调休上班 Working day (Spring Festival swap)'),
  ...days('2027-04-03', '2027-04-05', '清明节 Qingming'),
  ...days('2027-05-01', '2027-05-05', '劳动节 Labour Day'),
  workday('2027-05-08', '劳动节调休上班 Working day (Labour Day swap)'),
  ...days('2027-06-09', '2027-06-11', '端午节 Dragon Boat Festival'),
  ...days('2027-09-15', '2027-09-17', '中秋节 Mid-Autumn Festival'),
  workday('2027-09-26', '国庆节调休上班 Working day (National Day swap)'),
  halfDay('2027-09-30', '国庆节前半天 Half day before National Day'),
  ...days('2027-10-01', '2027-10-07', '国庆节 National Day'),
  workday('2027-10-09', '国庆节调休上班 Working day (National Day swap)'),
  halfDay('2027-12-31', '元旦前半天 Half day before New Year'),
];

export const DEMO_CALENDAR = {
  name: '中国工作日 China business days',
  timezone: 'Asia/Shanghai',
  weekly: { mon: FULL_DAY, tue: FULL_DAY, wed: FULL_DAY, thu: FULL_DAY, fri: FULL_DAY },
  holidays: CHINA_HOLIDAYS_2026_2027,
};

/** The demo's SLA policies (targets in business minutes on the demo calendar). */
export const DEMO_POLICIES = [
  {
    key: 'complaints',
    name: '投诉 Complaints',
    description: 'Complaints: first response within 1 business hour, resolved within 2 business days.',
    order: 10,
    conditions: { categories: ['complaint'] },
    targets: { firstResponse: 60, nextResponse: 120, resolution: 16 * 60 },
    escalations: [
      {
        on: 'warning' as const,
        target: 'any' as const,
        actions: [{ type: 'notify' as const, to: ['assignee' as const, 'owner' as const] }],
      },
      {
        on: 'breach' as const,
        target: 'any' as const,
        actions: [
          { type: 'notify' as const, to: ['supervisors' as const, 'teamLead' as const] },
          { type: 'raisePriority' as const, to: 'urgent' as const },
        ],
      },
    ],
    isDefault: false,
  },
  {
    key: 'vip',
    name: 'VIP / A 客户 VIP customers',
    description: 'VIP and tier A customers: first response within 30 business minutes.',
    order: 20,
    conditions: { tiers: ['VIP', 'A'] },
    targets: { firstResponse: 30, nextResponse: 60, resolution: 8 * 60 },
    escalations: [
      {
        on: 'breach' as const,
        target: 'any' as const,
        actions: [{ type: 'notify' as const, to: ['supervisors' as const] }],
      },
    ],
    isDefault: false,
  },
  {
    key: 'default',
    name: '默认 Default',
    description: 'Everything else: first response within 4 business hours, resolved within 5 business days.',
    order: 1000,
    conditions: {},
    targets: { firstResponse: 4 * 60, nextResponse: 8 * 60, resolution: 5 * 8 * 60 },
    escalations: [],
    isDefault: true,
  },
];

/** Team leads (the complaint owner by default): team key → agent key. */
export const DEMO_TEAM_LEADS = { service: 'agent1', complaints: 'supervisor' } as const;
