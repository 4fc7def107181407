import { XMLParser } from 'fast-xml-parser';
import { z } from 'zod';

/**
 * WeChat's XML messages → flat string fields. Tag values stay strings (MsgId exceeds JavaScript's safe
 * integers), CDATA is read as text, entities are not expanded beyond XML's own, and DOCTYPEs are refused by
 * the parser (no entity expansion attacks).
 */
const parser = new XMLParser({
  parseTagValue: false,
  ignoreAttributes: true,
  trimValues: true,
  processEntities: true,
  htmlEntities: false,
});

export function parseWechatXml(xml: string): Record<string, string> | null {
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) return null;
  let parsed: unknown;
  try {
    parsed = parser.parse(xml);
  } catch {
    return null;
  }
  const root = (parsed as { xml?: unknown } | null)?.xml;
  if (typeof root !== 'object' || root === null) return null;
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(root as Record<string, unknown>))
    if (typeof value === 'string' || typeof value === 'number') fields[key] = String(value);
  return fields;
}

const text = (max: number) => z.string().max(max);

/** The fields the connector reads, after the signature check (and decryption in safe mode). */
export const WechatMessageSchema = z.object({
  ToUserName: text(64).min(1),
  FromUserName: text(64).min(1),
  CreateTime: z.string().regex(/^\d{1,12}$/),
  MsgType: text(32).min(1),
  MsgId: z
    .string()
    .regex(/^\d{1,24}$/)
    .optional(),
  Content: text(20_000).optional(),
  PicUrl: text(2048).optional(),
  MediaId: text(256).optional(),
  Format: text(32).optional(),
  Recognition: text(4000).optional(),
  Location_X: text(32).optional(),
  Location_Y: text(32).optional(),
  Label: text(500).optional(),
  Title: text(500).optional(),
  Description: text(2000).optional(),
  Url: text(2048).optional(),
  Event: text(64).optional(),
  EventKey: text(1000).optional(),
  Ticket: text(500).optional(),
});
export type WechatMessage = z.infer<typeof WechatMessageSchema>;

/** The safe-mode envelope: the Encrypt field (and the account it is for). */
export const WechatEnvelopeSchema = z.object({
  ToUserName: text(64).optional(),
  Encrypt: z.string().min(1).max(200_000),
});
