import { Schema, type Connection, type InferSchemaType, type Model } from 'mongoose';

/**
 * Which articles a source or a registrable domain holds, so a takedown of a whole source,
 * domain or URL prefix finds its articles by `_id` reads instead of a collection scan
 * (FerretDB v1 scans for any filter but `_id`). A page: `_id` `<s|d>:<source id | domain>#<n>`,
 * `members` = "<article id> <url>". Each page has one writer: the process that inserted it
 * (FerretDB v1 loses concurrent updates of one document; inserts are atomic). Written before
 * the article itself, so a member can name an article that is not stored (yet, or any more).
 */
export const scopeMemberSchema = new Schema(
  {
    _id: { type: String, required: true },
    members: { type: [String], default: [] },
  },
  { versionKey: false },
);
export type ScopeMemberDoc = InferSchemaType<typeof scopeMemberSchema>;

export function scopeMemberModel(conn: Connection): Model<ScopeMemberDoc> {
  return (
    (conn.models.ScopeMember as Model<ScopeMemberDoc> | undefined) ??
    conn.model<ScopeMemberDoc>('ScopeMember', scopeMemberSchema, 'scope_members')
  );
}
