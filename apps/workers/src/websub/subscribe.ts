import { randomBytes } from 'node:crypto';
import type { HubLinks } from '@newsline/feeds';
import type { FeedDoc } from '@newsline/store';
import type { Types } from 'mongoose';
import type { IngestContext } from '../ingest/context';

type FeedRecord = FeedDoc & { _id: Types.ObjectId };

/** A request the hub has not verified within this long is sent again. */
export const PENDING_RETRY_MS = 5 * 60_000;
/** A hub that denied or failed is asked again after this long (publishers fix their hubs). */
export const FAILED_RETRY_MS = 6 * 3600_000;

export type WebSubStatus = 'off' | 'live' | 'pending' | 'requested' | 'failed';

export const callbackUrl = (base: string, feedId: string, token: string): string =>
  `${base.replace(/\/+$/, '')}/websub/${encodeURIComponent(feedId)}/${token}`;

/** Seconds before expiry at which a lease is renewed: WEBSUB_RENEW_BEFORE_SEC, at most a tenth of the lease (at least 5 s). */
export function renewBeforeMs(leaseSeconds: number, renewBeforeSec: number): number {
  return Math.min(renewBeforeSec, Math.max(5, leaseSeconds / 10)) * 1000;
}

/** A verified subscription whose lease has not ended: pushes arrive. */
export const pushIsLive = (feed: Pick<FeedRecord, 'websub'>, now: Date): boolean =>
  feed.websub?.state === 'subscribed' && !!feed.websub.expiresAt && feed.websub.expiresAt.getTime() > now.getTime();

/**
 * Subscribes the feed to the first hub it advertises, or renews a lease close to expiry. The
 * callback token and secret are written before the hub is asked, because the hub's verification
 * GET can arrive before its 202 does. Returns whether pushes are live.
 */
export async function maybeSubscribe(ctx: IngestContext, feed: FeedRecord, links: HubLinks): Promise<WebSubStatus> {
  const base = ctx.config.WEBSUB_CALLBACK_URL;
  const hub = links.hubs[0];
  if (!base || !hub) return 'off';
  const topic = links.self ?? feed.url;
  const now = ctx.now().getTime();
  const w = feed.websub;
  const same = w?.hub === hub && w?.topic === topic;
  if (same && w?.state === 'subscribed' && w.expiresAt) {
    const renewAt =
      w.expiresAt.getTime() - renewBeforeMs(w.leaseSeconds ?? ctx.config.WEBSUB_LEASE_SEC, ctx.config.WEBSUB_RENEW_BEFORE_SEC);
    if (now < renewAt) return 'live';
  }
  if (same && w?.state === 'subscribing' && w.requestedAt && now - w.requestedAt.getTime() < PENDING_RETRY_MS) return 'pending';
  if (same && (w?.state === 'denied' || w?.state === 'failed') && w.requestedAt && now - w.requestedAt.getTime() < FAILED_RETRY_MS)
    return 'failed';
  return requestSubscription(ctx, feed, hub, topic);
}

/** Sends `hub.mode=subscribe` (a new subscription or a renewal, which keeps token and secret). */
export async function requestSubscription(ctx: IngestContext, feed: FeedRecord, hub: string, topic: string): Promise<WebSubStatus> {
  const base = ctx.config.WEBSUB_CALLBACK_URL;
  if (!base) return 'off';
  const w = feed.websub;
  const keep = w?.hub === hub && w?.topic === topic && w.secret && w.callbackToken;
  const secret = keep ? w!.secret! : randomBytes(24).toString('hex');
  const token = keep ? w!.callbackToken! : randomBytes(16).toString('hex');
  const renewing = keep && w?.state === 'subscribed' && !!w.expiresAt && w.expiresAt.getTime() > ctx.now().getTime();
  const requestedAt = ctx.now();
  // A renewal keeps state 'subscribed' (pushes keep flowing and verifying) until the lease ends.
  await ctx.store.Feed.updateOne(
    { _id: feed._id },
    {
      $set: {
        'websub.hub': hub,
        'websub.topic': topic,
        'websub.secret': secret,
        'websub.callbackToken': token,
        'websub.requestedAt': requestedAt,
        ...(renewing ? {} : { 'websub.state': 'subscribing' }),
      },
      $unset: { 'websub.lastError': 1 },
    },
  );
  const r = await ctx.http.postForm(hub, {
    'hub.mode': 'subscribe',
    'hub.topic': topic,
    'hub.callback': callbackUrl(base, String(feed._id), token),
    'hub.secret': secret,
    'hub.lease_seconds': String(ctx.config.WEBSUB_LEASE_SEC),
  });
  const error =
    r.kind === 'error'
      ? `${r.error.code}: ${r.error.message}`
      : r.status >= 300
        ? `hub answered HTTP ${r.status}: ${r.text.slice(0, 200)}`
        : undefined;
  if (error) {
    await ctx.store.Feed.updateOne(
      { _id: feed._id },
      { $set: { ...(renewing ? {} : { 'websub.state': 'failed' }), 'websub.lastError': error } },
    );
    ctx.log.info({ feedId: String(feed._id), hub, error }, 'websub subscription request failed');
    return renewing ? 'live' : 'failed';
  }
  ctx.log.info({ feedId: String(feed._id), hub, topic, renewing }, 'websub subscription requested');
  return renewing ? 'live' : 'requested';
}

/**
 * Renews leases close to expiry and re-sends requests a hub never verified, for every feed: a
 * pushed feed is polled rarely, so renewal cannot wait for its next poll. One process per tick
 * (Redis SET NX PX), like the scheduler.
 */
export function startWebSubRenewal(
  ctx: IngestContext,
  opts: { everyMs: number; lockKey?: string },
): { stop(): void; tick(): Promise<number> } {
  const lockKey = opts.lockKey ?? 'newsline:websub:renew';
  const tick = async (): Promise<number> => {
    if (!ctx.config.WEBSUB_CALLBACK_URL) return 0;
    const got = await ctx.redis.set(lockKey, '1', 'PX', Math.max(50, Math.floor(opts.everyMs * 0.9)), 'NX');
    if (!got) return 0;
    const now = ctx.now().getTime();
    const horizon = new Date(now + ctx.config.WEBSUB_RENEW_BEFORE_SEC * 1000);
    const due = (await ctx.store.Feed.find({
      $or: [
        { 'websub.state': 'subscribed', 'websub.expiresAt': { $lt: horizon } },
        { 'websub.state': 'subscribing', 'websub.requestedAt': { $lt: new Date(now - PENDING_RETRY_MS) } },
      ],
    })
      .limit(200)
      .lean()) as FeedRecord[];
    let sent = 0;
    for (const f of due) {
      const w = f.websub!;
      if (!w.hub || !w.topic || f.paused) continue;
      if (w.state === 'subscribed' && w.expiresAt) {
        const renewAt =
          w.expiresAt.getTime() - renewBeforeMs(w.leaseSeconds ?? ctx.config.WEBSUB_LEASE_SEC, ctx.config.WEBSUB_RENEW_BEFORE_SEC);
        if (now < renewAt) continue;
      }
      await requestSubscription(ctx, f, w.hub, w.topic);
      sent++;
    }
    return sent;
  };
  const timer = setInterval(
    () => void tick().catch((err: Error) => ctx.log.warn({ err: err.message }, 'websub renewal failed')),
    opts.everyMs,
  );
  timer.unref();
  return { stop: () => clearInterval(timer), tick };
}
