/**
 * An email's HTML (already sanitized by the server) in a sandboxed iframe: no scripts, no same-origin
 * access, no forms. Remote images are blocked until the agent asks (tracking pixels tell the sender that
 * and when a mail was read): the frame carries its own CSP, and the `src` of remote images is removed
 * from an inert copy of the document (DOMParser loads nothing).
 */
import { useEffect, useMemo, useState } from 'react';
import { useI18n } from '../i18n/i18n';
import { fetchBlob, toDataUrl } from './attachments';

/** Inline (`cid:`) images the hub resolved to stored attachments: `src="/api/attachments/<key>"`. */
const INLINE_IMAGE = /(["'])\/api\/attachments\/([A-Za-z0-9%._~-]+)\1/g;

/**
 * The mail's inline images need the agent's token, which the sandboxed frame cannot send: they are fetched
 * here and put in as data: URLs (the frame's policy allows those).
 */
function useInlineImages(html: string): string {
  const [resolved, setResolved] = useState(html);
  useEffect(() => {
    let cancelled = false;
    setResolved(html);
    const keys = [...new Set([...html.matchAll(INLINE_IMAGE)].map((match) => match[2] ?? ''))].filter(
      Boolean,
    );
    if (keys.length === 0) return;
    void Promise.all(keys.map(async (key) => [key, await toDataUrl(await fetchBlob(key))] as const))
      .then((pairs) => {
        if (cancelled) return;
        const urls = new Map(pairs);
        setResolved(
          html.replace(INLINE_IMAGE, (match, quote: string, key: string) => {
            const url = urls.get(key);
            return url ? `${quote}${url}${quote}` : match;
          }),
        );
      })
      .catch(() => undefined); // an image that cannot be fetched stays out, like a blocked one
    return () => {
      cancelled = true;
    };
  }, [html]);
  return resolved;
}

const BLOCKING_CSP = `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">`;
const BASE_STYLE =
  '<style>body{font:14px/1.5 system-ui,sans-serif;margin:8px;color:#1f2933;word-wrap:break-word}img{max-width:100%}</style>';

function withoutRemoteImages(html: string): { html: string; blocked: number } {
  const doc = new DOMParser().parseFromString(html, 'text/html');
  let blocked = 0;
  doc.querySelectorAll('img').forEach((img) => {
    const src = img.getAttribute('src') ?? '';
    if (!src.startsWith('data:')) {
      img.removeAttribute('src');
      img.removeAttribute('srcset');
      img.setAttribute('alt', img.getAttribute('alt') || '🖼');
      blocked++;
    }
  });
  return { html: doc.body.innerHTML, blocked };
}

/**
 * `html` is what the server stored for display (remote images already removed); `htmlWithImages`, when the
 * mail had remote images, is the same mail sanitized with them kept, loaded only after the agent asks.
 */
export function EmailFrame(props: { html: string; htmlWithImages?: string; title: string }) {
  const { t } = useI18n();
  const [allowImages, setAllowImages] = useState(false);
  const full = useInlineImages(props.htmlWithImages ?? props.html);
  const safe = useMemo(() => withoutRemoteImages(full), [full]);
  const srcDoc = allowImages
    ? `<!doctype html><meta charset="utf-8">${BASE_STYLE}${full}`
    : `<!doctype html><meta charset="utf-8">${BLOCKING_CSP}${BASE_STYLE}${safe.html}`;
  return (
    <div className="email">
      {safe.blocked > 0 && !allowImages && (
        <p className="images-blocked">
          {t('imagesBlocked')}{' '}
          <button type="button" className="link" onClick={() => setAllowImages(true)}>
            {t('showImages')}
          </button>
        </p>
      )}
      <iframe className="html" sandbox="" srcDoc={srcDoc} title={props.title} />
    </div>
  );
}
