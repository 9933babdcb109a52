import { XMLParser } from 'fast-xml-parser';
import { UsageError } from './errors';

export interface OpmlOutline {
  xmlUrl: string;
  htmlUrl?: string;
  title?: string;
}

interface Node {
  '@_xmlUrl'?: string;
  '@_htmlUrl'?: string;
  '@_title'?: string;
  '@_text'?: string;
  outline?: Node[];
}

/** Every feed outline at any depth, as the sources subgraph reads them. */
export function readOpml(xml: string): OpmlOutline[] {
  let doc: { opml?: { body?: { outline?: Node[] } } };
  try {
    doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', isArray: (n) => n === 'outline' }).parse(xml) as typeof doc;
  } catch (err) {
    throw new UsageError(`not valid XML: ${(err as Error).message}`);
  }
  if (!doc.opml?.body) throw new UsageError('not an OPML document (no opml/body)');
  const out: OpmlOutline[] = [];
  const walk = (list: Node[] = []) => {
    for (const o of list) {
      if (o['@_xmlUrl']) out.push({ xmlUrl: o['@_xmlUrl'], htmlUrl: o['@_htmlUrl'], title: o['@_title'] ?? o['@_text'] });
      walk(o.outline);
    }
  };
  walk(doc.opml.body.outline);
  return out;
}

const attr = (v: string) => v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A flat OPML of some outlines: the import sends the file in chunks so it can show progress. */
export function writeOpml(outlines: OpmlOutline[]): string {
  const lines = outlines.map(
    (o) =>
      `<outline type="rss" xmlUrl="${attr(o.xmlUrl)}"${o.htmlUrl ? ` htmlUrl="${attr(o.htmlUrl)}"` : ''}${o.title ? ` text="${attr(o.title)}" title="${attr(o.title)}"` : ''}/>`,
  );
  return `<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0"><head><title>newsline import</title></head><body>\n${lines.join('\n')}\n</body></opml>\n`;
}
