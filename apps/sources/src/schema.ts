import 'reflect-metadata';
import { buildFederatedSchema, type BaseContext } from '@newsline/subgraph';
import { canonicalUrl, hostOf } from '@newsline/domain';
import type { FeedDoc, SourceDoc, Store } from '@newsline/store';
import DataLoader from 'dataloader';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import { isValidObjectId, Types } from 'mongoose';
import {
  Arg,
  Authorized,
  Ctx,
  Directive,
  Field,
  FieldResolver,
  GraphQLISODateTime,
  ID,
  InputType,
  Int,
  Mutation,
  ObjectType,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import { parseOpml } from './opml';
import { discoverFeeds, type DiscoveryResult } from './discover';
import type { PoliteClient } from '@newsline/http';

type SourceRecord = SourceDoc & { _id: Types.ObjectId };
type FeedRecord = FeedDoc & { _id: Types.ObjectId };

export interface SourcesContext extends BaseContext {
  store: Store;
  /** Per request: every Source reference in one response costs one query (entities are batched). */
  sourceLoader: DataLoader<string, SourceRecord | null>;
  feedsLoader: DataLoader<string, FeedRecord[]>;
  /** The polite client discovery fetches through (SSRF guard, robots.txt, per-host limits). */
  http?: PoliteClient;
}

export function createLoaders(store: Store): Pick<SourcesContext, 'sourceLoader' | 'feedsLoader'> {
  return {
    sourceLoader: new DataLoader(async (ids) => {
      const valid = ids.filter((i) => isValidObjectId(i));
      const docs = (await store.Source.find({ _id: { $in: valid.map((i) => new Types.ObjectId(i)) } }).lean()) as SourceRecord[];
      const byId = new Map(docs.map((d) => [String(d._id), d]));
      return ids.map((i) => byId.get(i) ?? null);
    }),
    feedsLoader: new DataLoader(async (ids) => {
      const docs = (await store.Feed.find({ sourceId: { $in: ids.map((i) => new Types.ObjectId(i)) } })
        .sort({ url: 1 })
        .lean()) as FeedRecord[];
      return ids.map((i) => docs.filter((d) => String(d.sourceId) === i));
    }),
  };
}

@ObjectType()
class FeedWebSub {
  @Field(() => String)
  hub!: string;
  @Field(() => String)
  topic!: string;
  @Field(() => String, { description: 'subscribing | subscribed | denied | failed' })
  state!: string;
  @Field(() => GraphQLISODateTime, { nullable: true })
  expiresAt?: Date;
  @Field(() => GraphQLISODateTime, { nullable: true })
  lastPushAt?: Date;
  @Field(() => Int)
  pushes!: number;
  @Field(() => Int, { description: 'Pushes dropped for a missing or wrong signature.' })
  rejectedPushes!: number;
  @Field(() => String, { nullable: true })
  lastError?: string;
}

@ObjectType()
class DiscoveredFeed {
  @Field(() => String)
  url!: string;
  @Field(() => String, { description: 'direct | link | link-header | well-known' })
  via!: string;
  @Field(() => String)
  format!: string;
  @Field(() => String, { nullable: true })
  title?: string;
  @Field(() => Int)
  entries!: number;
  @Field(() => [String])
  hubs!: string[];
}

@ObjectType()
class RejectedCandidate {
  @Field(() => String)
  url!: string;
  @Field(() => String)
  via!: string;
  @Field(() => String)
  reason!: string;
}

@ObjectType()
class DiscoveredSitemap {
  @Field(() => String)
  url!: string;
  @Field(() => String, { description: 'robots (a Sitemap: line of robots.txt)' })
  via!: string;
  @Field(() => String, { description: 'urlset | index' })
  kind!: string;
  @Field(() => Int)
  urls!: number;
  @Field(() => Int, { description: 'URLs with a Google News block' })
  news!: number;
  @Field(() => Int, { description: 'URLs on other hosts, refused' })
  refused!: number;
}

@ObjectType()
class FeedDiscovery {
  @Field(() => [DiscoveredSitemap])
  sitemaps!: DiscoveredSitemap[];
  @Field(() => String)
  siteUrl!: string;
  @Field(() => String, { nullable: true })
  pageUrl?: string;
  @Field(() => [DiscoveredFeed])
  feeds!: DiscoveredFeed[];
  @Field(() => [RejectedCandidate])
  rejected!: RejectedCandidate[];
  @Field(() => String, { nullable: true })
  error?: string;
  @Field(() => GraphQLISODateTime, { nullable: true })
  at?: Date;
}

@ObjectType()
class Feed {
  @Field(() => ID)
  id!: string;
  @Field(() => String)
  url!: string;
  @Field(() => String, { nullable: true })
  title?: string;
  @Field(() => Boolean)
  paused!: boolean;
  @Field(() => GraphQLISODateTime, { nullable: true })
  lastFetchAt?: Date;
  @Field(() => GraphQLISODateTime, { nullable: true })
  lastSuccessAt?: Date;
  @Field(() => Int)
  consecutiveErrors!: number;
  @Field(() => String, { nullable: true })
  lastError?: string;
  @Field(() => GraphQLISODateTime, { nullable: true })
  nextPollAt?: Date;
  @Field(() => Int)
  intervalSec!: number;
  @Field(() => String, { description: 'feed, or sitemap (a news sitemap or sitemap index: its URLs of the last two days become articles)' })
  kind!: string;
  @Field(() => String, { description: 'push (a verified WebSub subscription delivers entries; polling is the slow safety net) or poll' })
  mode!: string;
  @Field(() => FeedWebSub, { nullable: true })
  websub?: FeedWebSub;
  @Field(() => String, { nullable: true, description: 'manual | direct | link | link-header | well-known' })
  discoveredVia?: string;
}

@ObjectType()
class SourceHealth {
  @Field(() => String, { description: 'ok | degraded (some feeds failing) | failing (all feeds failing) | paused | no-feeds' })
  status!: string;
  @Field(() => Int)
  feeds!: number;
  @Field(() => Int)
  failingFeeds!: number;
  @Field(() => GraphQLISODateTime, { nullable: true })
  lastSuccessAt?: Date;
}

@ObjectType()
class SourceCounts {
  @Field(() => Int)
  articles!: number;
  @Field(() => Int)
  feeds!: number;
}

@ObjectType()
@Directive('@key(fields: "id")')
export class Source {
  @Field(() => ID)
  id!: string;
  @Field(() => String)
  name!: string;
  @Field(() => String)
  key!: string;
  @Field(() => String)
  homepage!: string;
  @Field(() => String, { nullable: true })
  country?: string;
  @Field(() => [String])
  languages!: string[];
  @Field(() => String)
  attribution!: string;
  @Field(() => Boolean)
  paused!: boolean;
  @Field(() => SourceCounts, { description: 'Maintained counters, never a scan.' })
  counts!: SourceCounts;
  @Field(() => FeedDiscovery, { nullable: true, description: 'The last feed autodiscovery run for this source.' })
  discovery?: FeedDiscovery;
}

function toSource(d: SourceRecord): Source {
  return {
    id: String(d._id),
    name: d.name,
    key: d.key,
    homepage: d.homepage,
    country: d.country ?? undefined,
    languages: d.languages ?? [],
    attribution: d.attribution,
    paused: d.paused ?? false,
    counts: { articles: d.counts?.articles ?? 0, feeds: d.counts?.feeds ?? 0 },
    discovery: d.discovery?.at
      ? {
          at: d.discovery.at,
          siteUrl: d.discovery.siteUrl ?? d.homepage,
          feeds: (d.discovery.found ?? []).map((f) => ({
            url: f.url ?? '',
            via: f.via ?? '',
            format: f.format ?? '',
            title: f.title ?? undefined,
            entries: f.entries ?? 0,
            hubs: f.hubs ?? [],
          })),
          rejected: (d.discovery.rejected ?? []).map((r) => ({ url: r.url ?? '', via: r.via ?? '', reason: r.reason ?? '' })),
          sitemaps: (d.discovery.sitemaps ?? []).map((m) => ({
            url: m.url ?? '',
            via: m.via ?? 'robots',
            kind: m.kind ?? 'urlset',
            urls: m.urls ?? 0,
            news: m.news ?? 0,
            refused: m.refused ?? 0,
          })),
          error: d.discovery.error ?? undefined,
        }
      : undefined,
  };
}

function toFeed(d: FeedRecord): Feed {
  return {
    id: String(d._id),
    url: d.url,
    title: d.title ?? undefined,
    paused: d.paused ?? false,
    lastFetchAt: d.lastFetchAt ?? undefined,
    lastSuccessAt: d.lastSuccessAt ?? undefined,
    consecutiveErrors: d.consecutiveErrors ?? 0,
    lastError: d.lastError ?? undefined,
    nextPollAt: d.nextPollAt ?? undefined,
    intervalSec: d.intervalSec ?? 900,
    kind: d.kind ?? 'feed',
    mode: d.websub?.state === 'subscribed' && d.websub.expiresAt && d.websub.expiresAt > new Date() ? 'push' : 'poll',
    websub:
      d.websub?.hub && d.websub.state
        ? {
            hub: d.websub.hub,
            topic: d.websub.topic ?? d.url,
            state: d.websub.state,
            expiresAt: d.websub.expiresAt ?? undefined,
            lastPushAt: d.websub.lastPushAt ?? undefined,
            pushes: d.websub.pushes ?? 0,
            rejectedPushes: d.websub.rejectedPushes ?? 0,
            lastError: d.websub.lastError ?? undefined,
          }
        : undefined,
    discoveredVia: d.discoveredVia ?? undefined,
  };
}

@InputType()
class SourceInput {
  @Field(() => String, { nullable: true })
  name?: string;
  @Field(() => String, { nullable: true, description: 'Slug; derived from the homepage host when omitted on add.' })
  key?: string;
  @Field(() => String, { nullable: true })
  homepage?: string;
  @Field(() => String, { nullable: true })
  country?: string;
  @Field(() => [String], { nullable: true })
  languages?: string[];
  @Field(() => String, { nullable: true })
  attribution?: string;
  @Field(() => [String], { nullable: true, description: 'Feed URLs to attach (existing URLs are skipped).' })
  feeds?: string[];
  @Field(() => [String], {
    nullable: true,
    description: 'Sitemap or sitemap-index URLs to poll (news: sitemaps); each must be on the homepage host (sitemaps.org same-host rule).',
  })
  sitemaps?: string[];
  @Field(() => Boolean, {
    nullable: true,
    description:
      'addSource only: find the feeds of `homepage` (autodiscovery), record the result on the source and attach every feed found, or only those of `feeds` (each must be among them). `name` defaults to the first feed title.',
  })
  discover?: boolean;
}

@ObjectType()
class ImportResult {
  @Field(() => Int)
  sourcesCreated!: number;
  @Field(() => Int)
  feedsCreated!: number;
  @Field(() => Int)
  skipped!: number;
  @Field(() => [String])
  errors!: string[];
}

const badInput = (m: string) => new GraphQLError(m, { extensions: { code: 'BAD_USER_INPUT' } });

function httpUrl(u: string, what: string): string {
  try {
    return canonicalUrl(u);
  } catch {
    throw badInput(`${what}: not an http(s) URL: ${u}`);
  }
}

const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 100) || 'source';

/** Adds feeds that do not exist yet (by URL, the unique index) and bumps the source's feed counter. */
async function addFeeds(
  store: Store,
  sourceId: Types.ObjectId,
  urls: { url: string; title?: string; via?: string; kind?: 'feed' | 'sitemap' }[],
): Promise<{ created: number; skipped: number }> {
  let created = 0;
  let skipped = 0;
  for (const f of urls) {
    // Upsert on the unique url: concurrent imports of the same OPML cannot create duplicates.
    const r = await store.Feed.updateOne(
      { url: f.url },
      { $setOnInsert: { url: f.url, sourceId, title: f.title, discoveredVia: f.via ?? 'manual', kind: f.kind ?? 'feed' } },
      { upsert: true },
    );
    if (r.upsertedCount) created++;
    else skipped++;
  }
  if (created) await store.Source.updateOne({ _id: sourceId }, { $inc: { 'counts.feeds': created } });
  return { created, skipped };
}

/** Sitemap URLs of the input, each on the homepage's host (a sitemap may only list its own host's URLs). */
function sitemapFeeds(homepage: string, sitemaps: string[] | undefined, via = 'manual') {
  const host = new URL(homepage).hostname;
  return (sitemaps ?? []).map((u) => {
    const url = httpUrl(u, 'sitemap');
    if (new URL(url).hostname !== host) throw badInput(`sitemap ${url} is not on ${host}`);
    return { url, via, kind: 'sitemap' as const };
  });
}

async function runDiscovery(ctx: SourcesContext, siteUrl: string): Promise<DiscoveryResult> {
  if (!ctx.http) throw new GraphQLError('feed discovery is not configured on this server', { extensions: { code: 'UNAVAILABLE' } });
  return discoverFeeds(ctx.http, siteUrl);
}

const discoveryDoc = (r: DiscoveryResult) => ({
  at: new Date(),
  siteUrl: r.siteUrl,
  found: r.feeds.map((f) => ({ url: f.url, via: f.via, format: f.format, title: f.title, entries: f.entries, hubs: f.hubs })),
  rejected: r.rejected.map((x) => ({ url: x.url, via: x.via, reason: x.reason.slice(0, 300) })),
  sitemaps: r.sitemaps,
  error: r.error,
});

@Resolver(() => Source)
export class SourceResolver {
  @Authorized('reader')
  @Query(() => [Source])
  async sources(@Ctx() ctx: SourcesContext, @Arg('first', () => Int, { defaultValue: 100 }) first: number): Promise<Source[]> {
    const docs = (await ctx.store.Source.find()
      .sort({ key: 1 })
      .limit(Math.min(Math.max(first, 0), 500))
      .lean()) as SourceRecord[];
    return docs.map(toSource);
  }

  @Authorized('reader')
  @Query(() => Source, { nullable: true })
  async source(@Arg('id', () => ID) id: string, @Ctx() ctx: SourcesContext): Promise<Source | null> {
    const d = await ctx.sourceLoader.load(id);
    return d ? toSource(d) : null;
  }

  @FieldResolver(() => [Feed])
  async feeds(@Root() s: Source, @Ctx() ctx: SourcesContext): Promise<Feed[]> {
    return (await ctx.feedsLoader.load(s.id)).map(toFeed);
  }

  @FieldResolver(() => SourceHealth)
  async health(@Root() s: Source, @Ctx() ctx: SourcesContext): Promise<SourceHealth> {
    const feeds = await ctx.feedsLoader.load(s.id);
    const failing = feeds.filter((f) => (f.consecutiveErrors ?? 0) > 0).length;
    const last = feeds.map((f) => f.lastSuccessAt?.getTime() ?? 0).reduce((a, b) => Math.max(a, b), 0);
    const status = s.paused
      ? 'paused'
      : feeds.length === 0
        ? 'no-feeds'
        : failing === 0
          ? 'ok'
          : failing === feeds.length
            ? 'failing'
            : 'degraded';
    return { status, feeds: feeds.length, failingFeeds: failing, lastSuccessAt: last ? new Date(last) : undefined };
  }

  @Authorized('admin')
  @Query(() => FeedDiscovery, {
    description: 'Finds the feeds of a site without adding anything: announced links, then well-known paths, each fetched and parsed.',
  })
  async discoverFeeds(@Arg('siteUrl', () => String) siteUrl: string, @Ctx() ctx: SourcesContext): Promise<FeedDiscovery> {
    return { ...(await runDiscovery(ctx, httpUrl(siteUrl, 'siteUrl'))), at: new Date() };
  }

  @Authorized('admin')
  @Mutation(() => Source)
  async addSource(@Arg('input', () => SourceInput) input: SourceInput, @Ctx() ctx: SourcesContext): Promise<Source> {
    if (!input.homepage || (!input.name && !input.discover)) throw badInput('name and homepage are required');
    const homepage = httpUrl(input.homepage, 'homepage');
    const key = slug(input.key ?? hostOf(homepage));
    if (await ctx.store.Source.exists({ key })) throw badInput(`a source with key ${key} exists`);
    // Discovery runs before anything is written: a site without feeds adds no source.
    const found = input.discover ? await runDiscovery(ctx, homepage) : undefined;
    let picked: DiscoveryResult['feeds'] = [];
    if (found) {
      const wanted = input.feeds?.length ? new Set(input.feeds.map((u) => httpUrl(u, 'feed'))) : undefined;
      picked = wanted ? found.feeds.filter((f) => wanted.has(canonicalUrl(f.url))) : found.feeds;
      const missing = wanted ? [...wanted].filter((u) => !found.feeds.some((f) => canonicalUrl(f.url) === u)) : [];
      if (missing.length) throw badInput(`not among the feeds discovered at ${homepage}: ${missing.join(', ')}`);
      if (!picked.length && !found.sitemaps.some((m) => m.news > 0))
        throw badInput(
          `no feed found at ${homepage}${found.error ? ` (${found.error})` : ''}; refused: ${found.rejected.map((r) => `${r.url} (${r.reason})`).join('; ') || 'none announced'}`,
        );
    }
    // Discovered sitemaps are polled only when they are news sitemaps (a full-site sitemap is an archive).
    const sitemaps = sitemapFeeds(
      homepage,
      input.sitemaps ??
        found?.sitemaps.filter((m) => m.news > 0 && new URL(m.url).hostname === new URL(homepage).hostname).map((m) => m.url),
      input.sitemaps ? 'manual' : 'robots',
    );
    const name = input.name ?? picked[0]?.title ?? hostOf(homepage);
    const doc = await ctx.store.Source.create({
      name,
      key,
      homepage,
      country: input.country,
      languages: input.languages ?? [],
      attribution: input.attribution ?? name,
      ...(found ? { discovery: discoveryDoc(found) } : {}),
    });
    if (found)
      await addFeeds(
        ctx.store,
        doc._id,
        picked.map((f) => ({ url: canonicalUrl(f.url), title: f.title, via: f.via })),
      );
    else if (input.feeds?.length)
      await addFeeds(
        ctx.store,
        doc._id,
        input.feeds.map((u) => ({ url: httpUrl(u, 'feed') })),
      );
    if (sitemaps.length) await addFeeds(ctx.store, doc._id, sitemaps);
    return toSource((await ctx.store.Source.findById(doc._id).lean()) as SourceRecord);
  }

  @Authorized('admin')
  @Mutation(() => Source)
  async updateSource(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => SourceInput) input: SourceInput,
    @Ctx() ctx: SourcesContext,
  ): Promise<Source> {
    if (!isValidObjectId(id)) throw badInput('invalid id');
    const set: Record<string, unknown> = {};
    if (input.name) set.name = input.name;
    if (input.key) set.key = slug(input.key);
    if (input.homepage) set.homepage = httpUrl(input.homepage, 'homepage');
    if (input.country !== undefined) set.country = input.country;
    if (input.languages) set.languages = input.languages;
    if (input.attribution) set.attribution = input.attribution;
    const d = await ctx.store.Source.findByIdAndUpdate(id, { $set: set }, { new: true, runValidators: true }).lean();
    if (!d) throw new GraphQLError('source not found', { extensions: { code: 'NOT_FOUND' } });
    if (input.feeds?.length)
      await addFeeds(
        ctx.store,
        d._id,
        input.feeds.map((u) => ({ url: httpUrl(u, 'feed') })),
      );
    if (input.sitemaps?.length) await addFeeds(ctx.store, d._id, sitemapFeeds(d.homepage, input.sitemaps));
    return toSource(d as SourceRecord);
  }

  @Authorized('editor')
  @Mutation(() => Source)
  async pauseSource(
    @Arg('id', () => ID) id: string,
    @Arg('paused', () => Boolean) paused: boolean,
    @Ctx() ctx: SourcesContext,
  ): Promise<Source> {
    if (!isValidObjectId(id)) throw badInput('invalid id');
    const d = await ctx.store.Source.findByIdAndUpdate(id, { $set: { paused } }, { new: true }).lean();
    if (!d) throw new GraphQLError('source not found', { extensions: { code: 'NOT_FOUND' } });
    return toSource(d as SourceRecord);
  }

  @Authorized('admin')
  @Mutation(() => ImportResult, { description: 'Idempotent: feeds are matched by URL, sources by homepage host key.' })
  async importOpml(@Arg('opml', () => String) opml: string, @Ctx() ctx: SourcesContext): Promise<ImportResult> {
    const result: ImportResult = { sourcesCreated: 0, feedsCreated: 0, skipped: 0, errors: [] };
    let feeds;
    try {
      feeds = parseOpml(opml);
    } catch (err) {
      throw badInput(`invalid OPML: ${(err as Error).message}`);
    }
    for (const f of feeds.slice(0, 5000)) {
      try {
        const url = canonicalUrl(f.url);
        if (await ctx.store.Feed.exists({ url })) {
          result.skipped++;
          continue;
        }
        const homepage = canonicalUrl(f.homepage || new URL(url).origin);
        const key = slug(hostOf(homepage));
        const src = await ctx.store.Source.findOneAndUpdate(
          { key },
          { $setOnInsert: { key, name: f.title || hostOf(homepage), homepage, attribution: f.title || hostOf(homepage) } },
          { upsert: true, new: true, includeResultMetadata: true },
        );
        if (!src.lastErrorObject?.updatedExisting) result.sourcesCreated++;
        const r = await addFeeds(ctx.store, src.value!._id, [{ url, title: f.title }]);
        result.feedsCreated += r.created;
        result.skipped += r.skipped;
      } catch (err) {
        result.errors.push(`${f.url}: ${(err as Error).message}`);
      }
    }
    return result;
  }
}

export function buildSourcesSchema(): Promise<GraphQLSchema> {
  return buildFederatedSchema(
    { resolvers: [SourceResolver] },
    {
      Source: async (ref, ctx) => {
        const d = await (ctx as SourcesContext).sourceLoader.load(ref.id);
        return d ? toSource(d) : null;
      },
    },
  );
}
