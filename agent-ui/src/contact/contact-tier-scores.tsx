/**
 * The contact sidebar's read-only RFM block: segment, the R/F/M scores and the revenue behind the tier,
 * from the `tiers` section of the contact's 360 view (`GET /api/contacts/:id`, computed by the server's
 * tiers module). Nothing shows for a contact without scored orders.
 */
import { useQuery } from '@tanstack/react-query';
import { useI18n } from '../i18n/i18n';
import { apiClient } from '../lib/api-client';

interface RfmScores {
  r: number;
  f: number;
  m: number;
  score: string;
  segment: string;
  tier: string;
  lastOrderAt: string;
  frequency: number;
  monetary: string;
  currency: string;
  computedAt: string;
}

const labels = {
  en: {
    title: 'Customer value (RFM)',
    segment: 'Segment',
    scores: 'R / F / M',
    orders: 'Orders',
    revenue: 'Revenue',
    lastOrder: 'Last order',
  },
  'zh-CN': {
    title: '客户价值（RFM）',
    segment: '客户分群',
    scores: '近度 / 频度 / 额度',
    orders: '订单数',
    revenue: '消费金额',
    lastOrder: '最近下单',
  },
} as const;

const segmentNames: Record<'en' | 'zh-CN', Record<string, string>> = {
  en: {
    champions: 'Champions',
    loyal: 'Loyal',
    cant_lose: 'Can’t lose',
    at_risk: 'At risk',
    potential_loyalist: 'Potential loyalist',
    new_customer: 'New customer',
    promising: 'Promising',
    need_attention: 'Needs attention',
    about_to_sleep: 'About to sleep',
    hibernating: 'Hibernating',
    lost: 'Lost',
  },
  'zh-CN': {
    champions: '重要价值客户',
    loyal: '忠诚客户',
    cant_lose: '重要挽留客户',
    at_risk: '流失风险客户',
    potential_loyalist: '潜力客户',
    new_customer: '新客户',
    promising: '有望客户',
    need_attention: '需关注客户',
    about_to_sleep: '即将沉睡客户',
    hibernating: '沉睡客户',
    lost: '已流失客户',
  },
};

export function ContactTierScores(props: { contactId: string }) {
  const i18n = useI18n();
  const lang = i18n.lang === 'zh-CN' ? 'zh-CN' : 'en';
  const text = labels[lang];
  // The same query (and cache entry) as the sidebar's contact detail.
  const detail = useQuery({
    queryKey: ['contact', props.contactId],
    queryFn: () => apiClient.contacts.get(props.contactId),
  });
  const sections = (detail.data as { sections?: { tiers?: RfmScores | null } } | undefined)?.sections;
  const rfm = sections?.tiers;
  if (!rfm) return null;
  return (
    <section className="contact-rfm" aria-label={text.title} data-testid="contact-rfm">
      <h4>{text.title}</h4>
      <dl className="facts">
        <dt>{text.segment}</dt>
        <dd>
          <span className="badge">{segmentNames[lang][rfm.segment] ?? rfm.segment}</span>
        </dd>
        <dt>{text.scores}</dt>
        <dd>
          {rfm.r} / {rfm.f} / {rfm.m}
        </dd>
        <dt>{text.orders}</dt>
        <dd>{rfm.frequency}</dd>
        <dt>{text.revenue}</dt>
        <dd>
          {new Intl.NumberFormat(lang, { style: 'currency', currency: rfm.currency }).format(
            Number(rfm.monetary),
          )}
        </dd>
        <dt>{text.lastOrder}</dt>
        <dd>{i18n.day(rfm.lastOrderAt)}</dd>
      </dl>
    </section>
  );
}
