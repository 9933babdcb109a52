import { Schema, type InferSchemaType } from 'mongoose';

/**
 * LSH bucket for near-duplicate detection: `_id` is one 16-bit band of a SimHash ("2:af3c");
 * `members` holds the latest articles whose SimHash has that band. Story lookup is four
 * `_id` reads, not a scan.
 */
export const storyBandSchema = new Schema({
  _id: { type: String, required: true },
  members: {
    type: [{ _id: false, articleId: String, simhash: String, storyId: String, at: Date }],
    default: [],
  },
});

export type StoryBandDoc = InferSchemaType<typeof storyBandSchema>;
