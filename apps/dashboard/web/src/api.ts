import { createClient, type Client } from 'graphql-ws';

const KEY = 'newsline.apiKey';

export const apiKey = {
  get: (): string => localStorage.getItem(KEY) ?? '',
  set: (v: string) => (v ? localStorage.setItem(KEY, v) : localStorage.removeItem(KEY)),
};

export class GqlError extends Error {
  constructor(
    message: string,
    public readonly code?: string,
  ) {
    super(message);
  }
}

/** A GraphQL request to the gateway through the dashboard's own origin, with the stored API key. */
export async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const key = apiKey.get();
  const res = await fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { 'x-api-key': key } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json().catch(() => ({}))) as { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
  const e = body.errors?.[0];
  if (e) throw new GqlError(e.message, e.extensions?.code);
  if (!body.data) throw new GqlError(`HTTP ${res.status}`);
  return body.data;
}

/** One graphql-ws connection per API key; it reconnects for as long as the page is open. */
export function liveClient(key: string, onStatus: (s: 'connecting' | 'live' | 'down') => void): Client {
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
  return createClient({
    url,
    connectionParams: key ? { 'x-api-key': key } : {},
    retryAttempts: Infinity,
    shouldRetry: () => true,
    on: {
      connecting: () => onStatus('connecting'),
      connected: () => onStatus('live'),
      closed: () => onStatus('down'),
    },
  });
}

export interface SourceInfo {
  id: string;
  key: string;
  name: string;
  homepage: string;
  paused: boolean;
  country: string | null;
  languages: string[];
  attribution: string;
  counts: { articles: number; feeds: number };
  health: { status: string; feeds: number; failingFeeds: number; lastSuccessAt: string | null };
  feeds: {
    id: string;
    url: string;
    paused: boolean;
    lastFetchAt: string | null;
    consecutiveErrors: number;
    lastError: string | null;
    nextPollAt: string | null;
    kind: string;
    mode: string;
    discoveredVia: string | null;
  }[];
}

/** WebSub state and last discovery per source: a query of its own, as the list query's cost budget has no room for them. */
export interface SourceDetails {
  id: string;
  feeds: { id: string; websub: { hub: string; state: string; expiresAt: string | null; pushes: number; rejectedPushes: number } | null }[];
  discovery: {
    at: string | null;
    error: string | null;
    feeds: { url: string; via: string; format: string }[];
    rejected: { url: string; via: string; reason: string }[];
    sitemaps: { url: string; urls: number; news: number }[];
  } | null;
}

export const SOURCE_DETAILS_QUERY = `query { sources(first: 80) { id
  feeds { id websub { hub state expiresAt pushes rejectedPushes } }
  discovery { at error feeds { url via format } rejected { url via reason } sitemaps { url urls news } }
} }`;

export const SOURCES_QUERY = `query { sources(first: 80) {
  id key name homepage paused country languages attribution
  counts { articles feeds }
  health { status feeds failingFeeds lastSuccessAt }
  feeds { id url paused lastFetchAt consecutiveErrors lastError nextPollAt kind mode discoveredVia }
} }`;

export interface Headline {
  id: string;
  title: string;
  url: string;
  sourceUrl: string;
  publishedAt: string;
  language: string | null;
  country: string | null;
  source: { id: string; name?: string; attribution?: string };
  storyId?: string | null;
  live?: boolean;
}

export function ago(iso: string | null | undefined): string {
  if (!iso) return '—';
  const s = Math.round((Date.now() - Date.parse(iso)) / 1000);
  const f = (n: number) =>
    n < 60 ? `${n}s` : n < 3600 ? `${Math.round(n / 60)}m` : n < 172800 ? `${Math.round(n / 3600)}h` : `${Math.round(n / 86400)}d`;
  return s < 0 ? `in ${f(-s)}` : `${f(s)} ago`;
}
