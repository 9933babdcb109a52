import { Schema, type Connection, type InferSchemaType, type Model } from 'mongoose';

/**
 * A removed scope ingestion must never bring back. `_id` is a hash of kind + normalized key
 * (for URL scopes the urlKey), so the exact-URL gate is one `_id` lookup; prefix, domain and
 * source tombstones are few and cached per process. `requestIds` lists the enforced requests
 * that need it: the tombstone goes only when the last of them is reinstated.
 */
export const tombstoneSchema = new Schema(
  {
    _id: { type: String, required: true },
    kind: { type: String, enum: ['URL', 'PREFIX', 'SOURCE', 'DOMAIN'], required: true },
    key: { type: String, required: true },
    requestIds: { type: [String], default: [] },
  },
  { timestamps: true },
);
export type TombstoneDoc = InferSchemaType<typeof tombstoneSchema>;

export function tombstoneModel(conn: Connection): Model<TombstoneDoc> {
  return (conn.models.Tombstone as Model<TombstoneDoc> | undefined) ?? conn.model<TombstoneDoc>('Tombstone', tombstoneSchema, 'tombstones');
}
