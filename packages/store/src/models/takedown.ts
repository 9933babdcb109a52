import { Schema, type Connection, type InferSchemaType, type Model } from 'mongoose';

/** received → (reviewing) → approved → enforced, or rejected. Enforcement lives in the workers. */
export const TAKEDOWN_STATUS = ['received', 'reviewing', 'approved', 'rejected', 'enforced'] as const;
/** URL: one article; PREFIX: every URL starting with the value; SOURCE: a source id; DOMAIN: a host and its subdomains. */
export const TAKEDOWN_SCOPE = ['URL', 'PREFIX', 'SOURCE', 'DOMAIN'] as const;
export const TAKEDOWN_REASON = ['COPYRIGHT', 'PRIVACY', 'LEGAL', 'DEFAMATION', 'OPT_OUT', 'OTHER'] as const;
/** How the requester relates to the content (the publisher itself, its agent, the person concerned, other). */
export const TAKEDOWN_RELATION = ['PUBLISHER', 'AGENT', 'SUBJECT', 'OTHER'] as const;

export const takedownSchema = new Schema(
  {
    status: { type: String, enum: TAKEDOWN_STATUS, default: 'received', required: true },
    scope: {
      kind: { type: String, enum: TAKEDOWN_SCOPE, required: true },
      value: { type: String, required: true, maxlength: 2000 },
    },
    reason: { type: String, enum: TAKEDOWN_REASON, required: true },
    requester: {
      name: { type: String, required: true, maxlength: 200 },
      email: { type: String, required: true, maxlength: 320 },
      organisation: { type: String, maxlength: 200 },
    },
    relation: { type: String, enum: TAKEDOWN_RELATION, required: true },
    statement: { type: String, required: true, maxlength: 10_000 },
    receivedAt: { type: Date, required: true, default: () => new Date() },
    /** When the request must be decided by (set at receipt from the policy's response time). */
    deadline: { type: Date, required: true },
    decidedAt: Date,
    enforcedAt: Date,
  },
  { timestamps: true },
);
takedownSchema.index({ status: 1, receivedAt: -1 });
takedownSchema.index({ 'scope.kind': 1, 'scope.value': 1 });

export type TakedownDoc = InferSchemaType<typeof takedownSchema>;

/** The model on a store connection (registered once per connection). */
export function takedownModel(conn: Connection): Model<TakedownDoc> {
  return (
    (conn.models.TakedownRequest as Model<TakedownDoc> | undefined) ??
    conn.model<TakedownDoc>('TakedownRequest', takedownSchema, 'takedown_requests')
  );
}
