import { z } from 'zod';

/**
 * The parts of a Telegram `Update` the connector reads (https://core.telegram.org/bots/api#update),
 * validated after the secret-token check. Unknown fields pass (Telegram adds fields over time); what we
 * read has a type and a bound.
 */
const User = z.object({
  id: z.number().int(),
  is_bot: z.boolean().optional(),
  first_name: z.string().max(256).optional(),
  last_name: z.string().max(256).optional(),
  username: z.string().max(64).optional(),
  language_code: z.string().max(35).optional(),
});

const Chat = z.object({
  id: z.number().int(),
  type: z.enum(['private', 'group', 'supergroup', 'channel']),
  title: z.string().max(256).optional(),
  username: z.string().max(64).optional(),
});

const PhotoSize = z.object({
  file_id: z.string().min(1).max(512),
  file_unique_id: z.string().max(512).optional(),
  width: z.number().int().optional(),
  height: z.number().int().optional(),
  file_size: z.number().int().nonnegative().optional(),
});

const FileRef = z.object({
  file_id: z.string().min(1).max(512),
  file_unique_id: z.string().max(512).optional(),
  file_name: z.string().max(1024).optional(),
  mime_type: z.string().max(255).optional(),
  file_size: z.number().int().nonnegative().optional(),
  duration: z.number().int().nonnegative().optional(),
});

export const TelegramMessageSchema = z.object({
  message_id: z.number().int(),
  date: z.number().int().positive(),
  chat: Chat,
  from: User.optional(),
  text: z.string().max(8192).optional(),
  caption: z.string().max(2048).optional(),
  photo: z.array(PhotoSize).max(20).optional(),
  document: FileRef.optional(),
  voice: FileRef.optional(),
  audio: FileRef.optional(),
  video: FileRef.optional(),
  sticker: z.object({ file_id: z.string().max(512), emoji: z.string().max(32).optional() }).optional(),
  location: z.object({ latitude: z.number(), longitude: z.number() }).optional(),
  contact: z
    .object({ phone_number: z.string().max(32), first_name: z.string().max(256).optional() })
    .optional(),
});
export type TelegramMessage = z.infer<typeof TelegramMessageSchema>;

export const TelegramUpdateSchema = z.object({
  update_id: z.number().int().nonnegative(),
  message: TelegramMessageSchema.optional(),
  edited_message: TelegramMessageSchema.optional(),
  channel_post: TelegramMessageSchema.optional(),
  edited_channel_post: TelegramMessageSchema.optional(),
});
export type TelegramUpdate = z.infer<typeof TelegramUpdateSchema>;

/** A Bot API answer (`{ok, result}` or `{ok: false, error_code, description, parameters}`). */
export const BotApiAnswerSchema = z.object({
  ok: z.boolean(),
  result: z.unknown().optional(),
  error_code: z.number().int().optional(),
  description: z.string().optional(),
  parameters: z.object({ retry_after: z.number().optional() }).optional(),
});

export const SentMessageSchema = z.object({
  message_id: z.number().int(),
  chat: z.object({ id: z.number().int() }),
});
