/**
 * Attachments and call recordings. Downloads need the bearer token, so files are fetched with the REST
 * client: images become data: URLs (the page's CSP allows data: images), files are saved through a
 * temporary link, and recordings play through Web Audio (the CSP allows no blob: or remote media).
 */
import { useEffect, useRef, useState } from 'react';
import { useI18n } from '../i18n/i18n';
import { request } from '../lib/api-client';
import type { Attachment } from '../lib/api-types';

/** A stored file's bytes, fetched with the agent's token (`key` as it appears in an attachment URL). */
export async function fetchBlob(key: string): Promise<Blob> {
  return (await request('GET', `/api/attachments/${key}`)).blob();
}

export function toDataUrl(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(typeof reader.result === 'string' ? reader.result : '');
    reader.onerror = () => reject(new Error('read failed'));
    reader.readAsDataURL(blob);
  });
}

export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function InlineImage(props: { attachment: Attachment & { storageKey: string } }) {
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    void fetchBlob(props.attachment.storageKey)
      .then(toDataUrl)
      .then((url) => live && setSrc(url))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [props.attachment.storageKey]);
  return src ? (
    <img className="inline-image" src={src} alt={props.attachment.filename ?? ''} />
  ) : (
    <span className="inline-image placeholder" />
  );
}

export function AttachmentList(props: { attachments: Attachment[] }) {
  const i18n = useI18n();
  const { t } = i18n;
  if (props.attachments.length === 0) return null;
  return (
    <ul className="attachments" aria-label={t('attachment')}>
      {props.attachments.map((a) => {
        const key = a.storageKey;
        const name = a.filename ?? `${t('attachment')} (${a.contentType})`;
        return (
          <li key={a.id}>
            {key && a.contentType.startsWith('image/') && (
              <InlineImage attachment={{ ...a, storageKey: key }} />
            )}
            {key && a.contentType.startsWith('audio/') && <RecordingPlayer storageKey={key} />}
            <button
              type="button"
              className="link"
              disabled={!key}
              onClick={() => key && void fetchBlob(key).then((blob) => saveBlob(blob, name))}
            >
              {name}
              {a.size ? ` · ${i18n.number(a.size / 1024, 1)} KB` : ''} · {t('download')}
            </button>
          </li>
        );
      })}
    </ul>
  );
}

/** Play / stop a stored recording through Web Audio. */
export function RecordingPlayer(props: { storageKey: string }) {
  const { t } = useI18n();
  const [playing, setPlaying] = useState(false);
  const [error, setError] = useState(false);
  const source = useRef<AudioBufferSourceNode | null>(null);
  useEffect(() => () => source.current?.stop(), []);
  const toggle = async () => {
    if (playing) {
      source.current?.stop();
      return;
    }
    try {
      const bytes = await (await fetchBlob(props.storageKey)).arrayBuffer();
      const context = new AudioContext();
      const buffer = await context.decodeAudioData(bytes);
      const node = context.createBufferSource();
      node.buffer = buffer;
      node.connect(context.destination);
      node.onended = () => {
        setPlaying(false);
        void context.close();
      };
      source.current = node;
      node.start();
      setPlaying(true);
    } catch {
      setError(true);
    }
  };
  return (
    <button type="button" className="recording" onClick={() => void toggle()} disabled={error}>
      {playing ? '■' : '▶'} {t('recording')}
    </button>
  );
}
