import type { Redis } from 'ioredis';
import type { ConnectorLogger, LinkedIdentity } from '../channel';
import type { WechatChannel } from './wechat-channel';

/** The contact identity scheme of UnionIDs: one per person across a company's accounts and mini-programs. */
export const WECHAT_UNIONID_SCHEME = 'wechat-unionid';

const FOUND_TTL_SECONDS = 30 * 24 * 3600;
const NONE_TTL_SECONDS = 24 * 3600;

/**
 * The UnionID of a follower, as linked identities for ingest. An OpenID is per official account; the
 * UnionID (given by the user info API when the account is bound to an Open Platform account) is the same
 * for one person across every account and mini-program of the company, so contact resolution can meet
 * them on one contact. An OpenID's UnionID never changes: the answer is cached in Redis (30 days; "none"
 * for a day, so binding the account later is picked up), so the API is asked once per new follower. A
 * failed lookup only costs the link (logged, retried on the next message), never the message.
 */
export function createWechatUnionIds(deps: { redis: Redis; keyPrefix: string; logger: ConnectorLogger }) {
  return {
    async linkedIdentitiesOf(channel: WechatChannel, openId: string): Promise<LinkedIdentity[]> {
      const key = `${deps.keyPrefix}:wechat:unionid:${channel.inbox.appId}:${openId}`;
      const asLinks = (unionId: string) =>
        unionId ? [{ scheme: WECHAT_UNIONID_SCHEME, externalId: unionId }] : [];
      const cached = await deps.redis.get(key);
      if (cached !== null) return asLinks(cached);
      try {
        const info = await channel.fetchUserInfo(openId);
        await deps.redis.set(
          key,
          info.unionId ?? '',
          'EX',
          info.unionId ? FOUND_TTL_SECONDS : NONE_TTL_SECONDS,
        );
        return asLinks(info.unionId ?? '');
      } catch (error) {
        deps.logger.warn(
          { err: error, inboxId: channel.inboxId },
          'wechat user info failed: no UnionID link this time',
        );
        return [];
      }
    },
  };
}
