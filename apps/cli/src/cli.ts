import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { fetchFeedJob, jobIds, QUEUES } from '@newsline/domain';
import { runningStack } from '@newsline/embedded-stack';
import { Queue, QueueEvents } from 'bullmq';
import { Command, CommanderError, Option } from 'commander';
import Redis from 'ioredis';
import { CliError, EXIT, UsageError } from './errors';
import { gql, type GqlOptions } from './gql';
import { readOpml, writeOpml } from './opml';
import { progress } from './progress';

const ROOT = join(__dirname, '..', '..', '..');
const DEFAULT_URL = 'http://127.0.0.1:4000/graphql';

interface Globals {
  url: string;
  apiKey?: string;
  json: boolean;
  redisUrl?: string;
  queuePrefix: string;
}

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

interface SourceRow {
  id: string;
  key: string;
  name: string;
  homepage: string;
  paused: boolean;
  counts: { articles: number; feeds: number };
  health: { status: string; feeds: number; failingFeeds: number; lastSuccessAt: string | null };
  feeds: {
    id: string;
    url: string;
    paused: boolean;
    lastFetchAt: string | null;
    consecutiveErrors: number;
    lastError: string | null;
    nextPollAt: string | null;
    mode: string;
    kind: string;
    discoveredVia: string | null;
    websub?: { hub: string; state: string; expiresAt: string | null; pushes: number; rejectedPushes: number } | null;
  }[];
}

const SOURCE_FIELDS = `id key name homepage paused counts { articles feeds }
  health { status feeds failingFeeds lastSuccessAt }
  feeds { id url paused lastFetchAt consecutiveErrors lastError nextPollAt mode kind discoveredVia }`;

/** One source's WebSub state and last discovery (too costly for the 80-source list query). */
const SOURCE_DETAIL_FIELDS = `${SOURCE_FIELDS.replace('discoveredVia }', 'discoveredVia websub { hub state expiresAt pushes rejectedPushes } }')}
  discovery { siteUrl pageUrl error feeds { url via format title entries hubs } rejected { url via reason } sitemaps { url kind urls news refused } }`;

interface Discovery {
  siteUrl: string;
  pageUrl: string | null;
  error: string | null;
  feeds: { url: string; via: string; format: string; title: string | null; entries: number; hubs: string[] }[];
  rejected: { url: string; via: string; reason: string }[];
  sitemaps: { url: string; kind: string; urls: number; news: number; refused: number }[];
}

const DISCOVERY_FIELDS =
  'siteUrl pageUrl error feeds { url via format title entries hubs } rejected { url via reason } sitemaps { url kind urls news refused }';

/** Numbered feeds (the numbers --pick takes), then the refused candidates with their reasons. */
function discoveryText(d: Discovery): string {
  const lines = [`discovery at ${d.pageUrl ?? d.siteUrl}${d.error ? `: ${d.error}` : ''}`];
  d.feeds.forEach((f, i) =>
    lines.push(
      `  [${i + 1}] ${f.url}  ${f.format}, ${f.entries} entries, via ${f.via}${f.title ? `  "${f.title}"` : ''}${f.hubs.length ? `  WebSub hub ${f.hubs.join(' ')}` : ''}`,
    ),
  );
  if (!d.feeds.length) lines.push('  no feed found');
  for (const m of d.sitemaps ?? [])
    lines.push(`  sitemap ${m.url}  ${m.kind}, ${m.urls} URLs, ${m.news} news, ${m.refused} on other hosts refused (from robots.txt)`);
  for (const r of d.rejected) lines.push(`  refused ${r.url} (${r.via}): ${r.reason}`);
  return lines.join('\n');
}

/** Asks on a terminal which discovered feeds to take; scripts must say --all or --pick. */
async function askPick(d: Discovery, io: Io): Promise<string[]> {
  io.err(`${discoveryText(d)}\n`);
  if (!process.stdin.isTTY) throw new UsageError(`${d.feeds.length} feed(s) found: pass --all or --pick <n...>`);
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = (await rl.question('take which feeds? (numbers separated by spaces, or "all") ')).trim();
    if (!answer) throw new CliError('nothing picked; nothing added', 'CANCELLED');
    return answer.toLowerCase() === 'all' ? d.feeds.map((_, i) => String(i + 1)) : answer.split(/[\s,]+/);
  } finally {
    rl.close();
  }
}

const TAKEDOWN_FIELDS =
  'id status reason relation statement receivedAt deadline scope { kind value } requester { name email organisation }';

/** Fixed-width columns for humans; --json is the format for scripts. */
function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function ago(iso: string | null): string {
  if (!iso) return '-';
  const s = Math.round((Date.now() - Date.parse(iso)) / 1000);
  if (s < 0) return `in ${-s < 120 ? `${-s}s` : `${Math.round(-s / 60)}m`}`;
  return s < 120 ? `${s}s ago` : s < 7200 ? `${Math.round(s / 60)}m ago` : `${Math.round(s / 3600)}h ago`;
}

function redisUrlOf(g: Globals): string {
  const url = g.redisUrl ?? process.env.REDIS_URL ?? runningStack().redisUrl;
  if (!url) throw new CliError('no Redis: pass --redis-url, set REDIS_URL, or start the stack (`newsline services up`)', 'NO_REDIS');
  return url;
}

async function findSource(g: GqlOptions, ref: string): Promise<SourceRow> {
  // An id is looked up directly: the list below may come from the gateway's response cache (a few
  // seconds old), which can lack a source added just before.
  if (/^[0-9a-f]{24}$/.test(ref)) {
    const { source } = await gql<{ source: SourceRow | null }>(g, `query($id: ID!) { source(id: $id) { ${SOURCE_FIELDS} } }`, { id: ref });
    if (source) return source;
  }
  const { sources } = await gql<{ sources: SourceRow[] }>(g, `query { sources(first: 80) { ${SOURCE_FIELDS} } }`);
  const s = sources.find((x) => x.id === ref || x.key === ref);
  if (!s) throw new CliError(`no source with id or key "${ref}" (see \`newsline sources list\`)`, 'NOT_FOUND');
  return s;
}

export function buildProgram(io: Io): Command {
  const program = new Command('newsline')
    .description('Operate a Newsline deployment: sources, ingestion, takedowns, stats and the local services.')
    .addOption(new Option('--url <url>', 'gateway GraphQL endpoint').env('NEWSLINE_URL').default(DEFAULT_URL))
    .addOption(new Option('--api-key <key>', 'API key (x-api-key)').env('NEWSLINE_API_KEY'))
    .addOption(new Option('--redis-url <url>', 'Redis of the workers (for `ingest` and queue `stats`)').env('REDIS_URL'))
    .addOption(new Option('--queue-prefix <prefix>', 'BullMQ key prefix of the workers').env('BULLMQ_PREFIX').default('bull'))
    .option('--json', 'machine-readable output on stdout', false)
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err });

  const globals = (cmd: Command) => cmd.optsWithGlobals() as Globals;
  const print = (g: Globals, json: unknown, human: () => string) => io.out(`${g.json ? JSON.stringify(json) : human()}\n`);

  // --- sources ---
  const sources = program.command('sources').description('list, add, pause and import publishers');
  sources
    .command('list')
    .description('every source with its health')
    .action(async (_o, cmd: Command) => {
      const g = globals(cmd);
      const { sources: list } = await gql<{ sources: SourceRow[] }>(g, `query { sources(first: 80) { ${SOURCE_FIELDS} } }`);
      print(g, list, () =>
        list.length === 0
          ? 'no sources'
          : table([
              ['ID', 'KEY', 'NAME', 'STATUS', 'FEEDS', 'PUSH', 'FAILING', 'ARTICLES', 'LAST OK', 'NEXT POLL'],
              ...list.map((s) => {
                const next =
                  s.feeds
                    .map((f) => f.nextPollAt)
                    .filter((x): x is string => !!x)
                    .sort()[0] ?? null;
                return [
                  s.id,
                  s.key,
                  s.name,
                  s.paused ? 'paused' : s.health.status,
                  String(s.counts.feeds),
                  // Feeds a verified WebSub subscription delivers; the rest are polled.
                  String(s.feeds.filter((f) => f.mode === 'push').length),
                  String(s.health.failingFeeds),
                  String(s.counts.articles),
                  ago(s.health.lastSuccessAt),
                  ago(next),
                ];
              }),
            ]),
      );
    });
  sources
    .command('add [site-url]')
    .description(
      'register a publisher (admin): with --feed, those feeds; else its feeds are discovered from the site URL and you pick (or --all)',
    )
    .option('--homepage <url>', 'publisher homepage (default: the site URL)')
    .option('--feed <url...>', 'feed URL(s); skips discovery')
    .option('--sitemap <url...>', 'news sitemap or sitemap-index URL(s) on the homepage host')
    .option('--all', 'take every discovered feed', false)
    .option('--pick <n...>', 'take the discovered feeds with these numbers (see the list printed without it)')
    .option('--name <name>', 'display name (default: the first feed title)')
    .option('--key <slug>', 'source key (default: from the homepage host)')
    .option('--country <cc>', 'ISO 3166-1 alpha-2')
    .option('--language <code...>', 'BCP 47 language(s)')
    .option('--attribution <text>', 'attribution line shown with every article')
    .action(
      async (
        siteUrl: string | undefined,
        o: {
          homepage?: string;
          feed?: string[];
          sitemap?: string[];
          all: boolean;
          pick?: string[];
          name?: string;
          key?: string;
          country?: string;
          language?: string[];
          attribution?: string;
        },
        cmd: Command,
      ) => {
        const g = globals(cmd);
        const homepage = o.homepage ?? siteUrl;
        if (!homepage) throw new UsageError('give a site URL (or --homepage)');
        const base = {
          homepage,
          name: o.name,
          key: o.key,
          country: o.country,
          languages: o.language,
          attribution: o.attribution,
          ...(o.sitemap ? { sitemaps: o.sitemap } : {}),
        };
        let input: Record<string, unknown> = { ...base, feeds: o.feed };
        if (!o.feed?.length && !o.sitemap?.length) {
          if (o.all && o.pick) throw new UsageError('--all and --pick exclude each other');
          let feeds: string[] | undefined;
          if (!o.all) {
            const { discoverFeeds: d } = await gql<{ discoverFeeds: Discovery }>(
              g,
              `query($u: String!) { discoverFeeds(siteUrl: $u) { ${DISCOVERY_FIELDS} } }`,
              { u: siteUrl ?? homepage },
            );
            if (!d.feeds.length && !d.sitemaps.some((m) => m.news > 0))
              throw new CliError(`no feed found at ${d.siteUrl}\n${discoveryText(d)}`, 'NO_FEEDS');
            const picks = d.feeds.length ? (o.pick ?? (await askPick(d, io))) : [];
            feeds = picks.map((p) => {
              const n = Number(p);
              if (!Number.isInteger(n) || n < 1 || n > d.feeds.length) throw new UsageError(`--pick: ${p} is not 1..${d.feeds.length}`);
              return d.feeds[n - 1]!.url;
            });
          }
          input = { ...base, discover: true, ...(feeds ? { feeds } : {}) };
        }
        const { addSource } = await gql<{ addSource: SourceRow & { discovery: Discovery | null } }>(
          g,
          `mutation($input: SourceInput!) { addSource(input: $input) { ${SOURCE_DETAIL_FIELDS} } }`,
          { input },
        );
        print(g, addSource, () =>
          [
            `added ${addSource.key} (${addSource.id}) with ${addSource.counts.feeds} feed(s)`,
            ...addSource.feeds.map((f) => `  ${f.url}  (${f.discoveredVia ?? 'manual'})`),
          ].join('\n'),
        );
      },
    );
  sources
    .command('show <source>')
    .description("a source's feeds (id or key): push or poll mode, WebSub state, how each was found, and its last discovery")
    .action(async (ref: string, _o, cmd: Command) => {
      const g = globals(cmd);
      const found = await findSource(g, ref);
      const { source: s } = await gql<{ source: SourceRow & { discovery: Discovery | null } }>(
        g,
        `query($id: ID!) { source(id: $id) { ${SOURCE_DETAIL_FIELDS} } }`,
        { id: found.id },
      );
      print(g, s, () =>
        [
          `${s.key}  ${s.name}  ${s.homepage}  ${s.paused ? 'paused' : s.health.status}`,
          table([
            ['FEED', 'KIND', 'MODE', 'WEBSUB', 'PUSHES', 'FORGED', 'FOUND VIA', 'LAST OK', 'NEXT POLL'],
            ...s.feeds.map((f) => [
              f.url,
              f.kind,
              f.mode,
              f.websub ? `${f.websub.state}${f.websub.expiresAt ? ` until ${f.websub.expiresAt}` : ''}` : '-',
              String(f.websub?.pushes ?? 0),
              String(f.websub?.rejectedPushes ?? 0),
              f.discoveredVia ?? 'manual',
              ago(f.lastFetchAt),
              ago(f.nextPollAt),
            ]),
          ]),
          s.discovery ? discoveryText(s.discovery) : 'no discovery run',
        ].join('\n'),
      );
    });
  sources
    .command('discover <site-url>')
    .description('list the feeds a site offers (admin), with every refused candidate and why; adds nothing')
    .action(async (siteUrl: string, _o, cmd: Command) => {
      const g = globals(cmd);
      const { discoverFeeds: d } = await gql<{ discoverFeeds: Discovery }>(
        g,
        `query($u: String!) { discoverFeeds(siteUrl: $u) { ${DISCOVERY_FIELDS} } }`,
        { u: siteUrl },
      );
      print(g, d, () => discoveryText(d));
    });
  sources
    .command('pause <source>')
    .description('stop polling a source (id or key); --resume starts it again')
    .option('--resume', 'resume instead of pause', false)
    .action(async (ref: string, o: { resume: boolean }, cmd: Command) => {
      const g = globals(cmd);
      const s = await findSource(g, ref);
      const { pauseSource } = await gql<{ pauseSource: { id: string; key: string; paused: boolean } }>(
        g,
        'mutation($id: ID!, $paused: Boolean!) { pauseSource(id: $id, paused: $paused) { id key paused } }',
        { id: s.id, paused: !o.resume },
      );
      print(g, pauseSource, () => `${pauseSource.key} ${pauseSource.paused ? 'paused' : 'resumed'}`);
    });
  sources
    .command('import-opml <file>')
    .description('import every feed of an OPML file (admin), with progress')
    .option(
      '--batch <n>',
      'feeds per request',
      (v) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1 || n > 5000) throw new UsageError('--batch must be an integer 1..5000');
        return n;
      },
      25,
    )
    .action(async (file: string, o: { batch: number }, cmd: Command) => {
      const g = globals(cmd);
      let xml: string;
      try {
        xml = readFileSync(file, 'utf8');
      } catch (err) {
        throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
      const outlines = readOpml(xml);
      const total = { feeds: outlines.length, sourcesCreated: 0, feedsCreated: 0, skipped: 0, errors: [] as string[] };
      const bar = progress(outlines.length, 'importing', { json: g.json });
      try {
        // Chunks keep each request small and give the bar something to count; the mutation is idempotent, so a re-run after a failure is safe.
        for (let i = 0; i < outlines.length; i += o.batch) {
          const chunk = outlines.slice(i, i + o.batch);
          const { importOpml: r } = await gql<{
            importOpml: { sourcesCreated: number; feedsCreated: number; skipped: number; errors: string[] };
          }>(g, 'mutation($opml: String!) { importOpml(opml: $opml) { sourcesCreated feedsCreated skipped errors } }', {
            opml: writeOpml(chunk),
          });
          total.sourcesCreated += r.sourcesCreated;
          total.feedsCreated += r.feedsCreated;
          total.skipped += r.skipped;
          total.errors.push(...r.errors);
          bar.update(Math.min(i + o.batch, outlines.length), {
            sources: total.sourcesCreated,
            feeds: total.feedsCreated,
            skipped: total.skipped,
            errors: total.errors.length,
          });
        }
      } finally {
        bar.stop();
      }
      print(g, total, () =>
        [
          `imported ${total.feeds} feed outline(s): ${total.sourcesCreated} source(s) and ${total.feedsCreated} feed(s) created, ${total.skipped} skipped, ${total.errors.length} error(s)`,
          ...total.errors.map((e) => `  error: ${e}`),
        ].join('\n'),
      );
      if (total.errors.length) throw new CliError(`${total.errors.length} feed(s) failed to import`, 'PARTIAL');
    });

  // --- ingest ---
  program
    .command('ingest')
    .description('ingestion control')
    .command('now <source>')
    .description('fetch every feed of a source (id or key) now, through the workers’ queue')
    .option('--wait', 'wait until the workers have fetched every feed, with progress', false)
    .option('--timeout <sec>', 'with --wait: give up after this many seconds', (v) => Number(v), 120)
    .action(async (ref: string, o: { wait: boolean; timeout: number }, cmd: Command) => {
      const g = globals(cmd);
      if (!Number.isFinite(o.timeout) || o.timeout <= 0) throw new UsageError('--timeout must be a positive number of seconds');
      const s = await findSource(g, ref);
      const feeds = s.feeds.filter((f) => !f.paused);
      if (s.paused || feeds.length === 0)
        throw new CliError(`${s.key} has no active feeds${s.paused ? ' (source paused)' : ''}`, 'NOTHING_TO_DO');
      const connection = new Redis(redisUrlOf(g), { maxRetriesPerRequest: null, lazyConnect: true });
      await connection.connect().catch((err: Error) => {
        throw new CliError(`cannot reach Redis: ${err.message}`, 'UNREACHABLE');
      });
      const queue = new Queue(QUEUES.fetch, { connection, prefix: g.queuePrefix });
      const events = o.wait ? new QueueEvents(QUEUES.fetch, { connection: connection.duplicate(), prefix: g.queuePrefix }) : undefined;
      try {
        await events?.waitUntilReady();
        const stamp = `manual-${Date.now()}`;
        // Same job options as the workers' queue: completed jobs trimmed, failed ones kept.
        const jobs = await Promise.all(
          feeds.map((f) =>
            queue.add('fetch', fetchFeedJob.parse({ feedId: f.id, reason: 'manual' }), {
              jobId: jobIds.fetch(f.id, stamp),
              attempts: 1,
              removeOnComplete: { count: 1000 },
              removeOnFail: false,
            }),
          ),
        );
        const result = { source: s.key, jobs: jobs.map((j) => j.id), results: [] as { feed: string; outcome: unknown }[] };
        if (events) {
          const bar = progress(jobs.length, `fetching ${s.key}`, { json: g.json });
          let done = 0;
          let failed = 0;
          try {
            await Promise.all(
              jobs.map(async (j, i) => {
                try {
                  result.results.push({ feed: feeds[i]!.url, outcome: await j.waitUntilFinished(events, o.timeout * 1000) });
                } catch (err) {
                  failed++;
                  result.results.push({ feed: feeds[i]!.url, outcome: { kind: 'failed', message: (err as Error).message } });
                }
                bar.update(++done, { failed });
              }),
            );
          } finally {
            bar.stop();
          }
          print(g, result, () =>
            [`fetched ${jobs.length} feed(s) of ${s.key}`, ...result.results.map((r) => `  ${r.feed}: ${JSON.stringify(r.outcome)}`)].join(
              '\n',
            ),
          );
          if (failed) throw new CliError(`${failed} fetch job(s) failed or timed out`, 'FAILED');
        } else {
          print(g, result, () => `queued ${jobs.length} fetch job(s) for ${s.key}: ${result.jobs.join(', ')}`);
        }
      } finally {
        await events?.close();
        await queue.close();
        connection.disconnect();
      }
    });

  // --- takedowns ---
  const takedown = program.command('takedown').description('removal requests');
  takedown
    .command('submit')
    .description('file a removal request (public)')
    .requiredOption('--value <url|host|key>', 'what to remove: an article URL (default), a URL prefix, a source id or a domain')
    .addOption(new Option('--scope <kind>', 'scope kind').choices(['URL', 'PREFIX', 'SOURCE', 'DOMAIN']).default('URL'))
    .addOption(
      new Option('--reason <reason>', 'reason')
        .choices(['COPYRIGHT', 'PRIVACY', 'LEGAL', 'DEFAMATION', 'OPT_OUT', 'OTHER'])
        .default('COPYRIGHT'),
    )
    .addOption(new Option('--relation <relation>', 'who asks').choices(['PUBLISHER', 'AGENT', 'SUBJECT', 'OTHER']).default('PUBLISHER'))
    .requiredOption('--name <name>', 'requester name')
    .requiredOption('--email <email>', 'requester email')
    .option('--organisation <org>', 'requester organisation')
    .requiredOption('--statement <text>', 'why the content must go (at least 20 characters)')
    .action(
      async (
        o: {
          value: string;
          scope: string;
          reason: string;
          relation: string;
          name: string;
          email: string;
          organisation?: string;
          statement: string;
        },
        cmd: Command,
      ) => {
        const g = globals(cmd);
        if (o.statement.trim().length < 20) throw new UsageError('--statement must be at least 20 characters');
        const input = {
          scope: { kind: o.scope, value: o.value },
          reason: o.reason,
          relation: o.relation,
          requester: { name: o.name, email: o.email, organisation: o.organisation },
          statement: o.statement,
        };
        const { submitTakedown } = await gql<{ submitTakedown: { request: { id: string; status: string; deadline: string } } }>(
          g,
          `mutation($input: TakedownInput!) { submitTakedown(input: $input) { request { ${TAKEDOWN_FIELDS} } } }`,
          { input },
        );
        const r = submitTakedown.request;
        print(g, r, () => `takedown ${r.id} ${r.status}, decide by ${r.deadline}`);
      },
    );
  takedown
    .command('list')
    .description('removal requests, oldest first (editor or admin)')
    .addOption(new Option('--status <status>', 'only this status').choices(['UNCONFIRMED', 'EXPIRED', 'RECEIVED', 'REVIEWING', 'APPROVED', 'REJECTED', 'ENFORCED', 'REINSTATED']))
    .action(async (o: { status?: string }, cmd: Command) => {
      const g = globals(cmd);
      const { takedownRequests: list } = await gql<{
        takedownRequests: {
          id: string;
          status: string;
          reason: string;
          receivedAt: string;
          scope: { kind: string; value: string };
          requester: { name: string };
        }[];
      }>(g, `query($status: TakedownStatus) { takedownRequests(first: 100, status: $status) { ${TAKEDOWN_FIELDS} } }`, {
        status: o.status,
      });
      print(g, list, () =>
        list.length === 0
          ? 'no takedown requests'
          : table([
              ['ID', 'STATUS', 'REASON', 'SCOPE', 'REQUESTER', 'RECEIVED'],
              ...list.map((t) => [t.id, t.status, t.reason, `${t.scope.kind} ${t.scope.value}`, t.requester.name, ago(t.receivedAt)]),
            ]),
      );
    });
  takedown
    .command('approve <id>')
    .description('approve a request: its content is removed everywhere (admin)')
    .action(async (id: string, _o, cmd: Command) => {
      const g = globals(cmd);
      const { approveTakedown: r } = await gql<{ approveTakedown: { id: string; status: string } }>(
        g,
        'mutation($id: ID!) { approveTakedown(id: $id) { id status } }',
        { id },
      );
      print(g, r, () => `takedown ${r.id} ${r.status}`);
    });
  takedown
    .command('reject <id>')
    .description('reject a request with a reason (admin)')
    .requiredOption('--reason <text>', 'why it is rejected (sent to the audit log)')
    .action(async (id: string, o: { reason: string }, cmd: Command) => {
      const g = globals(cmd);
      const { rejectTakedown: r } = await gql<{ rejectTakedown: { id: string; status: string } }>(
        g,
        'mutation($id: ID!, $reason: String!) { rejectTakedown(id: $id, reason: $reason) { id status } }',
        { id, reason: o.reason },
      );
      print(g, r, () => `takedown ${r.id} ${r.status}`);
    });

  // --- stats ---
  program
    .command('stats')
    .description('sources, articles, feed health and (with Redis) queue depths')
    .action(async (_o, cmd: Command) => {
      const g = globals(cmd);
      const { sources: list } = await gql<{ sources: SourceRow[] }>(g, `query { sources(first: 80) { ${SOURCE_FIELDS} } }`);
      const health: Record<string, number> = {};
      for (const s of list) health[s.paused ? 'paused' : s.health.status] = (health[s.paused ? 'paused' : s.health.status] ?? 0) + 1;
      const stats: {
        sources: number;
        feeds: number;
        failingFeeds: number;
        articles: number;
        health: Record<string, number>;
        queues?: Record<string, Record<string, number>>;
      } = {
        sources: list.length,
        feeds: list.reduce((n, s) => n + s.counts.feeds, 0),
        failingFeeds: list.reduce((n, s) => n + s.health.failingFeeds, 0),
        articles: list.reduce((n, s) => n + s.counts.articles, 0),
        health,
      };
      const redisUrl = g.redisUrl ?? process.env.REDIS_URL ?? runningStack().redisUrl;
      if (redisUrl) {
        const connection = new Redis(redisUrl, { maxRetriesPerRequest: null, lazyConnect: true });
        try {
          await connection.connect();
          stats.queues = {};
          for (const name of Object.values(QUEUES)) {
            const q = new Queue(name, { connection, prefix: g.queuePrefix });
            stats.queues[name] = await q.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed');
            await q.close();
          }
        } catch (err) {
          io.err(`warning: queue depths unavailable: ${(err as Error).message}\n`);
        } finally {
          connection.disconnect();
        }
      }
      print(g, stats, () =>
        [
          `sources  ${stats.sources} (${
            Object.entries(health)
              .map(([k, v]) => `${v} ${k}`)
              .join(', ') || 'none'
          })`,
          `feeds    ${stats.feeds} (${stats.failingFeeds} failing)`,
          `articles ${stats.articles}`,
          ...(stats.queues
            ? [
                '',
                table([
                  ['QUEUE', 'WAITING', 'ACTIVE', 'DELAYED', 'COMPLETED', 'FAILED'],
                  ...Object.entries(stats.queues).map(([n, c]) => [
                    n,
                    ...['waiting', 'active', 'delayed', 'completed', 'failed'].map((k) => String(c[k] ?? 0)),
                  ]),
                ]),
              ]
            : []),
        ].join('\n'),
      );
    });

  // --- services ---
  program
    .command('services <action>')
    .description('start (up), stop (down) or show (status) the embedded FerretDB and Redis, via the launcher')
    .action(async (action: string) => {
      if (!['up', 'down', 'status', 'env'].includes(action))
        throw new UsageError(`unknown services action "${action}" (up, down, status, env)`);
      const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'packages/embedded-stack/src/cli.ts'), action], {
        stdio: 'inherit',
        cwd: ROOT,
      });
      const code = await new Promise<number>((resolve) => child.once('exit', (c) => resolve(c ?? 1)));
      if (code !== 0) throw new CliError(`launcher exited with code ${code}`, 'FAILED');
    });

  return program;
}

/** Runs one command line and returns the exit code (never calls process.exit: tests run it in-process too). */
export async function run(
  argv: string[],
  io: Io = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) },
): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are successful exits; everything else commander rejects is a usage error (it already printed why).
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (err instanceof UsageError) {
      io.err(`error: ${err.message}\n`);
      return EXIT.usage;
    }
    const json = argv.includes('--json');
    const message = err instanceof Error ? err.message : String(err);
    if (json) io.out(`${JSON.stringify({ error: message, code: err instanceof CliError ? err.code : undefined })}\n`);
    io.err(`error: ${message}\n`);
    return EXIT.failure;
  }
}
