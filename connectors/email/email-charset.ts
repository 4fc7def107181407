/**
 * Charset repair for mail that mailparser's first reading leaves with U+FFFD (pure, no I/O): raw 8-bit
 * headers in a legacy charset, encoded words labelled GB2312 that need GBK/GB18030, Big5 that needs the
 * HKSCS superset, 8-bit bodies whose declared charset is wrong or missing, undeclared ISO-2022-JP. The
 * repaired bytes are parsed a second time with `FallbackIconv` deciding how each text part decodes.
 */
import { Transform, type TransformCallback } from 'node:stream';
import iconv from 'iconv-lite';

/** Marks a text part whose charset we relabelled so `FallbackIconv` sees it (mailparser skips UTF-8). */
const RELABEL_PREFIX = 'x-omnihub-';
/** What legacy mail usually is when a label lies or is missing: tried in order, the first clean one wins. */
const FALLBACK_CHARSETS = ['utf-8', 'gb18030', 'big5hkscs', 'shift_jis', 'euc-jp', 'cp949', 'windows-1252'];

/** Supersets of what senders label their mail (GB2312 mail routinely holds GBK characters). */
export function widenCharset(label: string): string {
  const name = label.toLowerCase().replace(/^x-/, '').trim();
  if (['gb2312', 'gbk', 'cp936', 'euc-cn', 'gb_2312-80', 'chinese', 'csgb2312'].includes(name))
    return 'gb18030';
  if (['big5', 'big-5', 'cn-big5', 'csbig5', 'cp950', 'big5-hkscs'].includes(name)) return 'big5hkscs';
  if (['ks_c_5601-1987', 'euc-kr', 'ks_c_5601', 'korean', 'ksc5601', 'windows-949'].includes(name))
    return 'cp949';
  if (['sjis', 'shift-jis', 'ms_kanji', 'windows-31j', 'cp932', 'x-sjis'].includes(name)) return 'shift_jis';
  if (['us-ascii', 'ascii', 'iso-8859-1', 'latin1'].includes(name)) return 'windows-1252';
  return name;
}

/** ESC $ B / ESC $ @: the start of a JIS X 0208 run. */
const ISO_2022_JP_ESCAPE = new RegExp(`${String.fromCharCode(0x1b)}\\$[B@]`);

const replacementCount = (text: string) => text.split('\uFFFD').length - 1;

/**
 * ISO-2022-JP (RFC 1468) → text. iconv-lite has no ISO-2022-JP codec, so the JIS X 0208 runs are shifted
 * into EUC-JP and decoded by its codec; half-width katakana (`ESC ( I`) too.
 */
export function decodeIso2022Jp(bytes: Buffer): string {
  const out: number[] = [];
  let mode: 'ascii' | 'jis' | 'kana' = 'ascii';
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] ?? 0;
    if (byte === 0x1b) {
      const seq = bytes.subarray(i + 1, i + 3).toString('latin1');
      if (seq === '$B' || seq === '$@') mode = 'jis';
      else if (seq === '(B' || seq === '(J') mode = 'ascii';
      else if (seq === '(I') mode = 'kana';
      else continue;
      i += 2;
      continue;
    }
    if (byte === 0x0a || byte === 0x0d) {
      mode = 'ascii';
      out.push(byte);
    } else if (mode === 'jis' && byte > 0x20 && byte < 0x7f) {
      out.push(byte | 0x80, (bytes[i + 1] ?? 0x21) | 0x80);
      i++;
    } else if (mode === 'kana' && byte > 0x20 && byte < 0x60) out.push(0x8e, byte | 0x80);
    else out.push(byte);
  }
  return iconv.decode(Buffer.from(out), 'euc-jp');
}

/** True when a decoded string still holds ISO-2022-JP escape sequences (an undeclared Japanese body). */
export function hasIso2022JpEscapes(text: string): boolean {
  return ISO_2022_JP_ESCAPE.test(text);
}

/**
 * Bytes → text under a label, falling back when the label lies: the label (widened) first, then common
 * mail charsets; the first reading without replacement characters wins, else the one with the fewest.
 */
export function decodeWithFallback(bytes: Buffer, label: string | undefined): string {
  const declared = label ? widenCharset(label) : 'utf-8';
  if (
    declared === 'iso-2022-jp' ||
    (bytes.includes(0x1b) && ISO_2022_JP_ESCAPE.test(bytes.toString('latin1')))
  )
    return decodeIso2022Jp(bytes);
  let best: string | null = null;
  for (const charset of [declared, ...FALLBACK_CHARSETS.filter((name) => name !== declared)]) {
    if (!iconv.encodingExists(charset)) continue;
    const text = iconv.decode(bytes, charset);
    if (replacementCount(text) === 0) return text;
    if (best === null || replacementCount(text) < replacementCount(best)) best = text;
  }
  return iconv.decode(bytes, 'latin1') || (best ?? '');
}

/**
 * mailparser's `Iconv` option: a decoder per text part. Buffers the part (a multibyte character may span
 * chunks) and decodes it at the end with `decodeWithFallback`. Labels we relabelled carry their original.
 */
export class FallbackIconv extends Transform {
  private readonly label: string;
  private readonly chunks: Buffer[] = [];

  constructor(label: string) {
    super();
    const lower = label.toLowerCase();
    this.label = lower.startsWith(RELABEL_PREFIX) ? lower.slice(RELABEL_PREFIX.length) : lower;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.chunks.push(chunk);
    done();
  }

  override _flush(done: TransformCallback): void {
    const label = this.label === 'none' ? undefined : this.label;
    this.push(Buffer.from(decodeWithFallback(Buffer.concat(this.chunks), label), 'utf8'));
    done();
  }
}

const isValidUtf8 = (bytes: Buffer): boolean => !bytes.toString('utf8').includes('\uFFFD');
const hasEightBit = (bytes: Buffer): boolean => /[\x80-\xff]/.test(bytes.toString('latin1'));

const SINGLE_BYTE = /^(windows-125\d|iso-8859-\d+|koi8-[ru])$/;

/**
 * A guess for raw 8-bit headers: the first multibyte charset the message declares anywhere (headers in
 * GB2312 often sit above an ISO-8859-1 text part), else the first declared one.
 */
function declaredCharset(raw: Buffer): string | undefined {
  const labels = [
    ...raw
      .subarray(0, 256 * 1024)
      .toString('latin1')
      .matchAll(/charset\s*=\s*"?([A-Za-z0-9_.:-]+)/gi),
  ]
    .map((match) => widenCharset(match[1] ?? ''))
    .filter((name) => name && !['utf-8', 'utf8'].includes(name));
  return labels.find((name) => !SINGLE_BYTE.test(name)) ?? labels[0];
}

/** Rewrites one header block: 8-bit bytes to UTF-8, encoded-word labels widened, text charsets relabelled. */
function repairHeaderBlock(block: Buffer, guess: string | undefined): string {
  let text = isValidUtf8(block) ? block.toString('utf8') : decodeWithFallback(block, guess);
  text = text.replace(/=\?([^?\s]+)\?([bBqQ])\?/g, (_all, label: string, encoding: string) => {
    const widened = widenCharset(label);
    return `=?${widened === 'windows-1252' ? label : widened}?${encoding}?`;
  });
  // Text parts get a label `FallbackIconv` receives (mailparser hands UTF-8 and ASCII parts to nobody).
  return text.replace(
    /^(content-type:[ \t]*text\/[a-z0-9.+-]+)([^\n]*(?:\n[ \t][^\n]*)*)/gim,
    (_all, type: string, params: string) => {
      if (/charset\s*=/i.test(params))
        return `${type}${params.replace(/charset\s*=\s*"?([^";\s]+)"?/i, `charset="${RELABEL_PREFIX}$1"`)}`;
      return `${type}; charset="${RELABEL_PREFIX}none"${params}`;
    },
  );
}

/**
 * The raw message with every header block (the message's and each MIME part's) repaired, bodies untouched.
 * Header blocks are found at the top and after each boundary delimiter line the message declares.
 */
export function repairRawMessage(raw: Buffer): Buffer {
  const guess = declaredCharset(raw);
  const latin = raw.toString('latin1');
  const boundaries = [...latin.matchAll(/boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/gi)]
    .map((match) => match[1] ?? match[2] ?? '')
    .filter(Boolean);
  const starts = new Set<number>([0]);
  for (const boundary of boundaries) {
    const marker = `--${boundary}`;
    for (let at = latin.indexOf(marker); at >= 0; at = latin.indexOf(marker, at + marker.length)) {
      const lineEnd = latin.indexOf('\n', at);
      if (lineEnd >= 0 && latin.slice(at + marker.length, lineEnd).trim() === '') starts.add(lineEnd + 1);
    }
  }
  const pieces: Buffer[] = [];
  let cursor = 0;
  for (const start of [...starts].sort((a, b) => a - b)) {
    if (start < cursor) continue;
    const blank = /\r?\n\r?\n/.exec(latin.slice(start));
    const end = blank ? start + blank.index : raw.length;
    pieces.push(raw.subarray(cursor, start));
    const block = raw.subarray(start, end);
    pieces.push(
      hasEightBit(block) || /charset|=\?|content-type/i.test(block.toString('latin1'))
        ? Buffer.from(repairHeaderBlock(block, guess), 'utf8')
        : block,
    );
    cursor = end;
  }
  pieces.push(raw.subarray(cursor));
  return Buffer.concat(pieces);
}

/** Counts replacement characters, for choosing between two readings. */
export { replacementCount };
