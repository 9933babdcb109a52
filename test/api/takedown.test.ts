import { articleIdFor, canonicalUrl, urlKey } from '@newsline/domain';
import { startService, type Service } from '@newsline/lifecycle';
import { createLogger } from '@newsline/logger';
import { termsFor } from '@newsline/search';
import { takedownModel } from '@newsline/store';
import { signIdentity } from '@newsline/subgraph';
import { TombstoneGate } from '@newsline/takedowns';
import { Queue } from 'bullmq';
import { once } from 'node:events';
import { Agent, fetch as undiciFetch } from 'undici';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { setupCompliance } from '../../apps/compliance/src/app';
import { checkSubmitRate, LIMITS } from '../../apps/compliance/src/service';
import { startTakedownWorker } from '../../apps/workers/src/takedown/queue';
import { gql, KEYS, startStack, type Stack } from './harness';

/**
 * Through the gateway: validation, authorization, duplicates. Against a second compliance
 * instance with its own BullMQ prefix (so no other process takes its jobs) and a takedown
 * worker: approval → enforcement → gone from the articles API, the subscription, reinstatement.
 */
let s: Stack;
let c: Awaited<ReturnType<typeof setupCompliance>>;
let svc: Service;
let worker: ReturnType<typeof startTakedownWorker>;
let compliance: string;
let workerConn: ReturnType<Stack['redis']['duplicate']>;
const prefix = `test:takedown-api-${process.pid}`;
const reader = { 'x-api-key': KEYS.reader };
const editor = { 'x-api-key': KEYS.editor };
const admin = { 'x-api-key': KEYS.admin };
const adminIdentity = () => ({
  'x-newsline-identity': signIdentity(s.config.INTERNAL_AUTH_SECRET, { sub: 'key:admin', role: 'admin', anonymous: false }),
});

beforeAll(async () => {
  s = await startStack('takedown', { TAKEDOWN_SUBMIT_RATE_PER_HOUR: '1000' });
  c = await setupCompliance({ store: s.store, config: s.config, redis: s.redis }, { queuePrefix: prefix, keyPrefix: `${prefix}:` });
  svc = await startService({
    name: 'compliance2',
    port: 0,
    checks: {},
    handler: c.handler,
    onShutdown: async () => undefined,
    shutdownTimeoutMs: 2000,
    log: { info: () => undefined, error: () => undefined },
    exit: false,
  });
  c.attach(svc.server);
  compliance = `http://127.0.0.1:${svc.port}/graphql`;
  const log = createLogger('test', { level: 'silent' });
  workerConn = s.redis.duplicate({ maxRetriesPerRequest: null });
  worker = startTakedownWorker({ store: s.store, redis: s.redis, log }, workerConn, { prefix });
}, 90_000);
afterAll(async () => {
  await worker?.close();
  const q = new Queue('takedown', { connection: workerConn, prefix });
  await q.obliterate({ force: true }).catch(() => undefined);
  await q.close();
  workerConn?.disconnect();
  await svc?.shutdown();
  await c?.stop();
  await s?.stop();
});

const SUBMIT = `mutation($input: TakedownInput!) { submitTakedown(input: $input) { duplicate request { id status autoApproved scope { kind value key } deadline receivedAt } } }`;
const input = (kind: string, value: string, email = 'rights@pub.example', extra: Record<string, unknown> = {}) => ({
  scope: { kind, value },
  reason: 'COPYRIGHT',
  relation: 'PUBLISHER',
  requester: { name: 'Rights Desk', email, organisation: 'Pub Ltd' },
  statement: 'We own this article and did not license it.',
  ...extra,
});
type Submitted = {
  submitTakedown: {
    duplicate: boolean;
    request: { id: string; status: string; autoApproved: boolean; scope: { key: string }; deadline: string; receivedAt: string };
  };
};

describe('submitTakedown through the gateway', () => {
  it('lists every problem: bad URL, empty scope, oversized fields', async () => {
    let r = await gql(s.gatewayUrl, SUBMIT, {
      input: input('URL', 'javascript:alert(1)', 'not-an-email', { statement: 'x'.repeat(LIMITS.statement + 1) }),
    });
    expect(r.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      problems: ['scope.value: must be an http(s) URL', 'requester.email: must be an email address', 'statement: at most 10000 characters'],
    });
    r = await gql(s.gatewayUrl, SUBMIT, {
      input: input('PREFIX', '   ', 'a@b.example', {
        requester: { name: 'n'.repeat(201), email: 'a@b.example', organisation: 'o'.repeat(201) },
        notes: 'n'.repeat(5001),
      }),
    });
    expect(r.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      problems: [
        'scope.value: required',
        'requester.name: at most 200 characters',
        'requester.organisation: at most 200 characters',
        'notes: at most 5000 characters',
      ],
    });
    expect(await takedownModel(s.store.conn).countDocuments()).toBe(0);
  });

  it('stores a received request with a 24 h deadline; a repeat of the same open scope returns it', async () => {
    const a = await gql<Submitted>(s.gatewayUrl, SUBMIT, { input: input('URL', 'https://www.dup.example/story/1/?utm_source=x') });
    const r1 = a.data!.submitTakedown;
    expect(r1).toMatchObject({ duplicate: false, request: { status: 'UNCONFIRMED', scope: { key: 'dup.example/story/1' } } });
    expect(Date.parse(r1.request.deadline) - Date.parse(r1.request.receivedAt)).toBe(24 * 3_600_000);
    // Another variant of the same URL, email in another case: the same open request.
    const b = await gql<Submitted>(s.gatewayUrl, SUBMIT, { input: input('URL', 'http://dup.example/story/1', 'Rights@Pub.example') });
    expect(b.data!.submitTakedown).toMatchObject({ duplicate: true, request: { id: r1.request.id } });
    const other = await gql<Submitted>(s.gatewayUrl, SUBMIT, { input: input('URL', 'http://dup.example/story/1', 'someone@else.example') });
    expect(other.data!.submitTakedown.request.id).not.toBe(r1.request.id);
    // Once closed (rejected), the same scope may be asked for again.
    const rej = await gql(
      s.gatewayUrl,
      `mutation($id: ID!) { rejectTakedown(id: $id, reason: "Not the rights holder") { status rejectReason } }`,
      { id: r1.request.id },
      admin,
    );
    expect(rej.data).toEqual({ rejectTakedown: { status: 'REJECTED', rejectReason: 'Not the rights holder' } });
    const again = await gql<Submitted>(s.gatewayUrl, SUBMIT, { input: input('URL', 'http://dup.example/story/1') });
    expect(again.data!.submitTakedown).toMatchObject({ duplicate: false });
    expect(again.data!.submitTakedown.request.id).not.toBe(r1.request.id);
  });

  it('admin operations are typed FORBIDDEN for readers and editors, UNAUTHENTICATED for anonymous callers', async () => {
    const id = (await takedownModel(s.store.conn).findOne().lean())!._id.toString();
    const ops = [
      [`mutation($id: ID!) { approveTakedown(id: $id) { id } }`, { id }],
      [`mutation($id: ID!) { rejectTakedown(id: $id, reason: "x") { id } }`, { id }],
      [`mutation($id: ID!) { reinstate(id: $id, note: "x") { id } }`, { id }],
      [`{ takedownRequests { id } }`, {}],
      [`{ overdueTakedowns { id } }`, {}],
      [`{ takedownAudit { seq } }`, {}],
      [`{ takedownAuditVerify { ok } }`, {}],
    ] as const;
    for (const [q, v] of ops) {
      for (const h of [reader, editor]) expect((await gql(s.gatewayUrl, q, v, h)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect((await gql(s.gatewayUrl, q, v)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
    expect((await takedownModel(s.store.conn).findById(id).lean())!.status).not.toBe('approved');
  });

  it("tells anonymous submitters apart by their address, not the gateway's", async () => {
    const from = async (localAddress: string, n: number) => {
      const dispatcher = new Agent({ localAddress });
      try {
        const res = await undiciFetch(s.gatewayUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: SUBMIT, variables: { input: input('URL', `https://anon.example/${n}`) } }),
          dispatcher,
        });
        const r = (await res.json()) as { data: Submitted };
        return (await takedownModel(s.store.conn).findById(r.data.submitTakedown.request.id).lean())!.submittedBy;
      } finally {
        await dispatcher.close();
      }
    };
    expect(await from('127.0.0.2', 1)).toMatch(/^ip:(::ffff:)?127\.0\.0\.2$/);
    expect(await from('127.0.0.3', 2)).toMatch(/^ip:(::ffff:)?127\.0\.0\.3$/);
  });

  it('rate-limits submissions per client in Redis', async () => {
    const limited = { ...c.svc, config: { ...c.svc.config, TAKEDOWN_SUBMIT_RATE_PER_HOUR: 2 } };
    const client = `ip:rate-test-${Date.now()}`;
    await checkSubmitRate(limited, client);
    await checkSubmitRate(limited, client);
    await expect(checkSubmitRate(limited, client)).rejects.toMatchObject({ extensions: { code: 'RATE_LIMITED' } });
    await expect(checkSubmitRate(limited, `${client}-other`)).resolves.toBeUndefined();
  });
});

describe('approval → enforcement → reinstatement', () => {
  async function seed(url: string, title: string, sourceId: string): Promise<string> {
    const key = urlKey(url);
    const id = articleIdFor(key);
    await s.store.Article.create({
      _id: id,
      urlKey: key,
      url: canonicalUrl(url),
      sourceUrl: canonicalUrl(url),
      attribution: 'Pub',
      sourceId,
      title,
      publishedAt: new Date(),
      terms: termsFor({ title, language: 'en' }),
      language: 'en',
    });
    return id;
  }

  it('removes the scope from article(id), headlines and search, notifies the admin subscription, audits, and reinstates', async () => {
    const src = await s.store.Source.create({ key: 'enf', name: 'Enf', homepage: 'https://enf.example/', attribution: 'Enf' });
    const sourceId = String(src._id);
    const gone = await seed('https://enf.example/politics/zebra-crossing', 'Zebra crossing scandal', sourceId);
    const kept = await seed('https://enf.example/sport/zebra-match', 'Zebra match report', sourceId);

    const subscribed = once(c.hub.events, 'subscribed');
    const ws = createClient({
      url: compliance.replace('http', 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: adminIdentity(),
      retryAttempts: 0,
    });
    const statuses: string[] = [];
    const enforced = new Promise<void>((resolve, reject) => {
      ws.subscribe<{ takedownUpdated: { status: string; scope: { key: string } } }>(
        { query: `subscription { takedownUpdated { status scope { key } } }` },
        {
          next: (r) => {
            if (r.errors) return reject(new Error(JSON.stringify(r.errors)));
            if (r.data!.takedownUpdated.scope.key !== 'enf.example/politics/') return;
            statuses.push(r.data!.takedownUpdated.status);
            if (r.data!.takedownUpdated.status === 'ENFORCED') resolve();
          },
          error: reject,
          complete: () => undefined,
        },
      );
    });
    // A non-admin cannot subscribe.
    const readerWs = createClient({
      url: compliance.replace('http', 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: {
        'x-newsline-identity': signIdentity(s.config.INTERNAL_AUTH_SECRET, { sub: 'r', role: 'reader', anonymous: false }),
      },
      retryAttempts: 0,
    });
    const denied = await new Promise<unknown>((resolve) => {
      readerWs.subscribe(
        { query: `subscription { takedownUpdated { status } }` },
        { next: (r) => resolve(r.errors?.[0]), error: resolve, complete: () => undefined },
      );
    });
    expect(JSON.stringify(denied)).toMatch(/FORBIDDEN/);
    await readerWs.dispose();
    await subscribed;

    const sub = await gql<Submitted>(compliance, SUBMIT, { input: input('PREFIX', 'https://enf.example/politics/') });
    const id = sub.data!.submitTakedown.request.id;
    const ap = await gql(compliance, `mutation($id: ID!) { approveTakedown(id: $id) { status decidedBy } }`, { id }, adminIdentity());
    expect(ap.data).toEqual({ approveTakedown: { status: 'APPROVED', decidedBy: 'admin:key:admin' } });
    await enforced;
    // An admin may decide an unproven request itself (its own path).
    expect(statuses).toEqual(['UNCONFIRMED', 'APPROVED', 'ENFORCED']);
    await ws.dispose();

    const art = await gql<{ article: unknown }>(s.gatewayUrl, `query($id: ID!) { article(id: $id) { id } }`, { id: gone }, reader);
    expect(art.data).toEqual({ article: null });
    const hl = await gql<{ headlines: { edges: { node: { id: string } }[] } }>(
      s.gatewayUrl,
      `query($f: HeadlineFilter) { headlines(filter: $f, first: 50) { edges { node { id } } } }`,
      { f: { sourceIds: [sourceId] } },
      reader,
    );
    expect(hl.data!.headlines.edges.map((e) => e.node.id)).toEqual([kept]);
    const se = await gql<{ search: { edges: { node: { id: string } }[] } }>(
      s.gatewayUrl,
      `{ search(query: "zebra", first: 50) { edges { node { id } } } }`,
      {},
      reader,
    );
    expect(se.data!.search.edges.map((e) => e.node.id)).toEqual([kept]);

    const audit = await gql<{ takedownAudit: { action: string; actor: string; data: string }[] }>(
      s.gatewayUrl,
      `query($id: ID) { takedownAudit(requestId: $id) { action actor data } }`,
      { id },
      admin,
    );
    expect(audit.data!.takedownAudit.map((e) => e.action)).toEqual(
      expect.arrayContaining(['submitted', 'approved', 'tombstones.written', 'articles.removed', 'enforced']),
    );
    expect(audit.data!.takedownAudit.find((e) => e.action === 'articles.removed')!.data).toBe(JSON.stringify({ articleIds: [gone] }));
    const verify = await gql(s.gatewayUrl, `{ takedownAuditVerify { ok breaks } }`, {}, admin);
    expect(verify.data).toEqual({ takedownAuditVerify: { ok: true, breaks: [] } });

    const gate = await new TombstoneGate(s.store, s.redis).start();
    expect(await gate.isBlocked('https://enf.example/politics/next')).toBe(true);
    const re = await gql(
      s.gatewayUrl,
      `mutation($id: ID!) { reinstate(id: $id, note: "Licence found") { status reinstateNote } }`,
      { id },
      admin,
    );
    expect(re.data).toEqual({ reinstate: { status: 'REINSTATED', reinstateNote: 'Licence found' } });
    expect(await gate.isBlocked('https://enf.example/politics/next', { fresh: true })).toBe(false);
    gate.stop();
    const actions = (
      await gql<{ takedownAudit: { action: string }[] }>(
        s.gatewayUrl,
        `query($id: ID) { takedownAudit(requestId: $id) { action } }`,
        { id },
        admin,
      )
    ).data!.takedownAudit.map((e) => e.action);
    expect(actions.slice(-2)).toEqual(['reinstated', 'tombstones.removed']);
  });

  it('does not auto-approve an unproven request naming a verified contact (the proven path: takedown-proof.test.ts)', async () => {
    await s.store.Source.create({
      key: 'auto',
      name: 'Auto',
      homepage: 'https://www.auto.example/',
      attribution: 'Auto',
      verifiedContacts: ['legal@auto.example'],
    });
    const r = await gql<Submitted>(compliance, SUBMIT, { input: input('DOMAIN', 'auto.example', 'legal@auto.example') });
    expect(r.data!.submitTakedown.request).toMatchObject({ status: 'UNCONFIRMED', autoApproved: false });
    expect((await takedownModel(s.store.conn).findById(r.data!.submitTakedown.request.id).lean())!.approvedAt).toBeUndefined();
  });
});
