/**
 * Where provider media may be downloaded from. A connector registers the origin its media URLs live on
 * (Twilio: its API origin) and how to authenticate there; the fetch job downloads only from registered
 * origins, so a media URL can never make the hub request an arbitrary host (SSRF), and credentials are
 * looked up at download time instead of travelling in the job through Redis.
 */
export type MediaAuth =
  { type: 'basic'; username: string; password: string } | { type: 'bearer'; token: string };

export interface MediaSource {
  /** For logs, e.g. `twilio`. */
  name: string;
  /** The origin (scheme, host, port) the provider's media URLs are on. */
  origin: string;
  /** Credentials for a URL of this source, for the inbox the message came in on (null: none). */
  authFor?(input: { url: URL; inboxId: string | null }): Promise<MediaAuth | null>;
}

export interface MediaSources {
  register(source: MediaSource): void;
  /** The registered source of a URL's origin, or null (the URL must not be fetched). */
  find(url: string): MediaSource | null;
}

export function createMediaSources(): MediaSources {
  const byOrigin = new Map<string, MediaSource>();
  return {
    register(source) {
      byOrigin.set(new URL(source.origin).origin, source);
    },
    find(url) {
      let origin: string;
      try {
        origin = new URL(url).origin;
      } catch {
        return null;
      }
      return byOrigin.get(origin) ?? null;
    },
  };
}

export function authorizationHeader(auth: MediaAuth | null): Record<string, string> {
  if (!auth) return {};
  if (auth.type === 'bearer') return { authorization: `Bearer ${auth.token}` };
  return { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` };
}
