import { Schema, type Connection, type InferSchemaType, type Model } from 'mongoose';

/**
 * Append-only, hash-chained takedown audit log. `_id` is the sequence number: the unique `_id`
 * makes two writers racing for the same position fail instead of forking the chain.
 * hash = sha256(prevHash + canonical JSON of { seq, at, requestId, action, actor, data }).
 */
export const auditEntrySchema = new Schema(
  {
    _id: { type: Number, required: true },
    at: { type: Date, required: true },
    requestId: { type: String, required: true },
    action: { type: String, required: true },
    actor: { type: String, required: true },
    data: { type: Schema.Types.Mixed, default: {} },
    prevHash: { type: String, required: true },
    hash: { type: String, required: true },
  },
  { versionKey: false, minimize: false },
);
export type AuditEntryDoc = InferSchemaType<typeof auditEntrySchema>;

/** The chain head (`_id: 'head'`): the last sequence number and hash, so appending is `_id` reads only. */
export const auditHeadSchema = new Schema({ _id: { type: String, required: true }, seq: Number, hash: String }, { versionKey: false });
export type AuditHeadDoc = InferSchemaType<typeof auditHeadSchema>;

export function auditModels(conn: Connection): { Entry: Model<AuditEntryDoc>; Head: Model<AuditHeadDoc> } {
  return {
    Entry:
      (conn.models.TakedownAudit as Model<AuditEntryDoc> | undefined) ??
      conn.model<AuditEntryDoc>('TakedownAudit', auditEntrySchema, 'takedown_audit'),
    Head:
      (conn.models.TakedownAuditHead as Model<AuditHeadDoc> | undefined) ??
      conn.model<AuditHeadDoc>('TakedownAuditHead', auditHeadSchema, 'takedown_audit_head'),
  };
}
