import type { IncomingMessage, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { parseFeed } from '@newsline/feeds';
import type { FeedDoc } from '@newsline/store';
import { isValidObjectId, type Types } from 'mongoose';
import type { IngestContext } from '../ingest/context';
import { ingestEntries } from '../ingest/fetch-feed';
import { checkHubSignature } from './signature';

type FeedRecord = FeedDoc & { _id: Types.ObjectId };

export interface WebSubCounters {
  verified: number;
  denied: number;
  pushes: number;
  /** Pushes dropped: no signature, a wrong one, or a wrong callback token. */
  rejected: number;
  entriesStored: number;
}

const sameToken = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

function readBody(req: IncomingMessage, max: number): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > max) {
      req.resume();
      return resolve('too-large');
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        req.destroy();
        resolve('too-large');
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const send = (res: ServerResponse, status: number, body = ''): void =>
  void res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(body);

/**
 * The WebSub callback, `/websub/<feedId>/<token>` on the workers' HTTP server.
 * GET: verification of intent, answered with `hub.challenge` only for the topic this feed asked
 * for; `hub.mode=denied` is recorded. POST: content distribution. Nothing the request says about
 * its sender is trusted: the body must carry the HMAC of the subscription's secret
 * (X-Hub-Signature); anything else is dropped and counted, and answered 202 like a good push so a
 * forger learns nothing (WebSub §8). Signed content takes the polled path (ingestEntries).
 */
export function createWebSubCallback(ctx: IngestContext) {
  const counters: WebSubCounters = { verified: 0, denied: 0, pushes: 0, rejected: 0, entriesStored: 0 };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://callback');
    const [, prefix, feedId, token] = url.pathname.split('/');
    if (prefix !== 'websub' || !feedId || !token || !isValidObjectId(feedId)) return send(res, 404, 'no such subscription\n');
    const feed = (await ctx.store.Feed.findById(feedId).lean()) as FeedRecord | null;
    const w = feed?.websub;

    if (req.method === 'GET') {
      if (!feed || !w?.callbackToken || !sameToken(token, w.callbackToken)) return send(res, 404, 'no such subscription\n');
      const mode = url.searchParams.get('hub.mode');
      const topic = url.searchParams.get('hub.topic');
      if (topic !== w.topic) return send(res, 404, 'not our topic\n');
      if (mode === 'denied') {
        counters.denied++;
        const reason = (url.searchParams.get('hub.reason') ?? 'no reason given').slice(0, 300);
        await ctx.store.Feed.updateOne(
          { _id: feed._id },
          { $set: { 'websub.state': 'denied', 'websub.lastError': `hub denied: ${reason}` } },
        );
        return send(res, 200);
      }
      const challenge = url.searchParams.get('hub.challenge');
      // Only a subscription we asked for (and still want) is confirmed; we never ask to unsubscribe.
      if (mode !== 'subscribe' || !challenge || (w.state !== 'subscribing' && w.state !== 'subscribed') || feed.paused)
        return send(res, 404, 'not requested\n');
      const lease = Number(url.searchParams.get('hub.lease_seconds'));
      const leaseSeconds = Number.isFinite(lease) && lease > 0 ? Math.floor(lease) : ctx.config.WEBSUB_LEASE_SEC;
      const now = ctx.now();
      await ctx.store.Feed.updateOne(
        { _id: feed._id },
        {
          $set: {
            'websub.state': 'subscribed',
            'websub.verifiedAt': now,
            'websub.leaseSeconds': leaseSeconds,
            'websub.expiresAt': new Date(now.getTime() + leaseSeconds * 1000),
          },
          $unset: { 'websub.lastError': 1 },
        },
      );
      counters.verified++;
      ctx.log.info({ feedId, hub: w.hub, leaseSeconds }, 'websub subscription verified');
      return void res.writeHead(200, { 'content-type': 'text/plain' }).end(challenge);
    }

    if (req.method !== 'POST') return void res.writeHead(405, { allow: 'GET, POST' }).end();
    const body = await readBody(req, ctx.config.WEBSUB_MAX_PUSH_BYTES);
    if (body === 'too-large') return send(res, 413, 'push too large\n');
    if (!feed) return send(res, 410, 'gone\n'); // tells the hub to stop delivering
    const check =
      w?.secret && w.callbackToken && sameToken(token, w.callbackToken)
        ? checkHubSignature(headerOf(req, 'x-hub-signature'), w.secret, body)
        : 'invalid';
    if (check !== 'valid') {
      counters.rejected++;
      await ctx.store.Feed.updateOne({ _id: feed._id }, { $inc: { 'websub.rejectedPushes': 1 } });
      ctx.log.warn({ feedId, signature: check }, 'websub push dropped: signature');
      return send(res, 202);
    }
    counters.pushes++;
    const source = await ctx.store.Source.findById(feed.sourceId).lean();
    if (!source || feed.paused || source.paused || (await ctx.isBlocked(feed.url))) return send(res, 200);
    const parsed = parseFeed(body, { url: w?.topic ?? feed.url, contentType: headerOf(req, 'content-type') });
    const now = ctx.now();
    if (!parsed.ok) {
      await ctx.store.Feed.updateOne(
        { _id: feed._id },
        {
          $set: { 'websub.lastPushAt': now, 'websub.lastError': `push: feed-${parsed.error.code}: ${parsed.error.message}`.slice(0, 500) },
          $inc: { 'websub.pushes': 1 },
        },
      );
      return send(res, 202);
    }
    const counts = await ingestEntries(ctx, { feedId, source, pf: parsed.feed, now });
    counters.entriesStored += counts.created;
    await ctx.store.Feed.updateOne(
      { _id: feed._id },
      {
        $set: { 'websub.lastPushAt': now },
        $inc: { 'websub.pushes': 1, 'stats.newEntries': counts.created, 'stats.entriesSeen': parsed.feed.entries.length },
      },
    );
    ctx.log.info({ feedId, entries: parsed.feed.entries.length, created: counts.created }, 'websub push stored');
    return send(res, 204);
  };

  return {
    counters,
    /** True when the request is for the callback (and is then answered). */
    handle(req: IncomingMessage, res: ServerResponse): boolean {
      if (!(req.url ?? '').startsWith('/websub/')) return false;
      handle(req, res).catch((err: Error) => {
        ctx.log.error({ err: err.message }, 'websub callback failed');
        // A 5xx makes the hub retry the delivery.
        if (!res.headersSent) send(res, 503, 'try again\n');
        else res.destroy();
      });
      return true;
    },
  };
}

const headerOf = (req: IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};
