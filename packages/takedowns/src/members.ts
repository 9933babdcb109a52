import { hostOf } from '@newsline/domain';
import { scopeMemberModel, type Store } from '@newsline/store';
import type Redis from 'ioredis';
import type { Connection } from 'mongoose';
import { parse } from 'tldts';
import { matchesScope, type MatchScope } from './scope';

/** An article as the member index records it. */
export interface MemberArticle {
  id: string;
  url: string;
  sourceId: string;
}

/** Members a page takes before its writer starts the next one (a page is read whole). */
const PAGE_MAX = 2000;
/** Pages read at once. */
const READ_CHUNK = 32;
/** Past the page counter, pages are probed until this many in a row are missing (the counter may have been lost with Redis). */
const PROBE_MISSES = 4;

/** The domain bucket of an article's host: its registrable domain (public suffix list), or the host itself for IPs and single labels. */
export function domainBucketOfHost(host: string): string {
  const p = parse(host);
  if (p.isIp) return host;
  return p.domain ?? host;
}

/**
 * The index key a scope's articles are listed under, or undefined when only a scan can find
 * them (URL scopes are `_id` lookups; a domain scope that is a public suffix, such as `co.uk`,
 * or a single label spans many keys).
 */
export function memberBase(s: MatchScope): string | undefined {
  switch (s.kind) {
    case 'SOURCE':
      return `s:${s.key}`;
    case 'DOMAIN':
    case 'PREFIX': {
      const host = s.kind === 'DOMAIN' ? s.key : s.key.split('/')[0]!.replace(/:\d+$/, '');
      const p = parse(host);
      if (p.isIp) return `d:${host}`;
      return p.domain ? `d:${p.domain}` : undefined;
    }
    case 'URL':
      return undefined;
  }
}

/** Redis counter of the highest page number handed out for a key (per database). */
const counterKey = (conn: Connection, base: string) => `newsline:member-pages:${conn.name}:${base}`;
const pageId = (base: string, n: number) => `${base}#${n}`;

interface Writer {
  page?: { n: number; size: number };
  tail: Promise<unknown>;
}
const writers = new WeakMap<Connection, Map<string, Writer>>();

/**
 * Records articles in the member index: under their source and under their URL's registrable
 * domain. Call before storing or re-keying them, so an article is never stored unlisted.
 * Appends go to a page this process inserted, one at a time per key; a full page (or none yet)
 * means a new one, numbered by a Redis counter and claimed by inserting it (a number taken
 * already, after Redis lost the counter, is skipped). Recording an article twice lists it twice,
 * which readers tolerate.
 */
export async function recordMembers(store: Store, redis: Redis, articles: MemberArticle[]): Promise<void> {
  if (!articles.length) return;
  const groups = new Map<string, string[]>();
  for (const a of articles) {
    let host: string;
    try {
      host = hostOf(a.url);
    } catch {
      continue;
    }
    const member = `${a.id} ${a.url}`;
    for (const base of [`s:${a.sourceId}`, `d:${domainBucketOfHost(host)}`]) {
      const list = groups.get(base) ?? [];
      list.push(member);
      groups.set(base, list);
    }
  }
  let mine = writers.get(store.conn);
  if (!mine) writers.set(store.conn, (mine = new Map()));
  const M = scopeMemberModel(store.conn);
  await Promise.all(
    [...groups].map(([base, members]) => {
      let w = mine.get(base);
      if (!w) mine.set(base, (w = { tail: Promise.resolve() }));
      const writer = w;
      // One write at a time per page: the next append starts when the previous one settled.
      const run = writer.tail.then(async () => {
        if (writer.page && writer.page.size + members.length <= PAGE_MAX) {
          await M.updateOne({ _id: pageId(base, writer.page.n) }, { $push: { members: { $each: members } } });
          writer.page.size += members.length;
          return;
        }
        writer.page = undefined;
        for (let step = 1; ; step *= 2) {
          const n = await redis.incrby(counterKey(store.conn, base), step);
          try {
            await M.create({ _id: pageId(base, n), members });
            writer.page = { n, size: members.length };
            return;
          } catch (err) {
            if ((err as { code?: number }).code !== 11000 || step > 1 << 20) throw err;
          }
        }
      });
      writer.tail = run.catch(() => undefined);
      return run;
    }),
  );
  if (mine.size > 10_000) mine.clear();
}

/**
 * The stored articles a wide scope covers, read through the member index: the key's pages
 * (every number up to the counter, then probed onwards), their members narrowed by URL, then
 * each listed article by `_id`, checked against the scope as stored now (a re-keyed article
 * counts under its current URL). Undefined when the scope has no index key.
 */
export async function findIndexedMatches<T extends { _id: unknown; url: string; urlKey: string; sourceId: unknown }>(
  store: Store,
  redis: Redis,
  s: MatchScope,
  load: (id: string) => Promise<T | null>,
  limit: number,
): Promise<T[] | undefined> {
  const base = memberBase(s);
  if (!base) return undefined;
  const M = scopeMemberModel(store.conn);
  const counted = Number((await redis.get(counterKey(store.conn, base))) ?? 0);
  const candidates = new Set<string>();
  const take = (members: string[]) => {
    for (const member of members) {
      const sp = member.indexOf(' ');
      // Source keys hold only the source's articles; domain keys are narrowed by URL.
      if (s.kind === 'SOURCE' || matchesScope(s, { url: member.slice(sp + 1) })) candidates.add(member.slice(0, sp));
    }
  };
  const read = (from: number, to: number) =>
    Promise.all(Array.from({ length: to - from + 1 }, (_, i) => M.findById(pageId(base, from + i), { members: 1 }).lean()));
  for (let n = 1; n <= counted; n += READ_CHUNK) for (const p of await read(n, Math.min(counted, n + READ_CHUNK - 1))) take(p?.members ?? []);
  for (let n = counted + 1, misses = 0; misses < PROBE_MISSES; n += PROBE_MISSES) {
    for (const p of await read(n, n + PROBE_MISSES - 1)) {
      misses = p ? 0 : misses + 1;
      take(p?.members ?? []);
    }
  }
  const out: T[] = [];
  const ids = [...candidates];
  for (let i = 0; i < ids.length && out.length < limit; i += READ_CHUNK) {
    const docs = await Promise.all(ids.slice(i, i + READ_CHUNK).map((id) => load(id)));
    for (const doc of docs)
      if (doc && matchesScope(s, { url: doc.url, urlKey: doc.urlKey, sourceId: String(doc.sourceId) })) out.push(doc);
  }
  return out.slice(0, limit);
}
