import { useEffect, useState } from 'react';
import type { T } from './i18n';
import { useLiveEvents } from './live';
import type { EventPayload } from './realtime';
import type { Realtime } from './realtime';

type Offer = EventPayload<'offer:new'>;

/** Offers to this agent, with a countdown; accept opens the conversation. */
export function Offers(props: {
  t: T;
  realtime: Realtime | null;
  onAccepted: (conversationId: string) => void;
}) {
  const { t } = props;
  const [offers, setOffers] = useState<Offer[]>([]);
  const [now, setNow] = useState(() => Date.now());

  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);

  useLiveEvents((name, payload) => {
    if (name === 'offer:new') {
      const offer = payload as Offer;
      setOffers((prev) => [...prev.filter((o) => o.offerId !== offer.offerId), offer]);
    } else if (name === 'offer:revoked') {
      const { offerId } = payload as { offerId: string };
      setOffers((prev) => prev.filter((o) => o.offerId !== offerId));
    }
  });

  const live = offers.filter((o) => new Date(o.expiresAt).getTime() > now);
  if (live.length === 0) return null;

  return (
    <aside className="offers" aria-label="offers">
      {live.map((offer) => (
        <div
          className={`offer cat-${offer.conversation.category}`}
          key={offer.offerId}
          role="alertdialog"
          aria-label={t('offer')}
        >
          <strong>{t('offer')}</strong>
          <p>
            #{offer.conversation.number} · {offer.conversation.contact.name ?? t('customer')} ·{' '}
            {offer.conversation.channel} · {offer.conversation.category}
          </p>
          <p className="countdown">
            {t('expiresIn')} {Math.max(0, Math.ceil((new Date(offer.expiresAt).getTime() - now) / 1000))}s
          </p>
          <button
            onClick={() =>
              void props.realtime?.acceptOffer(offer.offerId).then((result) => {
                setOffers((prev) => prev.filter((o) => o.offerId !== offer.offerId));
                if (result.ok) props.onAccepted(offer.conversation.id);
              })
            }
          >
            {t('accept')}
          </button>
          <button
            className="secondary"
            onClick={() =>
              void props.realtime
                ?.declineOffer(offer.offerId)
                .then(() => setOffers((prev) => prev.filter((o) => o.offerId !== offer.offerId)))
            }
          >
            {t('decline')}
          </button>
        </div>
      ))}
    </aside>
  );
}
