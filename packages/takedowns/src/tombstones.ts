import { createHash } from 'node:crypto';
import { urlKey } from '@newsline/domain';
import { tombstoneModel, type Store } from '@newsline/store';
import type Redis from 'ioredis';
import { matchesScope, type MatchScope } from './scope';

/** Pub/sub channel announcing tombstone writes and removals: every gate drops its cache. */
export const TOMBSTONE_CHANNEL = 'newsline:tombstones';
/** Incremented on every tombstone change: a gate asked for a fresh answer compares it with its cache. */
export const TOMBSTONE_VERSION_KEY = 'newsline:tombstones:version';
/**
 * Incremented only when a tombstone goes (a reinstatement). Feeds' seen-entry sets in Redis are
 * tagged with it: a reinstated entry must be looked up again, while a new tombstone needs no
 * re-check (an entry already stored stays "seen" and enforcement removes its article). Tagging
 * them with TOMBSTONE_VERSION_KEY made every takedown send every feed's next poll to entry_refs.
 */
export const REINSTATED_VERSION_KEY = 'newsline:tombstones:reinstated';

export function tombstoneId(s: MatchScope): string {
  return createHash('sha1').update(`${s.kind}:${s.key}`).digest('hex');
}

async function announce(redis: Redis): Promise<void> {
  await redis.incr(TOMBSTONE_VERSION_KEY);
  await redis.publish(TOMBSTONE_CHANNEL, 'changed');
}

/** Writes (or joins) the tombstone of a scope for a request. Idempotent. */
export async function writeTombstone(store: Store, redis: Redis, s: MatchScope, requestId: string): Promise<void> {
  await tombstoneModel(store.conn).updateOne(
    { _id: tombstoneId(s) },
    { $setOnInsert: { kind: s.kind, key: s.key }, $addToSet: { requestIds: requestId } },
    { upsert: true },
  );
  await announce(redis);
}

/** Drops a request from its scope's tombstone; the tombstone goes when no enforced request needs it. Returns whether it went. */
export async function removeTombstone(store: Store, redis: Redis, s: MatchScope, requestId: string): Promise<boolean> {
  const T = tombstoneModel(store.conn);
  const id = tombstoneId(s);
  await T.updateOne({ _id: id }, { $pull: { requestIds: requestId } });
  const t = await T.findById(id, { requestIds: 1 }).lean();
  let gone = !t;
  if (t && (t.requestIds ?? []).length === 0) gone = (await T.deleteOne({ _id: id, requestIds: { $size: 0 } })).deletedCount === 1;
  await redis.incr(REINSTATED_VERSION_KEY);
  await announce(redis);
  return gone;
}

/**
 * The ingestion gate. Exact-URL tombstones: one `_id` lookup per call (hits are remembered until
 * the next change, as a removed URL comes back on every poll). Prefix, domain and source
 * tombstones: held in memory, reloaded after `refreshMs`, at once when a change is announced on
 * TOMBSTONE_CHANNEL, and before a `fresh` answer whenever the Redis version moved (the check
 * after an upsert must not trust a cache an in-flight announcement has not reached yet).
 */
export class TombstoneGate {
  private wide: MatchScope[] = [];
  /** urlKeys found tombstoned (a removed URL is offered again on every poll); dropped on any change. */
  private exact = new Set<string>();
  private loadedAt = 0;
  private version: string | null = null;
  private stale = true;
  private loading?: Promise<void>;
  private sub?: Redis;

  constructor(
    private readonly store: Store,
    private readonly redis: Redis,
    private readonly refreshMs = 5000,
  ) {}

  async start(): Promise<this> {
    this.sub = this.redis.duplicate();
    this.sub.on('message', () => (this.stale = true));
    this.sub.on('error', () => undefined);
    await this.sub.subscribe(TOMBSTONE_CHANNEL);
    await this.reload();
    return this;
  }

  stop(): void {
    this.sub?.disconnect();
  }

  private reload(): Promise<void> {
    this.loading ??= (async () => {
      try {
        const version = await this.redis.get(TOMBSTONE_VERSION_KEY);
        this.stale = false;
        this.exact.clear();
        const docs = await tombstoneModel(this.store.conn)
          .find({ kind: { $ne: 'URL' } }, { kind: 1, key: 1 })
          .lean();
        this.wide = docs.map((d) => ({ kind: d.kind as MatchScope['kind'], key: d.key }));
        this.version = version;
        this.loadedAt = Date.now();
      } finally {
        this.loading = undefined;
      }
    })();
    return this.loading;
  }

  private async wideScopes(fresh: boolean): Promise<MatchScope[]> {
    if (fresh) {
      if ((await this.redis.get(TOMBSTONE_VERSION_KEY)) !== this.version) await this.reload();
    } else if (this.stale || Date.now() - this.loadedAt > this.refreshMs) await this.reload();
    return this.wide;
  }

  /** Whether ingestion must not fetch or store `url` (of source `sourceId`, when known). */
  async isBlocked(url: string, opts: { sourceId?: string; fresh?: boolean } = {}): Promise<boolean> {
    let key: string;
    try {
      key = urlKey(url);
    } catch {
      return false;
    }
    const wide = await this.wideScopes(opts.fresh ?? false);
    if (this.exact.has(key)) return true;
    if (await tombstoneModel(this.store.conn).exists({ _id: tombstoneId({ kind: 'URL', key }) })) {
      if (this.exact.size < 100_000) this.exact.add(key);
      return true;
    }
    return wide.some((s) => matchesScope(s, { url, urlKey: key, sourceId: opts.sourceId }));
  }
}
