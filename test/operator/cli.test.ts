import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QUEUES } from '@newsline/domain';
import { Queue } from 'bullmq';
import { startDemoPublisher } from '@newsline/publisher-sim';
import { KEYS, startStack, type Stack } from '../api/harness';

// The `newsline` CLI spawned as a process against the real stack, and the gateway's queue board.
const root = join(__dirname, '../..');
let s: Stack;
beforeAll(async () => {
  // The per-client submission limit counts in the shared Redis across runs: lift it for this suite.
  // HTTP_ALLOW_HOSTS: feed discovery fetches the local demo publisher through the SSRF guard.
  s = await startStack('cli', { TAKEDOWN_SUBMIT_RATE_PER_HOUR: '10000', HTTP_ALLOW_HOSTS: '127.0.0.1', HTTP_HOST_RATE_PER_SEC: '50' });
}, 60_000);
afterAll(() => s?.stop());

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, 'apps/cli/bin/newsline.js'), '--url', s.gatewayUrl, ...args], {
      env: { ...process.env, REDIS_URL: s.config.REDIS_URL, NEWSLINE_API_KEY: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.once('exit', (code) => resolve({ code: code ?? -1, out, err }));
  });
}

const admin = { NEWSLINE_API_KEY: KEYS.admin };

describe('newsline CLI', () => {
  it('exits 2 on usage errors and 1 on failures, with a clear message', async () => {
    const unknown = await cli(['sources', 'lst']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/unknown command 'lst'/);
    const missing = await cli(['takedown', 'reject', 'abc']);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/--reason/);
    const down = await cli(['--json', 'sources', 'list', '--url', 'http://127.0.0.1:9/graphql']);
    expect(down.code).toBe(1);
    expect(JSON.parse(down.out)).toMatchObject({ code: 'UNREACHABLE' });
    const denied = await cli(['sources', 'import-opml', join(root, 'package.json')], { NEWSLINE_API_KEY: KEYS.reader });
    expect(denied.code).toBe(2);
    expect(denied.err).toMatch(/not valid XML|not an OPML/);
  }, 60_000);

  it('imports an OPML file in batches, lists and pauses sources, and queues a manual fetch', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'newsline-cli-'));
    const opml = join(dir, 'feeds.opml');
    const outlines = Array.from(
      { length: 7 },
      (_, i) => `<outline text="Pub ${i}" xmlUrl="https://pub${i}.example.org/feed.xml" htmlUrl="https://pub${i}.example.org/"/>`,
    );
    writeFileSync(opml, `<opml version="2.0"><body><outline text="news">${outlines.join('')}</outline></body></opml>`);
    const imported = await cli(['--json', 'sources', 'import-opml', opml, '--batch', '3'], admin);
    expect(imported.code).toBe(0);
    expect(JSON.parse(imported.out)).toMatchObject({ feeds: 7, sourcesCreated: 7, feedsCreated: 7, skipped: 0, errors: [] });
    const again = await cli(['--json', 'sources', 'import-opml', opml], admin);
    expect(JSON.parse(again.out)).toMatchObject({ feedsCreated: 0, skipped: 7 });

    const list = await cli(['sources', 'list'], admin);
    expect(list.code).toBe(0);
    expect(list.out).toMatch(/^ID\s+KEY\s+NAME\s+STATUS/);
    expect(list.out).toMatch(/pub3-example-org|pub3/);
    const json = JSON.parse((await cli(['--json', 'sources', 'list'], admin)).out) as { id: string; key: string; paused: boolean }[];
    expect(json).toHaveLength(7);
    const target = json[0]!;

    const paused = await cli(['--json', 'sources', 'pause', target.key], admin);
    expect(JSON.parse(paused.out)).toMatchObject({ id: target.id, paused: true });
    const resumed = await cli(['--json', 'sources', 'pause', target.id, '--resume'], admin);
    expect(JSON.parse(resumed.out)).toMatchObject({ paused: false });

    const prefix = `clitest${Date.now()}`;
    const ingest = await cli(['--json', '--queue-prefix', prefix, 'ingest', 'now', target.key], admin);
    expect(ingest.code).toBe(0);
    const { jobs } = JSON.parse(ingest.out) as { jobs: string[] };
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatch(/^fetch-[0-9a-f]{24}-manual-\d+$/);
    const conn = s.redis.duplicate();
    const q = new Queue(QUEUES.fetch, { connection: conn, prefix });
    const job = await q.getJob(jobs[0]!);
    expect(job?.data).toMatchObject({ reason: 'manual' });
    await q.obliterate({ force: true });
    await q.close();
    conn.disconnect();

    const stats = JSON.parse((await cli(['--json', '--queue-prefix', prefix, 'stats'], admin)).out) as {
      sources: number;
      feeds: number;
      queues: Record<string, unknown>;
    };
    expect(stats).toMatchObject({ sources: 7, feeds: 7 });
    expect(Object.keys(stats.queues)).toEqual(Object.values(QUEUES));
  }, 90_000);

  it('submits, lists and rejects a takedown; readers are refused with exit 1', async () => {
    const sub = await cli(
      [
        '--json',
        'takedown',
        'submit',
        '--value',
        'https://pub1.example.org/a/1',
        '--name',
        'Legal',
        '--email',
        'legal@pub1.example.org',
        '--statement',
        'Republished without our permission, please remove.',
      ],
      { NEWSLINE_API_KEY: KEYS.editor },
    );
    expect(sub.err).toBe('');
    expect(sub.code).toBe(0);
    const { id } = JSON.parse(sub.out) as { id: string };
    const refused = await cli(['takedown', 'list'], { NEWSLINE_API_KEY: KEYS.reader });
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/FORBIDDEN|UNAUTHENTICATED|not authorized|access/i);
    const list = await cli(['takedown', 'list'], admin);
    expect(list.out).toContain(id);
    const rejected = await cli(['--json', 'takedown', 'reject', id, '--reason', 'Not our content to remove.'], admin);
    expect(rejected.code).toBe(0);
    expect(JSON.parse(rejected.out)).toMatchObject({ id, status: 'REJECTED' });
  }, 60_000);
});

describe('newsline sources add <site-url> (feed discovery)', () => {
  it('lists what a site offers, adds a source with every discovered feed, and shows how each was found', async () => {
    const demo = await startDemoPublisher();
    try {
      const harbor = demo.sources.find((x) => x.key === 'harbor-ledger')!;
      const listed = await cli(['--json', 'sources', 'discover', harbor.homepage], admin);
      expect(listed.code).toBe(0);
      const d = JSON.parse(listed.out) as { feeds: { url: string; via: string; hubs: string[] }[] };
      expect(d.feeds.map((f) => [f.url, f.via])).toEqual(harbor.feeds.map((f) => [f.url, 'link']));
      expect(d.feeds[0]!.hubs).toEqual([`${demo.url}/hub`]);

      // Without a terminal the operator must say which: --all or --pick.
      const unsure = await cli(['sources', 'add', harbor.homepage, '--key', 'harbor-discovered'], admin);
      expect(unsure.code).toBe(2);
      expect(unsure.err).toMatch(/2 feed\(s\) found: pass --all or --pick/);

      const picked = await cli(['--json', 'sources', 'add', harbor.homepage, '--key', 'harbor-picked', '--pick', '2'], admin);
      expect(picked.code).toBe(0);
      expect(JSON.parse(picked.out).feeds.map((f: { url: string }) => f.url)).toEqual([harbor.feeds[1]!.url]);

      const brisa = demo.sources.find((x) => x.key === 'brisa-austral')!;
      const added = await cli(['--json', 'sources', 'add', brisa.homepage, '--all'], admin);
      expect(added.code).toBe(0);
      const src = JSON.parse(added.out) as {
        id: string;
        key: string;
        name: string;
        feeds: { url: string; discoveredVia: string; mode: string }[];
      };
      expect(src.name).toBe('Diario Brisa Austral');
      expect(src.feeds).toEqual([expect.objectContaining({ url: brisa.feeds[0]!.url, discoveredVia: 'link', mode: 'poll' })]);
      // By id: a list by key can be a response the gateway cached seconds before the add.
      const shown = await cli(['sources', 'show', src.id], admin);
      expect(shown.out).toMatch(/feed\s+poll\s+-\s+0\s+0\s+link/);
      expect(shown.out).toMatch(/\[1\] .*brisa-austral\/feed\.json\s+json, 9 entries, via link/);

      const none = await cli(['sources', 'add', `${demo.url}/`, '--all', '--key', 'no-feeds'], admin);
      expect(none.code).toBe(1);
      expect(none.err).toMatch(/no feed found at .*refused: .*\/feed \(http-status: HTTP 404/);
    } finally {
      await demo.close();
    }
  }, 60_000);
});

describe('queue board at /admin/queues', () => {
  const board = () => s.gatewayUrl.replace(/\/graphql$/, '/admin/queues');
  it('refuses anonymous and non-admin callers', async () => {
    const anon = await fetch(board());
    expect(anon.status).toBe(401);
    expect(anon.headers.get('www-authenticate')).toMatch(/^Basic/);
    expect((await fetch(board(), { headers: { 'x-api-key': KEYS.editor } })).status).toBe(403);
    expect((await fetch(board(), { headers: { 'x-api-key': 'not-a-key-at-all' } })).status).toBe(401);
  });

  it('serves the board and every queue to an admin (header or Basic auth)', async () => {
    const page = await fetch(board(), { headers: { authorization: `Basic ${Buffer.from(`admin:${KEYS.admin}`).toString('base64')}` } });
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<div id="root">|bull/i);
    const api = await fetch(`${board()}/api/queues`, { headers: { 'x-api-key': KEYS.admin } });
    expect(api.status).toBe(200);
    const names = ((await api.json()) as { queues: { name: string }[] }).queues.map((q) => q.name).sort();
    expect(names).toEqual(Object.values(QUEUES).sort());
  });
});
