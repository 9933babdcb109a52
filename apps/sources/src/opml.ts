import { XMLParser } from 'fast-xml-parser';

export interface OpmlFeed {
  url: string;
  title?: string;
  homepage?: string;
}

interface Outline {
  '@_xmlUrl'?: string;
  '@_htmlUrl'?: string;
  '@_title'?: string;
  '@_text'?: string;
  outline?: Outline | Outline[];
}

/** Every outline with an xmlUrl, at any depth (categories nest feeds). Throws on malformed XML. */
export function parseOpml(xml: string): OpmlFeed[] {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    processEntities: true,
    isArray: (name) => name === 'outline',
  });
  const doc = parser.parse(xml) as { opml?: { body?: { outline?: Outline[] } } };
  if (!doc.opml?.body) throw new Error('not an OPML document (no opml/body)');
  const out: OpmlFeed[] = [];
  const walk = (list: Outline[] | Outline | undefined) => {
    for (const o of Array.isArray(list) ? list : list ? [list] : []) {
      if (o['@_xmlUrl']) out.push({ url: o['@_xmlUrl'].trim(), title: o['@_title'] ?? o['@_text'], homepage: o['@_htmlUrl'] });
      walk(o.outline);
    }
  };
  walk(doc.opml.body.outline);
  return out;
}
