import 'reflect-metadata';
import { buildFederatedSchema, decodeCursor, encodeCursor, type BaseContext } from '@newsline/subgraph';
import { queryTerms } from '@newsline/search';
import type { ArticleEvent } from '@newsline/domain';
import type { ArticleDoc, Store } from '@newsline/store';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import { isValidObjectId, Types, type FilterQuery } from 'mongoose';
import {
  Arg,
  Args,
  ArgsType,
  Authorized,
  Ctx,
  Directive,
  Field,
  FieldResolver,
  GraphQLISODateTime,
  ID,
  InputType,
  Int,
  ObjectType,
  Query,
  Resolver,
  Root,
  Subscription,
} from 'type-graphql';
import type { LiveHub } from './live';

export interface ArticlesContext extends BaseContext {
  store: Store;
  live?: LiveHub;
}

type ArticleRecord = ArticleDoc & { _id: Types.ObjectId };

@ObjectType()
@Directive('@key(fields: "id", resolvable: false)')
export class Source {
  @Field(() => ID)
  id!: string;
}

@ObjectType()
export class Story {
  @Field(() => ID)
  id!: string;
}

@ObjectType()
@Directive('@key(fields: "id")')
export class Article {
  @Field(() => ID)
  id!: string;
  @Field(() => String)
  title!: string;
  @Field(() => String, { description: 'The canonical URL of the article.' })
  url!: string;
  @Field(() => String, { description: "The publisher's page: always link here." })
  sourceUrl!: string;
  @Field(() => String)
  attribution!: string;
  @Field(() => GraphQLISODateTime)
  publishedAt!: Date;
  @Field(() => String, { nullable: true })
  language?: string;
  @Field(() => String, { nullable: true })
  country?: string;
  @Field(() => [String])
  authors!: string[];
  @Field(() => String, { nullable: true })
  summary?: string;
  @Field(() => String, { nullable: true })
  body?: string;
  @Field(() => String, { nullable: true })
  image?: string;
  @Field(() => String, { nullable: true })
  section?: string;
  @Field(() => Source)
  source!: Source;
  @Field(() => Story, { nullable: true })
  story?: Story;
}

/** A live headline: built from the pub/sub event alone, so fan-out costs no database reads. */
@ObjectType()
export class Headline {
  @Field(() => ID, { description: 'The article id.' })
  id!: string;
  @Field(() => String)
  title!: string;
  @Field(() => String)
  url!: string;
  @Field(() => String)
  sourceUrl!: string;
  @Field(() => GraphQLISODateTime)
  publishedAt!: Date;
  @Field(() => String, { nullable: true })
  language?: string;
  @Field(() => String, { nullable: true })
  country?: string;
  @Field(() => String, { nullable: true })
  section?: string;
  @Field(() => Source)
  source!: Source;
}

@ObjectType()
export class RemovedHeadline {
  @Field(() => ID)
  id!: string;
  @Field(() => String)
  url!: string;
  @Field(() => GraphQLISODateTime)
  at!: Date;
}

@ObjectType()
class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;
  @Field(() => String, { nullable: true })
  endCursor?: string;
}

@ObjectType()
class ArticleEdge {
  @Field(() => String)
  cursor!: string;
  @Field(() => Article)
  node!: Article;
}

@ObjectType()
export class ArticleConnection {
  @Field(() => [ArticleEdge])
  edges!: ArticleEdge[];
  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}

@InputType()
export class HeadlineFilter {
  @Field(() => [ID], { nullable: true })
  sourceIds?: string[];
  @Field(() => [String], { nullable: true, description: 'BCP 47 language codes as stored (e.g. en, ja).' })
  languages?: string[];
  @Field(() => [String], { nullable: true, description: 'ISO 3166-1 alpha-2, upper case.' })
  countries?: string[];
  @Field(() => String, { nullable: true })
  section?: string;
  @Field(() => GraphQLISODateTime, { nullable: true, description: 'Published at or after.' })
  from?: Date;
  @Field(() => GraphQLISODateTime, { nullable: true, description: 'Published before.' })
  to?: Date;
  @Field(() => String, { nullable: true, description: 'Every word must match (same analysis as search).' })
  query?: string;
}

@InputType()
export class LiveFilter {
  @Field(() => [ID], { nullable: true })
  sourceIds?: string[];
  @Field(() => [String], { nullable: true })
  languages?: string[];
  @Field(() => [String], { nullable: true })
  countries?: string[];
}

@ArgsType()
class PageArgs {
  @Field(() => Int, { defaultValue: 20 })
  first!: number;
  @Field(() => String, { nullable: true })
  after?: string;
}

export const MAX_PAGE = 100;

export function toArticle(d: ArticleRecord): Article {
  const id = String(d._id);
  return {
    id,
    title: d.title,
    url: d.url,
    sourceUrl: d.sourceUrl,
    attribution: d.attribution,
    publishedAt: d.publishedAt,
    language: d.language ?? undefined,
    country: d.country ?? undefined,
    authors: d.authors ?? [],
    summary: d.summary ?? undefined,
    body: d.body ?? undefined,
    image: d.image ?? undefined,
    section: d.section ?? undefined,
    source: { id: String(d.sourceId) },
    story: d.storyId ? { id: d.storyId } : undefined,
  };
}

function objectIds(ids: string[], what: string): Types.ObjectId[] {
  for (const id of ids)
    if (!isValidObjectId(id)) throw new GraphQLError(`${what}: invalid id ${id}`, { extensions: { code: 'BAD_USER_INPUT' } });
  return ids.map((i) => new Types.ObjectId(i));
}

/** Mongo filter for a HeadlineFilter; `terms` are required to all match when a query is given. */
export function buildFilter(f: HeadlineFilter | undefined, terms?: string[]): FilterQuery<unknown> {
  const q: Record<string, unknown> = {};
  if (f?.sourceIds?.length) q.sourceId = { $in: objectIds(f.sourceIds, 'sourceIds') };
  if (f?.languages?.length) q.language = { $in: f.languages };
  if (f?.countries?.length) q.country = { $in: f.countries.map((c) => c.toUpperCase()) };
  if (f?.section) q.section = f.section;
  if (f?.from || f?.to) q.publishedAt = { ...(f.from ? { $gte: f.from } : {}), ...(f.to ? { $lt: f.to } : {}) };
  const fromQuery = f?.query?.trim() ? queryTerms(f.query) : [];
  // A query with no searchable word (".*", "?", punctuation) matches nothing, as in search: never everything.
  if (f?.query?.trim() && fromQuery.length === 0) q._id = { $in: [] };
  const t = [...(terms ?? []), ...fromQuery];
  if (t.length) q.terms = { $all: [...new Set(t)] };
  return q;
}

/** Keyset pagination on (publishedAt desc, _id desc): stable under inserts, no skip/limit drift. */
export async function page(store: Store, filter: FilterQuery<unknown>, first: number, after?: string): Promise<ArticleConnection> {
  if (first < 0 || first > MAX_PAGE)
    throw new GraphQLError(`first must be between 0 and ${MAX_PAGE}`, { extensions: { code: 'BAD_USER_INPUT' } });
  const and: FilterQuery<unknown>[] = [filter];
  if (after) {
    const c = decodeCursor(after);
    if (!c) throw new GraphQLError('invalid cursor', { extensions: { code: 'BAD_USER_INPUT' } });
    const t = new Date(c.t);
    const id = new Types.ObjectId(c.id);
    and.push({ $or: [{ publishedAt: { $lt: t } }, { publishedAt: t, _id: { $lt: id } }] });
  }
  const docs = await store.Article.find(and.length === 1 ? filter : { $and: and })
    .select('-text -terms -simhashBands -entryIds -keywords')
    .sort({ publishedAt: -1, _id: -1 })
    .limit(first + 1)
    .lean();
  const more = docs.length > first;
  const edges = docs
    .slice(0, first)
    .map((d) => ({ cursor: encodeCursor({ t: d.publishedAt.getTime(), id: String(d._id) }), node: toArticle(d as ArticleRecord) }));
  return { edges, pageInfo: { hasNextPage: more, endCursor: edges.at(-1)?.cursor } };
}

function toHeadline(e: ArticleEvent): Headline {
  if (e.type === 'headline.removed') throw new Error('not a headline');
  return {
    id: e.articleId,
    title: e.title,
    url: e.url,
    sourceUrl: e.sourceUrl,
    publishedAt: new Date(e.publishedAt),
    language: e.language,
    country: e.country,
    section: e.section,
    source: { id: e.sourceId },
  };
}

@Resolver(() => Article)
export class ArticleResolver {
  @Authorized('reader')
  @Query(() => Article, { nullable: true })
  async article(@Arg('id', () => ID) id: string, @Ctx() ctx: ArticlesContext): Promise<Article | null> {
    if (!isValidObjectId(id)) return null;
    const d = await ctx.store.Article.findById(id).lean();
    return d ? toArticle(d as ArticleRecord) : null;
  }

  @Authorized('reader')
  @Query(() => ArticleConnection, { description: 'Newest first; cursors are stable across inserts.' })
  headlines(
    @Arg('filter', () => HeadlineFilter, { nullable: true }) filter: HeadlineFilter | undefined,
    @Args(() => PageArgs) { first, after }: PageArgs,
    @Ctx() ctx: ArticlesContext,
  ): Promise<ArticleConnection> {
    return page(ctx.store, buildFilter(filter), first, after);
  }

  @Authorized('reader')
  @Query(() => ArticleConnection, { description: 'Articles containing every word of the query, newest first.' })
  async search(
    @Arg('query', () => String) query: string,
    @Arg('filter', () => HeadlineFilter, { nullable: true }) filter: HeadlineFilter | undefined,
    @Args(() => PageArgs) { first, after }: PageArgs,
    @Ctx() ctx: ArticlesContext,
  ): Promise<ArticleConnection> {
    const terms = queryTerms(query);
    if (terms.length === 0) return { edges: [], pageInfo: { hasNextPage: false } };
    return page(ctx.store, buildFilter(filter, terms), first, after);
  }
}

@Resolver(() => Story)
export class StoryResolver {
  @Authorized('reader')
  @Query(() => Story, { nullable: true })
  story(@Arg('id', () => ID) id: string): Story {
    return { id };
  }

  @FieldResolver(() => [Article], { description: 'Near-duplicate articles (same storyId), newest first, at most 50.' })
  async articles(@Root() s: Story, @Ctx() ctx: ArticlesContext): Promise<Article[]> {
    const docs = await ctx.store.Article.find({ storyId: s.id }).select('-text -terms').sort({ publishedAt: -1, _id: -1 }).limit(50).lean();
    return docs.map((d) => toArticle(d as ArticleRecord));
  }
}

function hub(ctx: ArticlesContext): LiveHub {
  if (!ctx.live) throw new GraphQLError('subscriptions are served over graphql-ws only', { extensions: { code: 'BAD_REQUEST' } });
  return ctx.live;
}

@Resolver()
export class LiveResolver {
  @Authorized('reader')
  @Subscription(() => Headline, {
    description: 'New articles as they are stored, filtered on the server.',
    subscribe: ({ args, context }) => hub(context as ArticlesContext).subscribe('added', (args as { filter?: LiveFilter }).filter ?? {}),
  })
  headlineAdded(@Root() e: ArticleEvent, @Arg('filter', () => LiveFilter, { nullable: true }) _filter?: LiveFilter): Headline {
    return toHeadline(e);
  }

  @Authorized('reader')
  @Subscription(() => RemovedHeadline, {
    description: 'Articles removed (takedowns): clients must drop them.',
    subscribe: ({ context }) => hub(context as ArticlesContext).subscribe('removed'),
  })
  headlineRemoved(@Root() e: ArticleEvent): RemovedHeadline {
    if (e.type !== 'headline.removed') throw new Error('unexpected event');
    return { id: e.articleId, url: e.url, at: new Date(e.at) };
  }
}

export function buildArticlesSchema(): Promise<GraphQLSchema> {
  return buildFederatedSchema(
    { resolvers: [ArticleResolver, StoryResolver, LiveResolver] },
    {
      Article: async (ref, ctx) => {
        if (!isValidObjectId(ref.id)) return null;
        const d = await (ctx as ArticlesContext).store.Article.findById(ref.id).lean();
        return d ? toArticle(d as ArticleRecord) : null;
      },
    },
  );
}
