import sanitizeHtml from 'sanitize-html';

/**
 * Email HTML → safe HTML (pure). An allowlist of formatting tags; links keep http(s)/mailto only and open
 * safely; images survive only when they are inline (`cid:` parts or `data:` URIs): a remote image is a
 * tracking pixel or worse, so it is removed before the HTML is stored or shown.
 */
const OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [
    ...sanitizeHtml.defaults.allowedTags.filter((tag) => tag !== 'img'),
    'img',
    'span',
    'font',
    'center',
    'u',
    's',
  ],
  allowedAttributes: {
    a: ['href', 'name', 'title'],
    img: ['src', 'alt', 'width', 'height'],
    font: ['color', 'size'],
    td: ['colspan', 'rowspan', 'align', 'valign'],
    th: ['colspan', 'rowspan', 'align', 'valign'],
    table: ['border', 'cellpadding', 'cellspacing', 'width'],
    '*': ['dir', 'lang'],
  },
  allowedSchemes: ['http', 'https', 'mailto', 'tel'],
  allowedSchemesByTag: { img: ['cid', 'data'] },
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  // An <img> whose src was not inline lost it above; drop the empty tag entirely.
  exclusiveFilter: (frame) => frame.tag === 'img' && !frame.attribs.src,
  transformTags: {
    a: sanitizeHtml.simpleTransform('a', { rel: 'noopener noreferrer nofollow', target: '_blank' }),
  },
};
OPTIONS.allowedAttributes = { ...OPTIONS.allowedAttributes, a: ['href', 'name', 'title', 'rel', 'target'] };

/** The same allowlist, but remote (http/https) images keep their `src`: what an agent sees after asking. */
const WITH_REMOTE_IMAGES: sanitizeHtml.IOptions = {
  ...OPTIONS,
  allowedSchemesByTag: { img: ['cid', 'data', 'http', 'https'] },
};

/**
 * Sanitizes email HTML. By default remote images are removed; `remoteImages: true` keeps them for the
 * copy the agent app shows only when the agent asks (its frame blocks them until then).
 */
export function sanitizeMessageHtml(html: string, options: { remoteImages?: boolean } = {}): string {
  return sanitizeHtml(html, options.remoteImages ? WITH_REMOTE_IMAGES : OPTIONS);
}
