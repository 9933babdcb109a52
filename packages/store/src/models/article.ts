import { Schema, type InferSchemaType } from 'mongoose';

export const EXTRACTION_STATUS = ['pending', 'ok', 'failed', 'restricted'] as const;

export const articleSchema = new Schema(
  {
    /** Identity: unique; http/https, slash, tracking and AMP variants share it. */
    urlKey: { type: String, required: true },
    url: { type: String, required: true },
    /** The publisher's page we link to: mandatory on every stored article. */
    sourceUrl: { type: String, required: true },
    attribution: { type: String, required: true },
    sourceId: { type: Schema.Types.ObjectId, required: true },
    feedId: { type: Schema.Types.ObjectId },
    country: String,
    entryIds: { type: [String], default: [] },
    title: { type: String, required: true },
    summary: String,
    body: String,
    text: String,
    authors: { type: [String], default: [] },
    publishedAt: { type: Date, required: true },
    modifiedAt: Date,
    language: String,
    section: String,
    keywords: { type: [String], default: [] },
    image: String,
    siteName: String,
    paywalled: Boolean,
    wordCount: Number,
    textHash: String,
    simhash: String,
    storyId: String,
    /** Search terms (folded, segmented tokens): a multikey index that works on FerretDB and MongoDB. */
    terms: { type: [String], default: [] },
    extraction: {
      status: { type: String, enum: EXTRACTION_STATUS, default: 'pending' },
      reason: String,
      attempts: { type: Number, default: 0 },
      at: Date,
    },
    /** Monotonic content version: a write only lands if it is newer (never the reverse). */
    version: { type: Number, default: 0 },
  },
  { timestamps: true },
);
articleSchema.index({ urlKey: 1 }, { unique: true });
articleSchema.index({ publishedAt: -1, _id: -1 });
articleSchema.index({ sourceId: 1, publishedAt: -1 });
articleSchema.index({ language: 1, publishedAt: -1 });
articleSchema.index({ terms: 1 });
articleSchema.index({ storyId: 1 });

export type ArticleDoc = InferSchemaType<typeof articleSchema>;
