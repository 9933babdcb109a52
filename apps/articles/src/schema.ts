import 'reflect-metadata';
import { buildFederatedSchema, decodeCursor, encodeCursor, type BaseContext } from '@newsline/subgraph';
import { queryTerms } from '@newsline/search';
import type { ArticleEvent } from '@newsline/domain';
import type { ArticleDoc, Store } from '@newsline/store';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import { isValidObjectId, Types } from 'mongoose';
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
import { PAGE_INDEXES, pageOfArticles, type PageQuery } from '@newsline/store';
import type { RecentWindow, WindowDoc, WindowSnapshot } from './recent-window';

export interface ArticlesContext extends BaseContext {
  store: Store;
  live?: LiveHub;
  /** Newest articles in memory: headlines/search pages it holds cost no database read. */
  window?: RecentWindow;
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

/** The planner's query for a HeadlineFilter; `terms` are required to all match when a query is given. */
export function pageQuery(f: HeadlineFilter | undefined, terms?: string[]): PageQuery {
  const fromQuery = f?.query?.trim() ? queryTerms(f.query) : [];
  const t = [...new Set([...(terms ?? []), ...fromQuery])];
  return {
    sourceIds: f?.sourceIds?.length ? objectIds(f.sourceIds, 'sourceIds') : undefined,
    languages: f?.languages?.length ? f.languages : undefined,
    countries: f?.countries?.length ? f.countries.map((c) => c.toUpperCase()) : undefined,
    section: f?.section || undefined,
    from: f?.from,
    to: f?.to,
    terms: t.length ? t : undefined,
    // A query with no searchable word (".*", "?", punctuation) matches nothing, as in search: never everything.
    none: !!f?.query?.trim() && fromQuery.length === 0,
  };
}

/** Bounds on filter inputs: a 10,000-entry `$in` or a megabyte of query text is abuse, refused before any work. */
export const FILTER_LIMITS = { listEntries: 50, entryChars: 64, queryChars: 500 } as const;

export function checkFilter(f: HeadlineFilter | undefined, query?: string): void {
  const problems: string[] = [];
  for (const [name, list] of Object.entries({ sourceIds: f?.sourceIds, languages: f?.languages, countries: f?.countries })) {
    if (!list) continue;
    if (list.length > FILTER_LIMITS.listEntries) problems.push(`${name}: at most ${FILTER_LIMITS.listEntries} entries`);
    else if (list.some((v) => v.length > FILTER_LIMITS.entryChars))
      problems.push(`${name}: entries of at most ${FILTER_LIMITS.entryChars} characters`);
  }
  if ((f?.section?.length ?? 0) > FILTER_LIMITS.entryChars) problems.push(`section: at most ${FILTER_LIMITS.entryChars} characters`);
  for (const [name, q] of Object.entries({ 'filter.query': f?.query, query }))
    if ((q?.length ?? 0) > FILTER_LIMITS.queryChars) problems.push(`${name}: at most ${FILTER_LIMITS.queryChars} characters`);
  if (problems.length)
    throw new GraphQLError(`invalid filter: ${problems.join('; ')}`, { extensions: { code: 'BAD_USER_INPUT', problems } });
}

function pageArgs(first: number, after?: string): { t: number; id: string } | undefined {
  if (first < 0 || first > MAX_PAGE)
    throw new GraphQLError(`first must be between 0 and ${MAX_PAGE}`, { extensions: { code: 'BAD_USER_INPUT' } });
  if (!after) return undefined;
  const c = decodeCursor(after);
  if (!c) throw new GraphQLError('invalid cursor', { extensions: { code: 'BAD_USER_INPUT' } });
  return c;
}

/** The same predicate as buildFilter(f, terms), on a document in memory. */
export function matcher(f: HeadlineFilter | undefined, terms?: string[]): (d: WindowDoc) => boolean {
  const sources = f?.sourceIds?.length ? new Set(objectIds(f.sourceIds, 'sourceIds').map(String)) : undefined;
  const languages = f?.languages?.length ? new Set(f.languages) : undefined;
  const countries = f?.countries?.length ? new Set(f.countries.map((c) => c.toUpperCase())) : undefined;
  const section = f?.section || undefined;
  const from = f?.from?.getTime();
  const to = f?.to?.getTime();
  const fromQuery = f?.query?.trim() ? queryTerms(f.query) : [];
  if (f?.query?.trim() && fromQuery.length === 0) return () => false;
  const all = [...new Set([...(terms ?? []), ...fromQuery])];
  return (d) => {
    if (sources && !sources.has(String(d.sourceId))) return false;
    // $in: [null] matches a missing field in MongoDB: `?? null` keeps that.
    if (languages && !languages.has((d.language ?? null) as string)) return false;
    if (countries && !(typeof d.country === 'string' && countries.has(d.country))) return false;
    if (section !== undefined && d.section !== section) return false;
    const t = d.publishedAt.getTime();
    if (from !== undefined && t < from) return false;
    if (to !== undefined && t >= to) return false;
    return all.every((w) => d.terms?.includes(w));
  };
}

function edgesOf(docs: readonly WindowDoc[], first: number): ArticleConnection {
  const edges = docs.slice(0, first).map((d) => ({
    cursor: encodeCursor({ t: d.publishedAt.getTime(), id: String(d._id) }),
    node: toArticle(d as unknown as ArticleRecord),
  }));
  return { edges, pageInfo: { hasNextPage: docs.length > first, endCursor: edges.at(-1)?.cursor } };
}

/**
 * The page from the in-memory window, or undefined when the window cannot prove it complete:
 * fewer than first+1 matches in it while older articles exist beyond it. A filter bounded by
 * `from` is complete when the window reaches back past it (it holds every newer article).
 */
export function pageFromWindow(
  w: WindowSnapshot,
  match: (d: WindowDoc) => boolean,
  first: number,
  after?: { t: number; id: string },
  from?: Date,
): ArticleConnection | undefined {
  const out: WindowDoc[] = [];
  // The window is sorted newest first: the page starts at the first article past the cursor
  // (binary search; a catch-up client's deep pages made a scan from the top cost O(window) each).
  let lo = 0;
  if (after) {
    let hi = w.docs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const d = w.docs[mid]!;
      const t = d.publishedAt.getTime();
      // ObjectId hex strings of equal length order like the ids themselves.
      if (t > after.t || (t === after.t && String(d._id) >= after.id)) lo = mid + 1;
      else hi = mid;
    }
  }
  const fromT = from?.getTime();
  for (let i = lo; i < w.docs.length; i++) {
    const d = w.docs[i]!;
    // Older than `from`: so is everything after it, none can match.
    if (fromT !== undefined && d.publishedAt.getTime() < fromT) break;
    if (match(d) && out.push(d) > first) return edgesOf(out, first);
  }
  const oldest = w.docs[w.docs.length - 1];
  const reachesPast = !!from && !!oldest && oldest.publishedAt.getTime() < from.getTime();
  return w.complete || reachesPast ? edgesOf(out, first) : undefined;
}

/** Headlines/search page: from the recent window when it holds the page, else from the database. */
async function pageOf(
  ctx: ArticlesContext,
  f: HeadlineFilter | undefined,
  terms: string[] | undefined,
  first: number,
  after?: string,
): Promise<ArticleConnection> {
  checkFilter(f);
  const q = pageQuery(f, terms);
  const cursor = pageArgs(first, after);
  if (ctx.window) {
    const w = await ctx.window.get().catch(() => undefined); // a failed read: the query below reports it
    const r = w && pageFromWindow(w, matcher(f, terms), first, cursor, f?.from);
    if (r) return r;
  }
  return edgesOf(await pageOfArticles(ctx.store, q, first, cursor, PAGE_FIELDS), first);
}

/** What a page reads of an article (not the search terms, text or dedup fields). */
const PAGE_FIELDS = '-text -terms -simhashBands -entryIds -keywords';

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
    return pageOf(ctx, filter, undefined, first, after);
  }

  @Authorized('reader')
  @Query(() => ArticleConnection, { description: 'Articles containing every word of the query, newest first.' })
  async search(
    @Arg('query', () => String) query: string,
    @Arg('filter', () => HeadlineFilter, { nullable: true }) filter: HeadlineFilter | undefined,
    @Args(() => PageArgs) { first, after }: PageArgs,
    @Ctx() ctx: ArticlesContext,
  ): Promise<ArticleConnection> {
    checkFilter(filter, query);
    const terms = queryTerms(query);
    if (terms.length === 0) return { edges: [], pageInfo: { hasNextPage: false } };
    return pageOf(ctx, filter, terms, first, after);
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
    const docs = await ctx.store.Article.find({ storyId: s.id })
      .select('-text -terms')
      .sort({ publishedAt: -1, _id: -1 })
      .limit(50)
      .hint(PAGE_INDEXES.story)
      .lean();
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
    subscribe: ({ args, context }) => {
      const filter = (args as { filter?: LiveFilter }).filter ?? {};
      checkFilter(filter);
      return hub(context as ArticlesContext).subscribe('added', filter);
    },
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
