/**
 * SMS segment arithmetic for the composer (pure). A message that fits the GSM 03.38 alphabet is sent as
 * GSM-7: 160 septets in one segment, 153 per segment once concatenated (the UDH takes 7). Characters of the
 * extension table (`^{}\[~]|€` and form feed) cost two septets (an escape plus the character) and are never
 * split across segments. Anything else (Chinese above all) forces UCS-2: 70 UTF-16 code units in one
 * segment, 67 per concatenated segment, and a surrogate pair (emoji) is never split.
 */

const GSM7_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM7_EXTENSION = '^{}\\[~]|€\f';

const basic = new Set(GSM7_BASIC);
const extension = new Set(GSM7_EXTENSION);

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SmsSegmentInfo {
  encoding: SmsEncoding;
  /** Number of segments the provider will bill (0 for an empty text). */
  segments: number;
  /** Septets (GSM-7) or UTF-16 code units (UCS-2) the text takes. */
  units: number;
  /** Capacity of one segment at this length: 160/153 (GSM-7) or 70/67 (UCS-2). */
  unitsPerSegment: number;
  /** Units left in the last segment before another one is needed. */
  remainingInSegment: number;
}

/** True when every character of `text` is in the GSM-7 basic or extension table. */
export function isGsm7(text: string): boolean {
  for (const char of text) if (!basic.has(char) && !extension.has(char)) return false;
  return true;
}

/** Splits `units` (the cost of each character, in order) into segments of `size`, never splitting one. */
function countSegments(costs: number[], size: number): { segments: number; lastFill: number } {
  let segments = 1;
  let fill = 0;
  for (const cost of costs) {
    if (fill + cost > size) {
      segments += 1;
      fill = 0;
    }
    fill += cost;
  }
  return { segments, lastFill: fill };
}

/** How `text` is encoded and how many SMS segments it takes. */
export function smsSegments(text: string): SmsSegmentInfo {
  const gsm = isGsm7(text);
  const single = gsm ? 160 : 70;
  const multi = gsm ? 153 : 67;
  // One cost per user-perceived code point: GSM escapes cost 2, astral characters (surrogate pairs) cost 2.
  const costs = Array.from(text, (char) => (gsm ? (extension.has(char) ? 2 : 1) : char.length));
  const units = costs.reduce((sum, cost) => sum + cost, 0);
  const encoding: SmsEncoding = gsm ? 'GSM-7' : 'UCS-2';
  if (units === 0)
    return { encoding, segments: 0, units, unitsPerSegment: single, remainingInSegment: single };
  if (units <= single)
    return { encoding, segments: 1, units, unitsPerSegment: single, remainingInSegment: single - units };
  const { segments, lastFill } = countSegments(costs, multi);
  return { encoding, segments, units, unitsPerSegment: multi, remainingInSegment: multi - lastFill };
}
