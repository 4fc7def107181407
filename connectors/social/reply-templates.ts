import { z } from 'zod';
import type { ReplyTemplate } from '../channel';
import { countTemplateVariables } from '../reply-window';

/**
 * An inbox's approved WhatsApp templates as configured (a config variable or the admin inbox's
 * `whatsappTemplates` credential): a JSON array of `{name, language, body, contentSid?}`, `body` with
 * `{{1}}`…`{{n}}` as approved by the provider. `contentSid` (Twilio's Content API, `HX…`) is what a Twilio
 * send names the template by; WhatsApp Cloud sends by name and language.
 */
const TemplateEntrySchema = z.object({
  name: z
    .string()
    .regex(/^[a-z0-9_]{1,512}$/, 'template names are lowercase letters, digits and underscores'),
  language: z.string().regex(/^[A-Za-z]{2,3}(_[A-Za-z0-9]{2,4})?$/, 'a language code such as zh_CN or en'),
  body: z.string().min(1).max(1024),
  contentSid: z
    .string()
    .regex(/^HX[0-9a-fA-F]{32}$/, 'a Twilio Content SID (HX + 32 hex digits)')
    .optional(),
});
const TemplateListSchema = z.array(TemplateEntrySchema).max(200);

/**
 * Parses a template list; throws an Error naming `source` and the first problem. `requireContentSid`:
 * Twilio inboxes, whose sends need the Content SID.
 */
export function parseReplyTemplates(
  json: string,
  options: { source: string; requireContentSid?: boolean },
): ReplyTemplate[] {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new Error(`${options.source}: not valid JSON`);
  }
  const parsed = TemplateListSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `${options.source}: ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'invalid'}`.trim(),
    );
  }
  return parsed.data.map((entry, index) => {
    if (options.requireContentSid && !entry.contentSid)
      throw new Error(`${options.source}: ${index}.contentSid is required for Twilio WhatsApp templates`);
    return {
      name: entry.name,
      language: entry.language,
      body: entry.body,
      variables: countTemplateVariables(entry.body),
      ...(entry.contentSid ? { providerId: entry.contentSid } : {}),
    };
  });
}
