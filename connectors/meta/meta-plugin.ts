/**
 * The Meta plug-in (one app for Messenger, Instagram and WhatsApp Cloud): the channel of the config-defined
 * inbox (`meta`, META_* variables) and factories for admin-configured Page / Instagram / WhatsApp inboxes,
 * `GET|POST /webhooks/meta` (3 MB bodies on this route only), WhatsApp media through the hub's media proxy
 * and Messenger/Instagram CDN media as a registered origin, and, in demo mode, the built-in Graph API stub
 * at /meta-stub with its customer simulator panel.
 */
import type { ConnectorContext, ConnectorContribution, ConnectorPlugin, ConnectorRoute } from '../channel';
import { createChatSimulatorRouter, type ChatLogEntry } from '../social/chat-simulator';
import { createMediaProxy, MEDIA_PROXY_PATH } from '../social/media-proxy';
import { fetchProvider } from '../social/provider-errors';
import { createSendHints } from '../social/send-hints';
import { createMetaChannel, type MetaInboxConfig } from './meta-channel';
import { callGraph, DEFAULT_GRAPH_BASE } from './meta-graph';
import { configMetaInbox, createMetaInboxes, META_KINDS, metaInboxFromAdmin } from './meta-inboxes';
import { createMetaWebhookRouter, META_WEBHOOK_PATH } from './meta-webhooks';
import { createMetaStub } from './stub/meta-stub';
import { createTwilioChannel } from '../twilio/twilio-channel';
import { twilioInboxFromAdmin } from '../twilio/twilio-inboxes';

/** Demo ids of the stub's Page and Instagram account. */
export const DEMO_PAGE_ID = '100000000000010';
export const DEMO_INSTAGRAM_ID = '17841400000000010';

/** Where Graph media URLs may point (Meta's CDNs), besides the Graph API's own origin. */
const MEDIA_HOSTS = /(^|\.)(fbsbx\.com|fbcdn\.net|cdninstagram\.com|whatsapp\.net)$/;

function createMetaContribution(context: ConnectorContext): ConnectorContribution {
  const { config, publicUrl } = context;
  const graphBase = (config.META_GRAPH_BASE ?? DEFAULT_GRAPH_BASE).replace(/\/+$/, '');
  const hints = createSendHints(context.redis, context.keyPrefix);
  const channelFor = (inbox: MetaInboxConfig) => createMetaChannel({ inbox, graphBase, hints });
  const configInbox = configMetaInbox(config);
  const channel = configInbox ? channelFor(configInbox) : null;
  const inboxes = createMetaInboxes({ configInbox, inboxes: context.inboxes });
  const proxy = createMediaProxy({ publicUrl, redis: context.redis, keyPrefix: context.keyPrefix });

  // WhatsApp media: GET /{media-id} names a short-lived URL, downloaded with the same bearer token.
  const openWhatsAppMedia = async ({ inboxId, ref }: { inboxId: string; ref: string }) => {
    const inbox = await inboxes.findById(inboxId);
    if (!inbox || !/^\d{1,40}$/.test(ref)) return null;
    const token = inbox.whatsappToken ?? inbox.accessToken;
    const found = await callGraph({ base: graphBase, path: `/${ref}`, token, method: 'GET' }).catch(
      () => null,
    );
    const url = typeof found?.url === 'string' ? new URL(found.url) : null;
    if (
      !url ||
      (url.origin !== new URL(graphBase).origin &&
        (url.protocol !== 'https:' || !MEDIA_HOSTS.test(url.hostname)))
    )
      return null;
    return fetchProvider('Meta media', url.href, {
      method: 'GET',
      headers: { authorization: `Bearer ${token}` },
    }).catch(() => null);
  };

  const routes: ConnectorRoute[] = [
    {
      path: META_WEBHOOK_PATH,
      parsesOwnBody: true,
      router: createMetaWebhookRouter({
        inboxes,
        sink: context.sink,
        whatsappMediaUrl: (inboxId, mediaId) => proxy.urlFor({ connector: 'meta', inboxId, ref: mediaId }),
        logger: context.logger,
      }),
    },
    { path: `${MEDIA_PROXY_PATH}/meta`, parsesOwnBody: true, router: proxy.router(openWhatsAppMedia) },
  ];
  const contribution: ConnectorContribution = {
    routes,
    channels: channel ? [{ channel }] : [],
    factories: META_KINDS.map((kind) => ({
      kind,
      create(inbox) {
        const meta = metaInboxFromAdmin(inbox);
        if (meta) return channelFor(meta);
        // The registry keeps one factory per kind and Twilio also serves `whatsapp`: an admin WhatsApp
        // inbox with Twilio credentials stays Twilio's (see the report: the registry could chain factories).
        const twilio = kind === 'whatsapp' ? twilioInboxFromAdmin(inbox) : null;
        if (twilio)
          return createTwilioChannel({
            inbox: twilio,
            publicUrl,
            ...(config.TWILIO_API_BASE ? { apiBaseUrl: config.TWILIO_API_BASE } : {}),
          });
        throw new Error(`inbox ${inbox.id} lacks Meta credentials (appSecret, verifyToken, accessToken)`);
      },
    })),
    mediaSources: [proxy.source, { name: 'meta cdn', origin: 'https://lookaside.fbsbx.com' }],
  };

  if (config.META_DEMO && configInbox?.whatsappPhoneNumberId) {
    const stub = createMetaStub({
      appSecret: configInbox.appSecret,
      accessToken: configInbox.accessToken,
      pageId: DEMO_PAGE_ID,
      instagramId: DEMO_INSTAGRAM_ID,
      phoneNumberId: configInbox.whatsappPhoneNumberId,
      deliverTo: context.selfUrl,
      statusDelayMs: 500,
      acceptUnknownCustomers: true,
      onError: (error) => context.logger.warn({ err: error }, 'meta stub delivery failed'),
    });
    const sentLog: ChatLogEntry[] = [];
    routes.push(
      { path: '/meta-stub', router: stub.router, parsesOwnBody: true },
      {
        path: '/simulator/meta',
        router: createChatSimulatorRouter({
          title: 'Messenger · Instagram · WhatsApp Cloud customer · 客户',
          channels: ['messenger', 'instagram', 'whatsapp'],
          sampleCustomer: '8613800138000',
          async send(input) {
            sentLog.push({
              direction: 'customer',
              channel: input.channel,
              customer: input.customer,
              text: input.text,
              at: new Date().toISOString(),
            });
            const delivery =
              input.channel === 'messenger'
                ? await stub.sendMessenger({ psid: input.customer, text: input.text })
                : input.channel === 'instagram'
                  ? await stub.sendInstagram({ igsid: input.customer, text: input.text })
                  : await stub.sendWhatsApp({
                      waId: input.customer.replace(/\D/g, ''),
                      text: input.text,
                      ...(input.name ? { name: input.name } : {}),
                    });
            return { hubStatus: delivery.status };
          },
          log: () =>
            [
              ...sentLog,
              ...stub.sends.map((send): ChatLogEntry => ({
                direction: 'hub',
                channel: send.channel,
                customer: send.to,
                text: send.text ?? (send.template ? `[template ${send.template.name}]` : `[${send.type}]`),
                at: send.at.toISOString(),
                ...(send.tag ? { status: send.tag } : {}),
              })),
            ].sort((a, b) => a.at.localeCompare(b.at)),
        }),
      },
    );
    contribution.simulator = [
      { label: 'Messenger, Instagram and WhatsApp Cloud (Meta)', path: '/simulator/meta/' },
    ];
  }
  return contribution;
}

/** The Meta entry of `connectors/plugins.ts`. */
export const metaPlugin: ConnectorPlugin = { name: 'meta', create: createMetaContribution };
