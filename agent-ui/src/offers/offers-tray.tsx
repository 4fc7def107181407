/**
 * Offers to this agent. The tray sits in the page flow above the screens (never over them), so however
 * many offers stack up, the composer and its Send button stay visible. A new offer plays a short tone
 * (mutable, remembered), shows a desktop notification when the tab is hidden (permission asked once, from
 * a click), and the page title counts waiting offers.
 */
import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useNavigate } from 'react-router';
import { useI18n } from '../i18n/i18n';
import { apiClient } from '../lib/api-client';
import { keys } from '../lib/live-cache';
import { storedValue, storeValue } from '../lib/session';
import type { EventPayload } from '../lib/socket-client';
import { useNow } from '../lib/use-now';
import { useSocketEvent, useWorkspace } from '../lib/workspace';

type Offer = EventPayload<'offer:new'>;

function playTone(): void {
  try {
    const context = new AudioContext();
    const oscillator = context.createOscillator();
    const gain = context.createGain();
    oscillator.frequency.value = 880;
    gain.gain.setValueAtTime(0.15, context.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.001, context.currentTime + 0.4);
    oscillator.connect(gain).connect(context.destination);
    oscillator.start();
    oscillator.stop(context.currentTime + 0.4);
    oscillator.onended = () => void context.close();
  } catch {
    // No audio device: the tray and the title still tell.
  }
}

/** The customer's latest words (the offered agent's team can read the conversation already). */
function OfferPreview(props: { conversationId: string; fallback: string }) {
  const timeline = useQuery({
    queryKey: keys.timeline(props.conversationId),
    queryFn: () => apiClient.conversations.timeline(props.conversationId),
    retry: false,
  });
  const last = timeline.data?.items.filter((m) => m.direction === 'inbound').at(-1);
  const text = last?.text ?? props.fallback;
  return text ? <p className="preview">{text.slice(0, 140)}</p> : null;
}

export function OffersTray() {
  const i18n = useI18n();
  const { t } = i18n;
  const { socket } = useWorkspace();
  const navigate = useNavigate();
  const [offers, setOffers] = useState<Offer[]>([]);
  const [muted, setMuted] = useState(() => storedValue('sound.muted', false));
  const [permission, setPermission] = useState(() =>
    typeof Notification === 'undefined' ? 'denied' : Notification.permission,
  );
  const [error, setError] = useState<string | null>(null);
  const now = useNow(1000);
  const baseTitle = useRef(document.title);

  useSocketEvent('offer:new', (offer) => {
    setOffers((prev) => [...prev.filter((o) => o.offerId !== offer.offerId), offer]);
    if (!muted) playTone();
    if (document.hidden && typeof Notification !== 'undefined' && Notification.permission === 'granted') {
      const who = offer.conversation.contact.name ?? t('customer');
      const notification = new Notification(t('offer'), {
        body: `#${offer.conversation.number} · ${who} · ${i18n.channel(offer.conversation.channel)}`,
        tag: offer.offerId,
      });
      notification.onclick = () => window.focus();
    }
  });
  useSocketEvent('offer:revoked', ({ offerId }) =>
    setOffers((prev) => prev.filter((o) => o.offerId !== offerId)),
  );

  const live = offers.filter((o) => Date.parse(o.expiresAt) > now);
  useEffect(() => {
    document.title = live.length > 0 ? `(${live.length}) ${baseTitle.current}` : baseTitle.current;
  }, [live.length]);

  const accept = async (offer: Offer) => {
    setError(null);
    const result = await socket.acceptOffer(offer.offerId);
    setOffers((prev) => prev.filter((o) => o.offerId !== offer.offerId));
    if (result.ok) void navigate(`/conversations/${offer.conversation.number}`);
    else setError(i18n.error(result.error));
  };

  if (live.length === 0 && !error) return null;
  return (
    <aside className="offers" aria-label={t('offers')} data-testid="offers-tray">
      <div className="offers-head">
        <strong>
          {t('offers')} ({live.length})
        </strong>
        <button
          type="button"
          aria-pressed={!muted}
          onClick={() => {
            setMuted(!muted);
            storeValue('sound.muted', !muted);
          }}
        >
          {muted ? t('soundOff') : t('soundOn')}
        </button>
        {permission === 'default' && (
          <button
            type="button"
            onClick={() => void Notification.requestPermission().then((p) => setPermission(p))}
          >
            {t('enableNotifications')}
          </button>
        )}
        {error && (
          <span className="error" role="alert">
            {error}
          </span>
        )}
      </div>
      <div className="offer-cards">
        {live.map((offer) => {
          const c = offer.conversation;
          const left = Math.max(0, Math.ceil((Date.parse(offer.expiresAt) - now) / 1000));
          return (
            <div
              className={`offer cat-${c.category}`}
              key={offer.offerId}
              role="alertdialog"
              aria-label={t('offer')}
            >
              <p>
                <strong>{c.contact.name ?? t('customer')}</strong> · #{c.number} · {i18n.channel(c.channel)} ·{' '}
                {i18n.category(c.category)}
                {c.priority !== 'normal' && ` · ${i18n.priority(c.priority)}`}
              </p>
              <OfferPreview conversationId={c.id} fallback={c.subject ?? ''} />
              <p className="countdown">
                {t('expiresIn')} {i18n.duration(left)}
              </p>
              <button type="button" className="primary" onClick={() => void accept(offer)}>
                {t('accept')}
              </button>
              <button
                type="button"
                onClick={() =>
                  void socket
                    .declineOffer(offer.offerId)
                    .then(() => setOffers((prev) => prev.filter((o) => o.offerId !== offer.offerId)))
                }
              >
                {t('decline')}
              </button>
            </div>
          );
        })}
      </div>
    </aside>
  );
}
