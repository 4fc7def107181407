/**
 * What the hub agrees to store and serve (pure). Attachments come from customers and providers: anything
 * a browser could run (HTML, SVG, scripts) or an agent could launch (executables) is refused, whatever
 * content type the sender claimed.
 */

const ALLOWED_EXACT = new Set([
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'image/heic',
  'image/heif',
  'image/bmp',
  'image/tiff',
  'application/pdf',
  'text/plain',
  'text/csv',
  'text/calendar',
  'text/vcard',
  'text/x-vcard',
  'application/rtf',
  'application/msword',
  'application/vnd.ms-excel',
  'application/vnd.ms-powerpoint',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'application/vnd.oasis.opendocument.text',
  'application/vnd.oasis.opendocument.spreadsheet',
  'application/vnd.oasis.opendocument.presentation',
]);

/** Audio and video of any codec (voice notes arrive as amr, ogg/opus, mp4, 3gpp ...). */
const ALLOWED_PREFIXES = ['audio/', 'video/'];

/** `Image/JPEG; charset=binary` → `image/jpeg`; null when it is not a type/subtype. */
export function normalizeContentType(value: string | null | undefined): string | null {
  const base = (value ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/.test(base) ? base : null;
}

export function isAllowedContentType(contentType: string): boolean {
  const type = normalizeContentType(contentType);
  if (!type) return false;
  return ALLOWED_EXACT.has(type) || ALLOWED_PREFIXES.some((prefix) => type.startsWith(prefix));
}

const EXECUTABLE_MAGIC: Buffer[] = [
  Buffer.from('MZ'), // Windows PE
  Buffer.from([0x7f, 0x45, 0x4c, 0x46]), // ELF
  Buffer.from([0xcf, 0xfa, 0xed, 0xfe]), // Mach-O 64
  Buffer.from([0xce, 0xfa, 0xed, 0xfe]), // Mach-O 32
  Buffer.from([0xca, 0xfe, 0xba, 0xbe]), // Mach-O fat / Java class
  Buffer.from('#!'), // scripts
];
const HTML_MARKERS = ['<!doctype html', '<html', '<script', '<svg', '<?xml-stylesheet'];

/**
 * True when the first bytes show an executable or markup a browser would render, whatever the declared
 * type: a `.exe` sent as `image/png` is still refused.
 */
export function looksDangerous(head: Buffer): boolean {
  if (
    EXECUTABLE_MAGIC.some(
      (magic) => head.length >= magic.length && head.subarray(0, magic.length).equals(magic),
    )
  )
    return true;
  const text = head
    .subarray(0, 512)
    .toString('latin1')
    .replace(/^[\s\uFEFF\u00EF\u00BB\u00BF]+/, '')
    .toLowerCase();
  return HTML_MARKERS.some((marker) => text.startsWith(marker));
}

/**
 * A display filename: no directories, no control characters, at most 200 characters. It is only ever
 * shown and sent in Content-Disposition, never used as a path.
 */
export function sanitizeFilename(name: string | null | undefined, fallback = 'attachment'): string {
  const base = (name ?? '').split(/[\\/]/).pop() ?? '';
  const cleaned = base
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f"]/g, '')
    .trim()
    .replace(/^\.+/, '');
  return (cleaned || fallback).slice(0, 200);
}
