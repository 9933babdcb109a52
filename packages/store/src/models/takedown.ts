import { Schema, type Connection, type InferSchemaType, type Model } from 'mongoose';

/**
 * received → approved → enforced (workers), or received → rejected; enforced → reinstated.
 * `reviewing` is kept for requests stored before the takedown workflow existed.
 */
export const TAKEDOWN_STATUS = ['received', 'reviewing', 'approved', 'rejected', 'enforced', 'reinstated'] as const;
export type TakedownStatusValue = (typeof TAKEDOWN_STATUS)[number];
/** Statuses a request can still move forward from: a duplicate submission returns the open request. */
export const TAKEDOWN_OPEN_STATUS = ['received', 'reviewing', 'approved'] as const;
/** URL: one article; PREFIX: every URL starting with the value; SOURCE: a source id; DOMAIN: a host and its subdomains. */
export const TAKEDOWN_SCOPE = ['URL', 'PREFIX', 'SOURCE', 'DOMAIN'] as const;
export const TAKEDOWN_REASON = ['COPYRIGHT', 'PRIVACY', 'LEGAL', 'DEFAMATION', 'OPT_OUT', 'OTHER'] as const;
/** How the requester relates to the content (the publisher itself, its agent, the person concerned, other). */
export const TAKEDOWN_RELATION = ['PUBLISHER', 'AGENT', 'SUBJECT', 'OTHER'] as const;

/** One article the enforcement is about to remove: journalled on the request so a retry can finish it. */
const pendingRemoval = new Schema(
  { id: String, url: String, sourceId: String, simhash: String, entryIds: { type: [String], default: [] } },
  { _id: false },
);

export const takedownSchema = new Schema(
  {
    status: { type: String, enum: TAKEDOWN_STATUS, default: 'received', required: true },
    scope: {
      kind: { type: String, enum: TAKEDOWN_SCOPE, required: true },
      value: { type: String, required: true, maxlength: 2000 },
      /** The normalized match key (urlKey form, bare host, source id): what tombstones and matching use. */
      key: { type: String, maxlength: 2100 },
    },
    reason: { type: String, enum: TAKEDOWN_REASON, required: true },
    requester: {
      name: { type: String, required: true, maxlength: 200 },
      email: { type: String, required: true, maxlength: 320 },
      organisation: { type: String, maxlength: 200 },
    },
    relation: { type: String, enum: TAKEDOWN_RELATION, required: true },
    statement: { type: String, required: true, maxlength: 10_000 },
    notes: { type: String, maxlength: 5000 },
    /** Who submitted (identity sub or client address), for the audit trail and rate limiting. */
    submittedBy: String,
    receivedAt: { type: Date, required: true, default: () => new Date() },
    /** When the request must be enforced by (receipt + TAKEDOWN_DEADLINE_HOURS). */
    deadline: { type: Date, required: true },
    decidedAt: Date,
    decidedBy: String,
    autoApproved: Boolean,
    approvedAt: Date,
    rejectedAt: Date,
    rejectReason: { type: String, maxlength: 2000 },
    enforcedAt: Date,
    reinstatedAt: Date,
    reinstatedBy: String,
    reinstateNote: { type: String, maxlength: 2000 },
    /** Enforcement progress, so a worker killed at any step finishes the job on retry. */
    enforcement: {
      step: { type: String, enum: ['none', 'tombstoned', 'removing', 'verified'], default: 'none' },
      batch: { type: [pendingRemoval], default: [] },
      removed: { type: Number, default: 0 },
      /** Set before this enforcement paused the source (SOURCE scope): reinstatement unpauses it. */
      pausedSource: Boolean,
      verifiedAt: Date,
      attempts: { type: Number, default: 0 },
    },
  },
  { timestamps: true },
);
takedownSchema.index({ status: 1, receivedAt: -1 });
takedownSchema.index({ 'scope.kind': 1, 'scope.value': 1 });
takedownSchema.index({ status: 1, deadline: 1 });

export type TakedownDoc = InferSchemaType<typeof takedownSchema>;

/** The model on a store connection (registered once per connection). */
export function takedownModel(conn: Connection): Model<TakedownDoc> {
  return (
    (conn.models.TakedownRequest as Model<TakedownDoc> | undefined) ??
    conn.model<TakedownDoc>('TakedownRequest', takedownSchema, 'takedown_requests')
  );
}

/**
 * Dedup marker of an open request: `_id` = hash(requester email + scope key). Looked up by
 * `_id` (no scan on FerretDB); a stale marker pointing at a closed request is simply replaced.
 */
export const takedownOpenSchema = new Schema({ _id: { type: String, required: true }, requestId: { type: String, required: true } });
export type TakedownOpenDoc = InferSchemaType<typeof takedownOpenSchema>;
export function takedownOpenModel(conn: Connection): Model<TakedownOpenDoc> {
  return (
    (conn.models.TakedownOpen as Model<TakedownOpenDoc> | undefined) ??
    conn.model<TakedownOpenDoc>('TakedownOpen', takedownOpenSchema, 'takedown_open')
  );
}
