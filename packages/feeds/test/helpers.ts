import { parseFeed, type ParsedFeed, type ParseFeedOptions } from '../src';

export const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Parses and fails the test with the typed error when the feed does not parse. */
export function parseOk(input: string | Uint8Array, opts: Partial<ParseFeedOptions> = {}): ParsedFeed {
  const r = parseFeed(typeof input === 'string' ? enc(input) : input, { url: 'https://feeds.example.com/feed.xml', ...opts });
  if (!r.ok) throw new Error(`expected a feed, got ${r.error.code}: ${r.error.message}`);
  return r.feed;
}
