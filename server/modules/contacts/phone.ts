import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

/** National numbers without a country code are read as Chinese: the product's home market. */
export const DEFAULT_PHONE_REGION: CountryCode = 'CN';

/**
 * A phone number as E.164 (`+8613800138000`), or null when it is not a valid number. Accepts what
 * channels hand over: `whatsapp:+86…`, `tel:…`, spaces, dashes, `00` international prefixes, national
 * numbers (read in `region`).
 */
export function normalizePhone(input: string, region: CountryCode = DEFAULT_PHONE_REGION): string | null {
  let text = input.trim().replace(/^(whatsapp|tel|sms|sip):/i, '');
  if (!text || text.length > 40) return null;
  if (text.startsWith('00')) text = `+${text.slice(2)}`;
  const phone = parsePhoneNumberFromString(text, region);
  return phone?.isValid() ? phone.number : null;
}

/** True when the text looks like an attempt at a phone number (digits with phone punctuation). */
export function looksLikePhone(text: string): boolean {
  return /^[+(]?[\d\s().-]{5,}$/.test(text.trim());
}

/** Lowercased, trimmed email, or null when it is not shaped like one. */
export function normalizeEmail(input: string): string | null {
  const email = input
    .trim()
    .toLowerCase()
    .replace(/^mailto:/, '');
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) && email.length <= 320 ? email : null;
}
