import { Schema, type Connection, type InferSchemaType, type Model } from 'mongoose';

/**
 * unconfirmed → received (the requester proved the address) or → expired; received → approved →
 * enforced (workers), or received → rejected; enforced → reinstated.
 * `reviewing` is kept for requests stored before the takedown workflow existed.
 */
export const TAKEDOWN_STATUS = ['unconfirmed', 'expired', 'received', 'reviewing', 'approved', 'rejected', 'enforced', 'reinstated'] as const;
export type TakedownStatusValue = (typeof TAKEDOWN_STATUS)[number];
/** Statuses a request can still move forward from: a duplicate submission returns the open request. */
export const TAKEDOWN_OPEN_STATUS = ['unconfirmed', 'received', 'reviewing', 'approved'] as const;
/** How the requester's control of the address (or domain) was proven. */
export const TAKEDOWN_PROOF = ['email-link', 'well-known', 'admin'] as const;
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
    /** Proof of the sender: sha256 of the pending link's nonce (consumed atomically), or how it was proven. */
    proof: {
      method: { type: String, enum: TAKEDOWN_PROOF },
      nonceHash: String,
      expiresAt: Date,
      confirmedAt: Date,
      /** .well-known proof: the token the requester publishes on the domain. */
      domainToken: String,
    },
    /** The requester affirms good faith and accuracy (DSA Art. 16(2)(d), DMCA 512(c)(3)(A)(v)). */
    goodFaith: Boolean,
    expiredAt: Date,
    /** Counter-notice by the source's verified contact (or an admin for it) against an enforced removal. */
    counter: {
      status: { type: String, enum: ['unconfirmed', 'filed', 'upheld', 'reinstated'] },
      name: { type: String, maxlength: 200 },
      email: { type: String, maxlength: 320 },
      statement: { type: String, maxlength: 10_000 },
      nonceHash: String,
      expiresAt: Date,
      filedAt: Date,
      /** Reinstated then unless an admin upholds the removal first (TAKEDOWN_COUNTER_WAIT_HOURS). */
      reinstateAfter: Date,
      resolvedAt: Date,
      resolvedBy: String,
    },
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
takedownSchema.index({ status: 1, 'proof.expiresAt': 1 });
takedownSchema.index({ 'counter.status': 1, 'counter.reinstateAfter': 1 });
takedownSchema.index({ receivedAt: 1 });

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

/** Kinds of mail a requester or contact gets about a request. */
export const NOTICE_KIND = ['confirm', 'receipt', 'decision', 'counter-confirm', 'counter-filed', 'counter-received', 'reinstated'] as const;

/** One notice: written before it is queued, so a mail outage delays it but cannot lose it. */
export const takedownNoticeSchema = new Schema({
  requestId: { type: String, required: true },
  kind: { type: String, enum: NOTICE_KIND, required: true },
  to: { type: String, required: true, maxlength: 320 },
  subject: { type: String, required: true },
  text: { type: String, required: true },
  queuedAt: { type: Date, required: true },
  sentAt: Date,
  messageId: String,
  attempts: { type: Number, default: 0 },
  lastError: String,
});
takedownNoticeSchema.index({ requestId: 1, queuedAt: 1 });
takedownNoticeSchema.index({ sentAt: 1, queuedAt: 1 });
export type TakedownNoticeDoc = InferSchemaType<typeof takedownNoticeSchema>;
export function takedownNoticeModel(conn: Connection): Model<TakedownNoticeDoc> {
  return (
    (conn.models.TakedownNotice as Model<TakedownNoticeDoc> | undefined) ??
    conn.model<TakedownNoticeDoc>('TakedownNotice', takedownNoticeSchema, 'takedown_notices')
  );
}
