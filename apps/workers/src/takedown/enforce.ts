import { entryRefIdFor, EVENTS_CHANNEL, encodeEvent } from '@newsline/domain';
import type { Logger } from '@newsline/logger';
import { takedownModel, type Store } from '@newsline/store';
import { appendAudit, findScopeMatches, publishTakedownUpdate, scopeKey, writeTombstone, type MatchScope } from '@newsline/takedowns';
import type Redis from 'ioredis';
import { leaveStories } from '../ingest/stories';

export interface EnforceDeps {
  store: Store;
  redis: Redis;
  log: Logger;
  /** Test hook: called after each durable step; throwing simulates a worker killed right there. */
  checkpoint?: (step: 'tombstoned' | 'journalled' | 'removed') => void | Promise<void>;
  /** Queues the decision notices once a request becomes enforced (after the status change: a retry cannot send twice). */
  notify?: (requestId: string) => Promise<void>;
}

export type EnforceOutcome = { kind: 'skipped'; reason: string } | { kind: 'enforced'; removed: number; reverified: boolean };

const BATCH = 500;
const MAX_ROUNDS = 20;

interface Pending {
  id: string;
  url: string;
  sourceId: string;
  simhash?: string;
  entryIds: string[];
}

export function requestScope(r: { scope?: { kind?: string | null; value?: string | null; key?: string | null } | null }): MatchScope {
  const kind = r.scope!.kind as MatchScope['kind'];
  return { kind, key: r.scope!.key ?? scopeKey(kind, r.scope!.value!) };
}

/**
 * Enforces an approved takedown; re-verifies an enforced one. Every step is idempotent and
 * its progress is recorded on the request, so a retry after a crash at any point finishes:
 *   1. tombstones first (ingestion cannot resurrect anything from here on), source paused
 *      for SOURCE scopes;
 *   2. rounds of: query matches (one query per scope) → journal them on the request → audit
 *      their ids → remove derived data and the articles → publish `headline.removed`;
 *   3. the round whose query finds nothing is the verification (an entry that raced past the
 *      gate before the tombstone existed is caught by a later round);
 *   4. mark enforced (audited with the verification result).
 * Audit entries are written before or with the effect they record, and re-written by a retry
 * that redoes the effect: a retry may repeat one, none is lost.
 */
export async function enforceTakedown(d: EnforceDeps, requestId: string): Promise<EnforceOutcome> {
  const R = takedownModel(d.store.conn);
  const req = await R.findById(requestId).lean();
  if (!req) return { kind: 'skipped', reason: 'request not found' };
  if (req.status !== 'approved' && req.status !== 'enforced') return { kind: 'skipped', reason: `status ${req.status}` };
  const reverify = req.status === 'enforced';
  const scope = requestScope(req);
  const audit = (action: string, data: Record<string, unknown>) => appendAudit(d.store.conn, { requestId, action, actor: 'worker', data });

  if (!reverify && (req.enforcement?.step ?? 'none') === 'none') {
    // The audit entry and the tombstone go together: until the step is recorded, a retry redoes both.
    await Promise.all([
      audit('tombstones.written', { kind: scope.kind, key: scope.key }),
      writeTombstone(d.store, d.redis, scope, requestId),
      pauseSource(d, requestId, scope),
    ]);
    await R.updateOne({ _id: requestId }, { $set: { 'enforcement.step': 'tombstoned' }, $inc: { 'enforcement.attempts': 1 } });
    await d.checkpoint?.('tombstoned');
  }

  let removed = 0;
  // A batch journalled by a run that died mid-way is finished (and audited again) first.
  const journal = (req.enforcement?.batch ?? []) as Pending[];
  if (journal.length) {
    const [, n] = await Promise.all([
      audit('articles.removed', { articleIds: journal.map((b) => b.id), resumed: true }),
      removeBatch(d, journal),
    ]);
    removed += n;
  }

  for (let round = 0; ; round++) {
    if (round >= MAX_ROUNDS) throw new Error(`takedown ${requestId}: matches keep appearing after ${MAX_ROUNDS} rounds`);
    const docs = await findScopeMatches(d.store, scope, { limit: BATCH });
    // The round that finds nothing is the verification query.
    if (!docs.length) break;
    const batch: Pending[] = docs.map((a) => ({
      id: a._id,
      url: a.url,
      sourceId: a.sourceId,
      simhash: a.simhash ?? undefined,
      entryIds: a.entryIds ?? [],
    }));
    await R.updateOne({ _id: requestId }, { $set: { 'enforcement.batch': batch, 'enforcement.step': 'removing' } });
    await d.checkpoint?.('journalled');
    // Journalled first, so a crash here resumes this batch and audits it then.
    const [, n] = await Promise.all([
      audit(reverify ? 'articles.removed.reverify' : 'articles.removed', { articleIds: batch.map((b) => b.id) }),
      removeBatch(d, batch),
    ]);
    removed += n;
  }

  const now = new Date();
  if (reverify) {
    await R.updateOne(
      { _id: requestId },
      { $set: { 'enforcement.verifiedAt': now, 'enforcement.batch': [] }, $inc: { 'enforcement.removed': removed } },
    );
    if (removed) d.log.warn({ requestId, removed }, 'takedown re-verification removed leftovers');
    return { kind: 'enforced', removed, reverified: true };
  }
  await audit('enforced', { verifiedRemaining: 0, removed: (req.enforcement?.removed ?? 0) + removed });
  const r = await R.updateOne(
    { _id: requestId, status: 'approved' },
    {
      $set: { status: 'enforced', enforcedAt: now, 'enforcement.step': 'verified', 'enforcement.verifiedAt': now, 'enforcement.batch': [] },
      $inc: { 'enforcement.removed': removed },
    },
  );
  if (r.modifiedCount) {
    await publishTakedownUpdate(d.redis, requestId, 'enforced');
    // A mail problem must not fail (and retry) a finished enforcement; the notice is logged instead.
    await d.notify?.(requestId).catch((e: Error) => d.log.warn({ requestId, err: e.message }, 'decision notice not queued'));
  }
  d.log.info({ requestId, scope, removed }, 'takedown enforced');
  return { kind: 'enforced', removed, reverified: false };
}

/** SOURCE scopes pause the source (no polling at all); the intent is recorded first so reinstatement can undo it. */
async function pauseSource(d: EnforceDeps, requestId: string, scope: MatchScope): Promise<void> {
  if (scope.kind !== 'SOURCE') return;
  const src = await d.store.Source.findById(scope.key, { paused: 1 }).lean();
  if (!src || src.paused) return;
  await takedownModel(d.store.conn).updateOne({ _id: requestId }, { $set: { 'enforcement.pausedSource': true } });
  await d.store.Source.updateOne({ _id: scope.key }, { $set: { paused: true } });
}

/**
 * Removes one journalled batch: derived data (story bands, entry refs), the articles (one
 * deleteOne each, in parallel, so we know which were still there), one counter update per
 * source, and a `headline.removed` per article. Re-running a batch is harmless: gone articles
 * count nothing twice; events are re-sent (subscribers drop ids idempotently).
 */
async function removeBatch(d: EnforceDeps, batch: Pending[]): Promise<number> {
  const { Article, Source, EntryRef } = d.store;
  const refs = batch.flatMap((a) =>
    a.entryIds.map((e) => {
      const i = e.indexOf(':');
      return entryRefIdFor(e.slice(0, i), e.slice(i + 1));
    }),
  );
  await Promise.all([
    leaveStories(d.redis, d.store.conn.name, batch),
    // Entry refs would make a reinstated entry look already seen: they go with the article.
    refs.length ? EntryRef.deleteMany({ _id: { $in: refs } }) : undefined,
  ]);
  // One delete per article: its own deletedCount says whether this run removed it (counted once).
  const deleted = await Promise.all(batch.map(async (a) => ((await Article.deleteOne({ _id: a.id })).deletedCount ? a : undefined)));
  const perSource = new Map<string, number>();
  for (const a of deleted) if (a) perSource.set(a.sourceId, (perSource.get(a.sourceId) ?? 0) + 1);
  await Promise.all([...perSource].map(([sourceId, n]) => Source.updateOne({ _id: sourceId }, { $inc: { 'counts.articles': -n } })));
  const at = new Date().toISOString();
  const pipe = d.redis.pipeline();
  for (const a of batch) pipe.publish(EVENTS_CHANNEL, encodeEvent({ type: 'headline.removed', articleId: a.id, url: a.url, at }));
  await pipe.exec();
  await d.checkpoint?.('removed');
  // The journal is cleared by the next round's journal or the final update: replaying a finished batch is harmless.
  return deleted.filter(Boolean).length;
}
