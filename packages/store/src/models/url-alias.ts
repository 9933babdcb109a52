import { Schema, type Connection, type InferSchemaType, type Model } from 'mongoose';

/**
 * Where an article stored under another key went: `_id` is the derived article id of a URL key
 * (`articleIdFor(urlKey)`), `articleId` the article whose `urlKey` it now is. Written when
 * extraction re-keys an article to its page's canonical URL, so finding the article of a URL
 * stays two `_id` lookups (FerretDB v1 scans for anything but `_id`).
 */
export const urlAliasSchema = new Schema(
  {
    _id: { type: String, required: true },
    urlKey: { type: String, required: true },
    articleId: { type: String, required: true },
  },
  { versionKey: false },
);
export type UrlAliasDoc = InferSchemaType<typeof urlAliasSchema>;

export function urlAliasModel(conn: Connection): Model<UrlAliasDoc> {
  return (conn.models.UrlAlias as Model<UrlAliasDoc> | undefined) ?? conn.model<UrlAliasDoc>('UrlAlias', urlAliasSchema, 'url_aliases');
}
