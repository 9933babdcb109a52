import { Schema, type InferSchemaType } from 'mongoose';

export const sourceSchema = new Schema(
  {
    name: { type: String, required: true, trim: true, maxlength: 200 },
    /** Stable slug for config files, the CLI and the demo publisher; unique. */
    key: { type: String, required: true, trim: true, lowercase: true, maxlength: 100 },
    homepage: { type: String, required: true },
    country: { type: String, uppercase: true, maxlength: 2 },
    languages: { type: [String], default: [] },
    attribution: { type: String, required: true, maxlength: 500 },
    paused: { type: Boolean, default: false },
    /** Emails whose takedown requests may be auto-approved. */
    verifiedContacts: { type: [String], default: [] },
    policy: {
      /** Honour noarchive/noindex/TDM reservations by storing only headline, summary and link. */
      respectRestrictions: { type: Boolean, default: true },
    },
    /** The last feed autodiscovery run for this source (apps/sources/src/discover.ts): what was offered and what was refused. */
    discovery: {
      at: Date,
      siteUrl: String,
      found: [{ _id: false, url: String, via: String, format: String, title: String, entries: Number, hubs: [String] }],
      rejected: [{ _id: false, url: String, via: String, reason: String }],
      sitemaps: [{ _id: false, url: String, via: String, kind: String, urls: Number, news: Number, refused: Number }],
      error: String,
    },
    /** Maintained as counters by the writers, never by scanning articles. */
    counts: {
      articles: { type: Number, default: 0 },
      feeds: { type: Number, default: 0 },
    },
  },
  { timestamps: true },
);
sourceSchema.index({ key: 1 }, { unique: true });

export type SourceDoc = InferSchemaType<typeof sourceSchema>;
