import { SLA_TARGET_VALUES } from '../i18n/enums';
import { useI18n } from '../i18n/i18n';
import type { ConversationDetail, SlaTarget } from '../lib/api-types';
import { useNow } from '../lib/use-now';

const DUE_FIELD: Record<SlaTarget, 'firstResponseDueAt' | 'nextResponseDueAt' | 'resolutionDueAt'> = {
  firstResponse: 'firstResponseDueAt',
  nextResponse: 'nextResponseDueAt',
  resolution: 'resolutionDueAt',
};

/** First response / next response / resolution clocks, counting down, paused while waiting on the customer. */
export function SlaClocks(props: { conversation: ConversationDetail }) {
  const i18n = useI18n();
  const { t } = i18n;
  const now = useNow(1000);
  const sla = props.conversation.sla;
  const clocks = SLA_TARGET_VALUES.map((target) => ({ target, due: sla?.[DUE_FIELD[target]] })).filter(
    (c): c is { target: SlaTarget; due: string } => typeof c.due === 'string',
  );
  if (!sla || clocks.length === 0) return <p className="sla-clocks none">{t('noSla')}</p>;
  const paused = Boolean(sla.pausedAt);
  return (
    <ul className="sla-clocks" aria-label={t('slaClocks')}>
      {clocks.map(({ target, due }) => {
        const left = (Date.parse(due) - now) / 1000;
        const state = paused ? 'paused' : left <= 0 ? 'breached' : left < 3600 ? 'soon' : 'ok';
        return (
          <li key={target} className={`clock ${state}`} data-testid={`sla-${target}`}>
            <span>{i18n.target(target)}</span>{' '}
            <strong>
              {paused
                ? t('paused')
                : left <= 0
                  ? `${t('overdue')} ${i18n.duration(-left)}`
                  : `${t('dueIn')} ${i18n.duration(left)}`}
            </strong>{' '}
            <time dateTime={due}>{i18n.dateTime(due)}</time>
          </li>
        );
      })}
    </ul>
  );
}
