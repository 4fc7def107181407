import type { Config } from '../../server/config';
import type { ChannelKind, InboxDirectory, InboxSettings } from '../channel';
import type { TwilioInboxConfig } from './twilio-channel';
import { adminTwilioTemplates, configTwilioTemplates } from './twilio-whatsapp-templates';
import type { TwilioInboxDirectory } from './twilio-webhook-deps';

/** The id of the Twilio inbox defined by configuration (TWILIO_* variables). */
export const CONFIG_TWILIO_INBOX_ID = 'twilio';

/** The config-defined Twilio inbox, or null when Twilio is not configured (and not in demo mode). */
export function configTwilioInbox(config: Config): TwilioInboxConfig | null {
  if (!config.TWILIO_ACCOUNT_SID || !config.TWILIO_AUTH_TOKEN) return null;
  return {
    inboxId: CONFIG_TWILIO_INBOX_ID,
    accountSid: config.TWILIO_ACCOUNT_SID,
    authToken: config.TWILIO_AUTH_TOKEN,
    ...(config.TWILIO_PHONE_NUMBER ? { phoneNumber: config.TWILIO_PHONE_NUMBER } : {}),
    ...(config.TWILIO_WHATSAPP_NUMBER ? { whatsappNumber: config.TWILIO_WHATSAPP_NUMBER } : {}),
    ...(config.TWILIO_API_KEY_SID ? { apiKeySid: config.TWILIO_API_KEY_SID } : {}),
    ...(config.TWILIO_API_KEY_SECRET ? { apiKeySecret: config.TWILIO_API_KEY_SECRET } : {}),
    ...(config.TWILIO_TWIML_APP_SID ? { twimlAppSid: config.TWILIO_TWIML_APP_SID } : {}),
    whatsappTemplates: configTwilioTemplates(config),
  };
}

/**
 * An admin-configured inbox (channels module) as a Twilio inbox: credentials `accountSid`, `authToken`
 * (and optionally `apiKeySid`, `apiKeySecret`, `twimlAppSid`, and for WhatsApp `whatsappTemplates`, JSON of
 * approved Content templates); its address is the number of its channel
 * kind. Null when the credentials are incomplete.
 */
export function twilioInboxFromAdmin(inbox: InboxSettings): TwilioInboxConfig | null {
  const { accountSid, authToken, apiKeySid, apiKeySecret, twimlAppSid, whatsappTemplates } =
    inbox.credentials;
  if (!accountSid || !authToken || !inbox.enabled) return null;
  const address = inbox.address?.replace(/^whatsapp:/, '') ?? undefined;
  return {
    inboxId: inbox.id,
    accountSid,
    authToken,
    ...(address && inbox.channel === 'whatsapp' ? { whatsappNumber: address } : {}),
    ...(address && inbox.channel !== 'whatsapp' ? { phoneNumber: address } : {}),
    ...(apiKeySid ? { apiKeySid } : {}),
    ...(apiKeySecret ? { apiKeySecret } : {}),
    ...(twimlAppSid ? { twimlAppSid } : {}),
    ...(inbox.channel === 'whatsapp' ? { whatsappTemplates: adminTwilioTemplates(whatsappTemplates) } : {}),
  };
}

const TWILIO_KINDS: readonly ChannelKind[] = ['sms', 'whatsapp', 'voice'];

/** Finds the inbox of a Twilio webhook: the config-defined one first, then admin-configured inboxes. */
export function createTwilioInboxDirectory(deps: {
  configInbox: TwilioInboxConfig | null;
  inboxes: Pick<InboxDirectory, 'findById' | 'findByAddress'>;
}): TwilioInboxDirectory {
  const { configInbox } = deps;
  return {
    async findById(inboxId) {
      if (configInbox && inboxId === configInbox.inboxId) return configInbox;
      const inbox = await deps.inboxes.findById(inboxId);
      return inbox && TWILIO_KINDS.includes(inbox.channel) ? twilioInboxFromAdmin(inbox) : null;
    },
    async findByAddress(channel, address) {
      if (configInbox) {
        const ours = channel === 'whatsapp' ? configInbox.whatsappNumber : configInbox.phoneNumber;
        if (ours === address) return configInbox;
      }
      for (const candidate of [address, `whatsapp:${address}`]) {
        const inbox = await deps.inboxes.findByAddress(channel, candidate);
        if (inbox) return twilioInboxFromAdmin(inbox);
        if (channel !== 'whatsapp') break;
      }
      return null;
    },
  };
}
