import type { Config } from '../../server/config';
import type { ReplyTemplate } from '../channel';
import { WHATSAPP_TEMPLATES } from '../reply-window';
import { parseReplyTemplates } from '../social/reply-templates';

/**
 * WhatsApp through Twilio outside the 24 h window: only approved Content templates, sent with `ContentSid`
 * and `ContentVariables` (`{"1": "…"}`) on the Messages API instead of `Body`. Each Twilio inbox lists the
 * templates it may send; the reply-window engine offers exactly those.
 *
 * The demo's templates: the WhatsApp Cloud demo list with Content SIDs the built-in stub knows.
 */
export const DEMO_TWILIO_WHATSAPP_TEMPLATES: readonly ReplyTemplate[] = WHATSAPP_TEMPLATES.map(
  (template, index) => ({ ...template, providerId: `HX${'d'.repeat(31)}${index + 1}` }),
);

/** The config-defined inbox's templates: TWILIO_WHATSAPP_TEMPLATES, else the demo's in demo mode. */
export function configTwilioTemplates(config: Config): readonly ReplyTemplate[] {
  if (config.TWILIO_WHATSAPP_TEMPLATES)
    return parseReplyTemplates(config.TWILIO_WHATSAPP_TEMPLATES, {
      source: 'TWILIO_WHATSAPP_TEMPLATES',
      requireContentSid: true,
    });
  return config.TWILIO_DEMO ? DEMO_TWILIO_WHATSAPP_TEMPLATES : [];
}

/**
 * An admin inbox's `whatsappTemplates` credential (same JSON); a list that does not parse offers no
 * templates rather than disabling the inbox.
 */
export function adminTwilioTemplates(json: string | undefined): readonly ReplyTemplate[] {
  if (!json) return [];
  try {
    return parseReplyTemplates(json, { source: 'whatsappTemplates', requireContentSid: true });
  } catch {
    return [];
  }
}

/** `ContentVariables` as Twilio takes it: a JSON object keyed "1"…"n". */
export function contentVariables(values: readonly string[]): string {
  return JSON.stringify(Object.fromEntries(values.map((value, index) => [String(index + 1), value])));
}
