/**
 * Publisher reuse signals: robots directives (meta robots / googlebot, X-Robots-Tag) and the
 * TDM Reservation Protocol (tdm-reservation header or meta). Any of noarchive, noindex or a TDM
 * reservation means: keep headline, summary and link, not the body.
 */
export interface PublisherSignals {
  noarchive: boolean;
  noindex: boolean;
  tdmReserved: boolean;
  /** Human-readable list of what was found, for the stored extraction reason. */
  reasons: string[];
}

const META = /<meta\b[^>]*>/gi;
const attr = (tag: string, name: string) =>
  tag
    .match(new RegExp(`\\b${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i'))
    ?.slice(1)
    .find((v) => v !== undefined);

export function publisherSignals(
  html: string,
  headers: Record<string, string | undefined> = {},
  robotsToken = 'newslinebot',
): PublisherSignals {
  const directives: string[] = [];
  // X-Robots-Tag may be scoped to a bot ("googlebot: noindex"); keep unscoped and our own.
  for (const part of (headers['x-robots-tag'] ?? '').split(/,(?=\s*[a-z-]+\s*:)/i)) {
    const m = part.match(/^\s*([a-z0-9_-]+)\s*:\s*(.*)$/i);
    if (
      m &&
      !/^(noindex|nofollow|none|noarchive|nosnippet|max-|unavailable_after|noimageindex|notranslate|all|index|follow)/i.test(m[1]!)
    ) {
      if (m[1]!.toLowerCase() === robotsToken.toLowerCase()) directives.push(m[2]!);
    } else directives.push(part);
  }
  let tdm = /^\s*1\s*$/.test(headers['tdm-reservation'] ?? '');
  const head = html.slice(0, 200_000).split(/<\/head\s*>/i)[0] ?? '';
  for (const tag of head.match(META) ?? []) {
    const name = attr(tag, 'name')?.toLowerCase();
    const content = attr(tag, 'content') ?? '';
    if (name === 'robots' || name === robotsToken.toLowerCase()) directives.push(content);
    if (name === 'tdm-reservation' && content.trim() === '1') tdm = true;
  }
  const words = new Set(
    directives
      .join(',')
      .toLowerCase()
      .split(/[\s,]+/)
      .filter(Boolean),
  );
  const noindex = words.has('noindex') || words.has('none');
  const noarchive = words.has('noarchive') || words.has('none');
  const reasons = [noindex && 'noindex', noarchive && 'noarchive', tdm && 'tdm-reservation'].filter((r): r is string => !!r);
  return { noarchive, noindex, tdmReserved: tdm, reasons };
}
