/**
 * A small reader for the TwiML documents the hub produces (elements, attributes, text, CDATA-free): enough
 * for the local stub to play a call the way Twilio would. Not a general XML parser.
 */
export interface TwimlNode {
  name: string;
  attributes: Record<string, string>;
  children: TwimlNode[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(value: string): string {
  return value.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, entity: string) => {
    if (entity.startsWith('#x') || entity.startsWith('#X'))
      return String.fromCodePoint(parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(parseInt(entity.slice(1), 10));
    return ENTITIES[entity.toLowerCase()] ?? whole;
  });
}

/** Parses a TwiML document and returns its root element (`<Response>`). Throws on malformed input. */
export function parseTwiml(xml: string): TwimlNode {
  const source = xml.replace(/<\?xml[^?]*\?>/, '').replace(/<!--[\s\S]*?-->/g, '');
  const root: TwimlNode = { name: '#document', attributes: {}, children: [], text: '' };
  const stack: TwimlNode[] = [root];
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|([^<]+)/g;
  let match: RegExpExecArray | null;
  while ((match = tag.exec(source)) !== null) {
    const current = stack.at(-1)!;
    if (match[5] !== undefined) {
      current.text += decodeEntities(match[5]);
      continue;
    }
    const [, closing, name, rawAttributes, selfClosing] = match;
    if (closing) {
      if (current.name !== name) throw new Error(`malformed TwiML: </${name}> closes <${current.name}>`);
      stack.pop();
      continue;
    }
    const attributes: Record<string, string> = {};
    for (const attribute of (rawAttributes ?? '').matchAll(/([\w:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g))
      attributes[attribute[1]!] = decodeEntities(attribute[2] ?? attribute[3] ?? '');
    const node: TwimlNode = { name: name!, attributes, children: [], text: '' };
    current.children.push(node);
    if (!selfClosing) stack.push(node);
  }
  if (stack.length !== 1) throw new Error('malformed TwiML: unclosed element');
  const response = root.children.find((child) => child.name === 'Response');
  if (!response) throw new Error('TwiML without <Response>');
  return response;
}
