import { decodeBytes } from '@newsline/charset';
import { normalizeJson } from './json';
import { normalizeXml } from './normalize';
import type { FeedError, FeedParseResult, ParseFeedOptions } from './types';
import { HostileError, parseXml, stripDoctype } from './xml';

export { parseFeedDate } from './dates';
export { parseSitemap, sitemapsFromRobots, type ParseSitemapOptions, type SitemapEntry, type SitemapParseResult } from './sitemap';
export {
  feedLinksFromHeader,
  findFeedLinks,
  hubLinksOf,
  parseLinkHeader,
  wellKnownFeedUrls,
  type FeedLink,
  type FeedLinkSource,
  type HubLinks,
  type LinkHeaderEntry,
} from './discover';
export type { FeedEnclosure, FeedEntry, FeedError, FeedErrorCode, FeedParseResult, ParsedFeed, ParseFeedOptions } from './types';

const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;
const DEFAULT_MAX_ENTRIES = 1000;

const fail = (code: FeedError['code'], message: string): FeedParseResult => ({ ok: false, error: { code, message } });

function baseUrl(opts: ParseFeedOptions): string | undefined {
  const tryUrl = (u: string | undefined, b?: string): string | undefined => {
    if (!u) return undefined;
    try {
      return new URL(u, b).href;
    } catch {
      return undefined;
    }
  };
  const url = tryUrl(opts.url);
  // Content-Location names the document's own URL and so overrides the request URL as base.
  return tryUrl(opts.contentLocation, url) ?? url;
}

/** Decodes, parses and normalizes a feed document. Never throws. */
export function parseFeed(bytes: Uint8Array, opts: ParseFeedOptions): FeedParseResult {
  try {
    const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
    const maxEntries = Math.max(0, opts.maxEntries ?? DEFAULT_MAX_ENTRIES);
    if (!(bytes instanceof Uint8Array)) return fail('malformed', 'input is not bytes');
    if (bytes.byteLength > maxBytes) return fail('too-large', `feed is ${bytes.byteLength} bytes, limit ${maxBytes}`);
    if (bytes.byteLength === 0) return fail('empty', 'feed is empty');
    const { text, charset } = decodeBytes(bytes, { contentType: opts.contentType, kind: 'xml' });
    const trimmed = text.replace(/^[\s\ufeff]+/, '');
    if (!trimmed) return fail('empty', 'feed has no content');
    const base = baseUrl(opts);
    if (trimmed.startsWith('{')) {
      let json: unknown;
      try {
        json = JSON.parse(trimmed);
      } catch (e) {
        return fail('malformed', `invalid JSON: ${(e as Error).message}`);
      }
      try {
        return { ok: true, feed: normalizeJson(json, base, charset, maxEntries) };
      } catch (e) {
        return fail('not-a-feed', `JSON is not a JSON Feed: ${(e as Error).message}`);
      }
    }
    if (!trimmed.startsWith('<')) return fail('not-a-feed', 'document is neither XML nor JSON');
    let xml: string;
    try {
      // The expansion budget is tied to the input cap so a small document cannot outgrow it.
      xml = stripDoctype(trimmed, Math.max(maxBytes, trimmed.length * 2));
    } catch (e) {
      if (e instanceof HostileError) return fail('hostile', e.message);
      throw e;
    }
    let root;
    try {
      root = parseXml(xml);
    } catch (e) {
      return fail('malformed', `XML error: ${(e as Error).message}`);
    }
    if (!root) return fail('malformed', 'no root element');
    const feed = normalizeXml(root, base, charset, { maxEntries });
    if (!feed) return fail('not-a-feed', `root element <${root.qname}> is not RSS, Atom, RDF or CDF`);
    return { ok: true, feed };
  } catch (e) {
    return fail('malformed', `unexpected parser failure: ${e instanceof Error ? e.message : String(e)}`);
  }
}
