import { EVENTS_CHANNEL, decodeEvent } from '@newsline/domain';
import { Kind, parse, type DocumentNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';
import type Redis from 'ioredis';

/**
 * Root fields whose answers are the same for every caller of one role and may be a few seconds
 * old: the public catalogue (articles, stories, sources). Compliance data (takedowns, audit) is
 * never cached: admins act on it and must see their own writes at once.
 */
export const CACHEABLE_ROOT_FIELDS = new Set(['article', 'headlines', 'search', 'story', 'sources', 'source', '__typename']);

export interface CachedResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

interface Entry extends CachedResponse {
  storedAt: number;
}

export type CacheOutcome = 'hit' | 'stale' | 'miss' | 'shared';

export interface ResponseCacheOptions {
  /** Fresh for this long. */
  ttlMs: number;
  /** Then served for up to this much longer while one background request refreshes it. */
  staleMs: number;
  maxEntries: number;
  /**
   * After an invalidation, answers are passed through but not stored for this long: the subgraphs
   * apply the same removal event on their own connections, a moment later. Default 1000 ms.
   */
  settleMs?: number;
  /**
   * Background refreshes running at once (default 4). Entries cached together expire together:
   * a hundred refreshes started in the same second would take the event loop from the requests
   * being answered; past the bound an entry stays stale until a later request starts its refresh.
   */
  maxRefreshes?: number;
  now?: () => number;
}

/** Largest response kept: bigger pages are rare and would crowd out the headline pages. */
const MAX_BODY_BYTES = 512 * 1024;

/**
 * Whole-response cache in front of the gateway runtime, keyed by role + request. Only successful
 * query results (`data`, no `errors`) are stored; identical concurrent misses share one upstream
 * request; a stale entry is served while one refresh runs, so the subgraphs see about one request
 * per key per TTL whatever the traffic. `invalidateAll` (on takedowns) also discards every
 * upstream answer still in flight, so nothing read before a removal can be stored after it.
 */
export class ResponseCache {
  private entries = new Map<string, Entry>();
  private inflight = new Map<string, Promise<CachedResponse>>();
  private generation = 0;
  private storeAfter = 0;
  private refreshing = 0;
  private readonly now: () => number;
  readonly counts: Record<CacheOutcome | 'invalidations', number> = { hit: 0, stale: 0, miss: 0, shared: 0, invalidations: 0 };

  constructor(private readonly opts: ResponseCacheOptions) {
    this.now = opts.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Answers from the cache when it can, else from `load` (at most one `load` per key at a time). */
  async serve(key: string, load: () => Promise<CachedResponse>): Promise<{ response: CachedResponse; outcome: CacheOutcome }> {
    const e = this.entries.get(key);
    const age = e ? this.now() - e.storedAt : Infinity;
    if (e && age <= this.opts.ttlMs) {
      this.counts.hit++;
      return { response: e, outcome: 'hit' };
    }
    if (e && age <= this.opts.ttlMs + this.opts.staleMs) {
      this.counts.stale++;
      if (!this.inflight.has(key) && this.refreshing < (this.opts.maxRefreshes ?? 4)) {
        this.refreshing++;
        this.fetch(key, load)
          .catch(() => undefined) // the next caller retries
          .finally(() => this.refreshing--);
      }
      return { response: e, outcome: 'stale' };
    }
    if (e) this.entries.delete(key);
    const pending = this.inflight.get(key);
    if (pending) {
      this.counts.shared++;
      return { response: await pending, outcome: 'shared' };
    }
    this.counts.miss++;
    return { response: await this.fetch(key, load), outcome: 'miss' };
  }

  private fetch(key: string, load: () => Promise<CachedResponse>): Promise<CachedResponse> {
    const generation = this.generation;
    const p = load().then((r) => {
      if (generation === this.generation && this.now() >= this.storeAfter && storable(r)) this.store(key, r);
      return r;
    });
    this.inflight.set(key, p);
    const done = () => {
      if (this.inflight.get(key) === p) this.inflight.delete(key);
    };
    p.then(done, done);
    return p;
  }

  private store(key: string, r: CachedResponse): void {
    this.entries.delete(key); // re-insert: Map order is the eviction order (oldest first)
    this.entries.set(key, { ...r, storedAt: this.now() });
    while (this.entries.size > this.opts.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  /** Drops every entry, forgets in-flight loads (their callers still get their answer) and stores nothing for `settleMs`. */
  invalidateAll(): void {
    this.generation++;
    this.storeAfter = this.now() + (this.opts.settleMs ?? 1000);
    this.entries.clear();
    this.inflight.clear();
    this.counts.invalidations++;
  }
}

/** A 200 JSON GraphQL result with data and without errors. */
export function storable(r: CachedResponse): boolean {
  if (r.status !== 200 || r.body.length > MAX_BODY_BYTES) return false;
  const type = r.headers['content-type'] ?? '';
  if (!type.startsWith('application/json') && !type.startsWith('application/graphql-response+json')) return false;
  try {
    const j = JSON.parse(r.body.toString('utf8')) as { data?: unknown; errors?: unknown };
    return j.errors === undefined && j.data !== null && typeof j.data === 'object';
  } catch {
    return false;
  }
}

/** The operation fields of a GraphQL-over-HTTP request, from a POST body or GET search params. */
export interface GraphQLParams {
  query?: unknown;
  operationName?: unknown;
  variables?: unknown;
  extensions?: unknown;
}

const analysed = new Map<string, boolean>();
const MAX_ANALYSED = 2000;

/** True when the selected operation is a query whose root fields are all in CACHEABLE_ROOT_FIELDS. */
export function isCacheableQuery(query: string, operationName: string | undefined): boolean {
  const k = `${operationName ?? ''}\n${query}`;
  let ok = analysed.get(k);
  if (ok === undefined) {
    ok = analyse(query, operationName);
    if (analysed.size >= MAX_ANALYSED) analysed.clear();
    analysed.set(k, ok);
  }
  return ok;
}

function analyse(query: string, operationName: string | undefined): boolean {
  let doc: DocumentNode;
  try {
    doc = parse(query);
  } catch {
    return false; // the runtime answers the syntax error
  }
  const ops = doc.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  const op = operationName ? ops.find((o) => o.name?.value === operationName) : ops.length === 1 ? ops[0] : undefined;
  if (!op || op.operation !== 'query') return false;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of doc.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const seen = new Set<string>();
  const rootOk = (set: SelectionSetNode): boolean =>
    set.selections.every((s) => {
      if (s.kind === Kind.FIELD) return CACHEABLE_ROOT_FIELDS.has(s.name.value);
      if (s.kind === Kind.INLINE_FRAGMENT) return rootOk(s.selectionSet);
      const f = fragments.get(s.name.value);
      if (!f || seen.has(f.name.value)) return false;
      seen.add(f.name.value);
      return rootOk(f.selectionSet);
    });
  return rootOk(op.selectionSet);
}

/**
 * The cache key of a request, or undefined when it must not be cached (not a cacheable query,
 * a streamed response, a persisted id without its text). The role is part of the key: callers
 * of different roles never share an entry; so are `Accept` (content type) and `Origin` (the CORS
 * headers the runtime answers with).
 */
export function cacheKey(role: string, accept: string, params: GraphQLParams, origin = ''): string | undefined {
  if (accept.includes('text/event-stream') || accept.includes('multipart/')) return undefined;
  if (typeof params.query !== 'string') return undefined;
  const operationName = typeof params.operationName === 'string' && params.operationName ? params.operationName : undefined;
  if (!isCacheableQuery(params.query, operationName)) return undefined;
  return JSON.stringify([role, accept, origin, params.query, operationName ?? null, params.variables ?? null, params.extensions ?? null]);
}

/**
 * Empties the cache on every `headline.removed` (a takedown or a dropped article must not be
 * served from it), and whenever the event subscription was interrupted, since a removal may
 * have been missed meanwhile. New and updated articles only wait for the TTL.
 */
export async function invalidateOnEvents(redis: Redis, cache: ResponseCache, log: { warn: (o: object, m?: string) => void }) {
  const sub = redis.duplicate();
  let connected = false;
  sub.on('ready', () => {
    if (connected) cache.invalidateAll(); // reconnected: ioredis re-subscribes, events in between are lost
    connected = true;
  });
  sub.on('error', (err: Error) => log.warn({ err: err.message }, 'response cache: event subscription error'));
  sub.on('message', (_ch: string, raw: string) => {
    if (decodeEvent(raw)?.type === 'headline.removed') cache.invalidateAll();
  });
  await sub.subscribe(EVENTS_CHANNEL);
  return {
    stop: () =>
      sub.quit().then(
        () => undefined,
        () => undefined,
      ),
  };
}
