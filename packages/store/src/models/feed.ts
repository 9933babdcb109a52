import { Schema, type InferSchemaType } from 'mongoose';

export const feedSchema = new Schema(
  {
    sourceId: { type: Schema.Types.ObjectId, required: true },
    url: { type: String, required: true },
    /** 'sitemap': a (news) sitemap or sitemap index polled like a feed; its recent URLs become entries. */
    kind: { type: String, enum: ['feed', 'sitemap'], default: 'feed' },
    title: String,
    format: { type: String, enum: ['rss', 'atom', 'json', 'rdf', 'sitemap', null] },
    paused: { type: Boolean, default: false },
    // Polling state
    etag: String,
    lastModified: String,
    nextPollAt: { type: Date, default: () => new Date() },
    intervalSec: { type: Number, default: 900 },
    consecutiveErrors: { type: Number, default: 0 },
    lastError: String,
    lastErrorAt: Date,
    lastFetchAt: Date,
    lastSuccessAt: Date,
    lastStatus: Number,
    /** How the feed was found: 'manual' (given), 'link', 'link-header', 'well-known' or 'direct' (the site URL was the feed). */
    discoveredVia: String,
    /**
     * WebSub subscription (apps/workers/src/websub): state of intent verification and lease, the
     * per-subscription HMAC secret, and push counters. Polling continues as a slow safety net.
     */
    websub: {
      hub: String,
      topic: String,
      state: { type: String, enum: ['subscribing', 'subscribed', 'denied', 'failed', null] },
      secret: String,
      /** Random path token of the callback URL, so a callback names one subscription. */
      callbackToken: String,
      requestedAt: Date,
      verifiedAt: Date,
      leaseSeconds: Number,
      expiresAt: Date,
      lastPushAt: Date,
      pushes: { type: Number, default: 0 },
      /** Pushes dropped for a missing or wrong X-Hub-Signature. */
      rejectedPushes: { type: Number, default: 0 },
      lastError: String,
    },
    // Entry-frequency statistics (for adaptive intervals)
    stats: {
      fetches: { type: Number, default: 0 },
      entriesSeen: { type: Number, default: 0 },
      newEntries: { type: Number, default: 0 },
      lastEntryAt: Date,
      /** Exponentially weighted mean gap between new entries, in seconds. */
      meanEntryGapSec: Number,
    },
  },
  { timestamps: true },
);
feedSchema.index({ url: 1 }, { unique: true });
feedSchema.index({ nextPollAt: 1 });
feedSchema.index({ sourceId: 1 });

export type FeedDoc = InferSchemaType<typeof feedSchema>;
