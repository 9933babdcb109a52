import { Schema, type InferSchemaType } from 'mongoose';

/**
 * Which article a feed entry became, keyed by a hash of (feed, entry id): a re-tracked link
 * under the same GUID is recognised by one `_id` lookup instead of a scan of articles.
 */
export const entryRefSchema = new Schema(
  {
    _id: { type: Schema.Types.ObjectId, required: true },
    articleId: { type: Schema.Types.ObjectId, required: true },
  },
  { timestamps: { createdAt: true, updatedAt: false } },
);

export type EntryRefDoc = InferSchemaType<typeof entryRefSchema>;
