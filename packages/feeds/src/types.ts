export interface FeedEnclosure {
  url: string;
  type?: string;
  length?: number;
}

export interface FeedEntry {
  /** Stable: guid/id if present, else link, else a hash of title and date. */
  id: string;
  guid?: string;
  /** Plain text. */
  title?: string;
  /** Absolute http(s) URL. */
  link?: string;
  authors: string[];
  published?: Date;
  updated?: Date;
  /** Sanitized HTML. */
  summary?: string;
  /** Sanitized HTML. */
  content?: string;
  categories: string[];
  image?: string;
  enclosures: FeedEnclosure[];
  language?: string;
}

export interface ParsedFeed {
  format: 'rss' | 'atom' | 'json' | 'rdf';
  title?: string;
  link?: string;
  description?: string;
  language?: string;
  ttlMinutes?: number;
  image?: string;
  entries: FeedEntry[];
  charset: string;
  /** WebSub hubs the document advertises (`<link rel="hub">`, JSON Feed `hubs`); absolute http(s). */
  hubs: string[];
  /** The feed's own URL as it states it (`rel="self"`, JSON Feed `feed_url`): the WebSub topic. */
  self?: string;
}

export type FeedErrorCode = 'too-large' | 'not-a-feed' | 'malformed' | 'hostile' | 'empty';

export interface FeedError {
  code: FeedErrorCode;
  message: string;
}

export type FeedParseResult = { ok: true; feed: ParsedFeed } | { ok: false; error: FeedError };

export interface ParseFeedOptions {
  url: string;
  contentType?: string;
  contentLocation?: string;
  /** Default 10 MiB. */
  maxBytes?: number;
  /** Default 1000; later entries are dropped. */
  maxEntries?: number;
  /** Reserved for relative dates; parsing itself is deterministic. */
  now?: Date;
}
