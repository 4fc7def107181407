import type { Config } from '../../server/config';
import type { ChannelKind, InboxDirectory, InboxSettings } from '../channel';
import { WHATSAPP_TEMPLATES } from '../reply-window';
import { parseReplyTemplates } from '../social/reply-templates';
import type { MetaInboxConfig } from './meta-channel';

/** The id of the Meta inbox defined by configuration (META_* and WHATSAPP_PHONE_NUMBER_ID). */
export const CONFIG_META_INBOX_ID = 'meta';
export const META_KINDS: readonly ChannelKind[] = ['messenger', 'instagram', 'whatsapp'];

/** The config-defined Meta app inbox, or null when Meta is not configured (and not in demo mode). */
export function configMetaInbox(config: Config): MetaInboxConfig | null {
  if (!config.META_APP_SECRET || !config.META_VERIFY_TOKEN || !config.META_PAGE_ACCESS_TOKEN) return null;
  return {
    inboxId: CONFIG_META_INBOX_ID,
    appSecret: config.META_APP_SECRET,
    verifyToken: config.META_VERIFY_TOKEN,
    accessToken: config.META_PAGE_ACCESS_TOKEN,
    ...(config.WHATSAPP_PHONE_NUMBER_ID ? { whatsappPhoneNumberId: config.WHATSAPP_PHONE_NUMBER_ID } : {}),
    kinds: config.WHATSAPP_PHONE_NUMBER_ID ? META_KINDS : ['messenger', 'instagram'],
    whatsappTemplates: config.WHATSAPP_TEMPLATES
      ? parseReplyTemplates(config.WHATSAPP_TEMPLATES, { source: 'WHATSAPP_TEMPLATES' })
      : WHATSAPP_TEMPLATES,
  };
}

/**
 * An admin-configured Messenger, Instagram or WhatsApp Cloud inbox: credentials `appSecret`, `verifyToken`,
 * `accessToken`; its address is the Page id, the Instagram account id, or (WhatsApp) the phone number id
 * the webhooks name. Null when incomplete (a Twilio WhatsApp inbox has none of these).
 */
export function metaInboxFromAdmin(inbox: InboxSettings): MetaInboxConfig | null {
  const { appSecret, verifyToken, accessToken, whatsappTemplates } = inbox.credentials;
  if (!META_KINDS.includes(inbox.channel) || !inbox.enabled || !appSecret || !verifyToken || !accessToken)
    return null;
  if (!inbox.address) return null;
  return {
    inboxId: inbox.id,
    appSecret,
    verifyToken,
    accessToken,
    address: inbox.address,
    ...(inbox.channel === 'whatsapp' ? { whatsappPhoneNumberId: inbox.address } : {}),
    kinds: [inbox.channel],
    ...(inbox.channel === 'whatsapp' ? { whatsappTemplates: adminTemplates(whatsappTemplates) } : {}),
  };
}

/**
 * The `whatsappTemplates` credential of an admin inbox (JSON, connectors/social/reply-templates.ts); unset:
 * the built-in list. A list that does not parse offers no templates rather than disabling the inbox.
 */
function adminTemplates(json: string | undefined) {
  if (!json) return WHATSAPP_TEMPLATES;
  try {
    return parseReplyTemplates(json, { source: 'whatsappTemplates' });
  } catch {
    return [];
  }
}

/** Where the Meta webhook finds inboxes and the app secrets a notification may be signed with. */
export function createMetaInboxes(deps: {
  configInbox: MetaInboxConfig | null;
  inboxes: Pick<InboxDirectory, 'findById' | 'findByAddress' | 'listByChannel'>;
}) {
  const { configInbox } = deps;
  return {
    async findById(inboxId: string): Promise<MetaInboxConfig | null> {
      if (configInbox && inboxId === configInbox.inboxId) return configInbox;
      const inbox = await deps.inboxes.findById(inboxId);
      return inbox ? metaInboxFromAdmin(inbox) : null;
    },
    /** Every Meta inbox (config-defined first): candidates for the signature and verify token. */
    async all(): Promise<MetaInboxConfig[]> {
      const admin: MetaInboxConfig[] = [];
      for (const kind of META_KINDS)
        for (const inbox of await deps.inboxes.listByChannel(kind)) {
          const meta = metaInboxFromAdmin(inbox);
          if (meta) admin.push(meta);
        }
      return [...(configInbox ? [configInbox] : []), ...admin];
    },
    /**
     * The inbox of an event: an admin inbox at that Page/account/number id, else the config-defined inbox
     * when it serves the kind (its WhatsApp number must match). Only inboxes of the app that signed.
     */
    async forEvent(channel: ChannelKind, ourId: string, appSecret: string): Promise<MetaInboxConfig | null> {
      const admin = await deps.inboxes.findByAddress(channel, ourId);
      const meta = admin ? metaInboxFromAdmin(admin) : null;
      if (meta && meta.appSecret === appSecret) return meta;
      if (!configInbox || configInbox.appSecret !== appSecret || !configInbox.kinds.includes(channel))
        return null;
      if (channel === 'whatsapp' && configInbox.whatsappPhoneNumberId !== ourId) return null;
      return configInbox;
    },
  };
}
export type MetaInboxes = ReturnType<typeof createMetaInboxes>;
