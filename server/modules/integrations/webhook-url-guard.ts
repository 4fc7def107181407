import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * The SSRF guard of outgoing webhooks: a subscription URL may not point into the hub's own network
 * (loopback, link-local — cloud metadata lives there —, private, CGNAT, unique-local ranges) unless an
 * admin allowlisted its `host:port` in OUTGOING_WEBHOOK_ALLOWLIST. The check runs when a subscription is
 * saved and again on every delivery, against the address the connection is actually made to (a DNS answer
 * that changes after the check cannot smuggle a request inside).
 */
const INTERNAL = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  INTERNAL.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  INTERNAL.addSubnet(network, prefix, 'ipv6');

export function isInternalAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  // IPv4-mapped IPv6 (::ffff:127.0.0.1) is judged as the IPv4 address it carries.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return INTERNAL.check(mapped, 'ipv4');
  return INTERNAL.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

export type UrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

/** `host:port` as the allowlist names it (the URL's default port when it has none). */
export function hostPortOf(url: URL): string {
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return `${url.hostname.replace(/^\[|\]$/g, '')}:${port}`.toLowerCase();
}

/** Validates a subscription URL: http(s), no credentials, and resolving only to public addresses. */
export async function checkWebhookUrl(raw: string, allowlist: ReadonlySet<string>): Promise<UrlCheck> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'not a URL' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return { ok: false, reason: 'only http(s) URLs' };
  if (url.username || url.password) return { ok: false, reason: 'credentials in the URL are not allowed' };
  if (allowlist.has(hostPortOf(url))) return { ok: true, url };
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  try {
    addresses = isIP(host)
      ? [host]
      : (await lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);
  } catch {
    return { ok: false, reason: 'the host does not resolve' };
  }
  if (addresses.length === 0 || addresses.some(isInternalAddress))
    return { ok: false, reason: 'the URL points into a private or internal network' };
  return { ok: true, url };
}

/**
 * A `lookup` for http.request that refuses internal addresses at connection time (DNS rebinding), unless
 * the request's host:port is allowlisted.
 */
export function guardedLookup(allowed: boolean) {
  return (
    hostname: string,
    options: object,
    callback: (
      error: NodeJS.ErrnoException | null,
      address: string | { address: string; family: number }[],
      family?: number,
    ) => void,
  ) => {
    lookup(hostname, { all: true, verbatim: true })
      .then((entries) => {
        const usable = allowed ? entries : entries.filter((entry) => !isInternalAddress(entry.address));
        if (usable.length === 0) {
          callback(
            Object.assign(new Error(`refused: ${hostname} resolves to an internal address`), {
              code: 'EREFUSED',
            }),
            [],
          );
          return;
        }
        if ((options as { all?: boolean }).all) callback(null, usable);
        else callback(null, usable[0]!.address, usable[0]!.family);
      })
      .catch((error: NodeJS.ErrnoException) => callback(error, []));
  };
}
