import { startService, type Service } from '@newsline/lifecycle';
import { createLogger } from '@newsline/logger';
import { takedownModel, takedownNoticeModel } from '@newsline/store';
import { signIdentity } from '@newsline/subgraph';
import {
  decodeTakedownUpdate,
  enforcedNotices,
  mailTransport,
  queueNotice,
  startMailWorker,
  TAKEDOWN_CHANNEL,
  verifyAuditChain,
} from '@newsline/takedowns';
import { Queue } from 'bullmq';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setupCompliance } from '../../apps/compliance/src/app';
import { sweepTakedowns } from '../../apps/compliance/src/service';
import { startTakedownWorker } from '../../apps/workers/src/takedown/queue';
import { gql, startStack, type Stack } from './harness';
import { codeIn, linkIn, mailsTo, waitForMail } from './mailbox';

/**
 * Proof before action, through a compliance instance with its own BullMQ prefix, a takedown
 * worker and a mail worker sending to the embedded Mailpit: the spoof from issue 16 must stay
 * inert; the genuine owner confirms from the mail and is told of receipt and decision.
 */
let s: Stack;
let c: Awaited<ReturnType<typeof setupCompliance>>;
let svc: Service;
let url: string;
let workerConn: ReturnType<Stack['redis']['duplicate']>;
let worker: ReturnType<typeof startTakedownWorker>;
let mailer: ReturnType<typeof startMailWorker>;
let site: Server;
const prefix = `test:takedown-proof-${process.pid}`;
const run = `${process.pid}-${Date.now().toString(36)}`;
const contact = `editor-${run}@harbor-ledger.example`;
const admin = () => ({
  'x-newsline-identity': signIdentity(s.config.INTERNAL_AUTH_SECRET, { sub: 'key:admin', role: 'admin', anonymous: false }),
});
let wellKnownBody = '';

beforeAll(async () => {
  s = await startStack('takedown_proof', { TAKEDOWN_SUBMIT_RATE_PER_HOUR: '1000', TAKEDOWN_EMAIL_RATE_PER_HOUR: '50' });
  const config = { ...s.config, HTTP_ALLOW_HOSTS: ['127.0.0.1'] };
  c = await setupCompliance({ store: s.store, config, redis: s.redis }, { queuePrefix: prefix, keyPrefix: `${prefix}:` });
  svc = await startService({
    name: 'compliance-proof',
    port: 0,
    checks: {},
    handler: c.handler,
    onShutdown: async () => undefined,
    shutdownTimeoutMs: 2000,
    log: { info: () => undefined, error: () => undefined },
    exit: false,
  });
  url = `http://127.0.0.1:${svc.port}/graphql`;
  const log = createLogger('test', { level: 'silent' });
  workerConn = s.redis.duplicate({ maxRetriesPerRequest: null });
  const links = { secret: config.TAKEDOWN_LINK_SECRET, publicUrl: config.TAKEDOWN_PUBLIC_URL };
  const notify = async (id: string) => {
    for (const n of await enforcedNotices(s.store, id, links)) await queueNotice(s.store.conn, c.mail, n);
  };
  worker = startTakedownWorker({ store: s.store, redis: s.redis, log, notify }, workerConn, { prefix });
  mailer = startMailWorker({ conn: s.store.conn, transport: mailTransport(config), from: config.MAIL_FROM, log }, workerConn, { prefix });
  // A publisher's site for the .well-known proof.
  site = createServer((req, res) => {
    if (req.url === '/.well-known/newsline-takedown.txt') res.writeHead(200, { 'content-type': 'text/plain' }).end(wellKnownBody);
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
}, 90_000);
afterAll(async () => {
  site?.close();
  await worker?.close();
  await mailer?.close();
  for (const name of ['takedown', 'mail']) {
    const q = new Queue(name, { connection: workerConn, prefix });
    await q.obliterate({ force: true }).catch(() => undefined);
    await q.close();
  }
  workerConn?.disconnect();
  await svc?.shutdown();
  await c?.stop();
  await s?.stop();
});

const FIELDS = 'id status autoApproved proofMethod confirmedAt counterNotice { status reinstateAfter }';
const SUBMIT = `mutation($input: TakedownInput!) { submitTakedown(input: $input) { duplicate domainProof { url token } request { ${FIELDS} } } }`;
const CONFIRM = `mutation($t: String!) { confirmTakedown(token: $t) { ${FIELDS} } }`;
type Req = { id: string; status: string; autoApproved: boolean; proofMethod: string | null; counterNotice: { status: string } | null };
const input = (kind: string, value: string, email: string) => ({
  scope: { kind, value },
  reason: 'COPYRIGHT',
  relation: 'PUBLISHER',
  requester: { name: 'Rights Desk', email },
  statement: 'We own these articles and did not license them.',
  goodFaith: true,
});
const submit = async (kind: string, value: string, email: string) => {
  const r = await gql<{ submitTakedown: { request: Req; domainProof: { url: string; token: string } | null } }>(url, SUBMIT, {
    input: input(kind, value, email),
  });
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  return r.data!.submitTakedown;
};
const errCode = (r: { errors?: { extensions?: Record<string, unknown> }[] }) => r.errors?.[0]?.extensions?.code;

function enforcedEvent(): Promise<string> & { close(): void } {
  const sub = s.redis.duplicate();
  const p = (async () => {
    await sub.subscribe(TAKEDOWN_CHANNEL);
    return new Promise<string>((resolve) =>
      sub.on('message', (_c, raw: string) => {
        const u = decodeTakedownUpdate(raw);
        if (u?.status === 'enforced') resolve(u.requestId);
      }),
    );
  })();
  return Object.assign(p, { close: () => sub.disconnect() });
}

let sourceId: string;
let genuineId: string;

describe('proof before action', () => {
  it('the exploit from issue 16: a spoofed verified address stays UNCONFIRMED, removes nothing and pauses nothing', async () => {
    const src = await s.store.Source.create({
      key: `harbor-${run}`,
      name: 'Harbor Ledger',
      homepage: `https://harbor-${run}.example/`,
      attribution: 'Harbor Ledger',
      verifiedContacts: [contact],
    });
    sourceId = String(src._id);
    const spoof = await submit('SOURCE', sourceId, contact);
    // The spoofer cannot confirm it: the code only went to the owner's mailbox (used by the next test).
    genuineId = spoof.request.id;
    expect(spoof.request).toMatchObject({ status: 'UNCONFIRMED', autoApproved: false, proofMethod: null });
    // The real owner gets the confirmation mail (and can ignore it); nothing else happened.
    const mail = await waitForMail(contact, 'confirm');
    expect(mail.text).toContain(spoof.request.id);
    expect((await s.store.Source.findById(sourceId).lean())!.paused).not.toBe(true);
    expect(await c.queue.getJobCounts('waiting', 'active', 'delayed')).toMatchObject({ waiting: 0, active: 0, delayed: 0 });

    // Forged and tampered codes are refused with typed errors and change nothing.
    const code = codeIn(mail);
    const [body, sig] = code.split('.');
    const payload = JSON.parse(Buffer.from(body!, 'base64url').toString()) as Record<string, unknown>;
    const retargeted = `${Buffer.from(JSON.stringify({ ...payload, r: '0123456789abcdef01234567' })).toString('base64url')}.${sig}`;
    for (const bad of [`${body}.${'A'.repeat(sig!.length)}`, retargeted, 'not-a-token', `${code}x`])
      expect(errCode(await gql(url, CONFIRM, { t: bad }))).toBe('TOKEN_INVALID');
    // The status link of the same request is not a confirmation.
    const status = linkIn(mail, '/takedowns/confirm');
    expect(status).toContain(encodeURIComponent(code));
    expect((await takedownModel(s.store.conn).findById(spoof.request.id).lean())!.status).toBe('unconfirmed');
  });

  it('the owner confirms from the mail: auto-approved, enforced, told of receipt and decision; a replay is TOKEN_USED', async () => {
    const enforced = enforcedEvent();
    const mail = (await mailsTo(contact)).find((m) => m.kind === 'confirm')!;
    const ok = await gql<{ confirmTakedown: Req }>(url, CONFIRM, { t: codeIn(mail) });
    expect(ok.data!.confirmTakedown).toMatchObject({ id: genuineId, status: 'APPROVED', autoApproved: true, proofMethod: 'email-link' });
    expect(await enforced).toBe(genuineId);
    enforced.close();
    expect((await s.store.Source.findById(sourceId).lean())!.paused).toBe(true);
    expect(errCode(await gql(url, CONFIRM, { t: codeIn(mail) }))).toBe('TOKEN_USED');

    const receipt = await waitForMail(contact, 'receipt');
    const decision = await waitForMail(contact, 'decision', 20_000, /Decision: APPROVED and enforced/);
    // The same address is the source's contact: it also gets the statement of reasons.
    expect((await waitForMail(contact, 'decision', 20_000, /How to contest:/)).text).toMatch(/Requester's relation: PUBLISHER/);
    expect(decision.text).toMatch(/Decision: APPROVED and enforced/);
    expect(decision.text).toMatch(/Automated decision: yes/);
    expect(decision.text).toMatch(/Ground: COPYRIGHT/);
    // The status link works as the public query and the HTTP page.
    const statusUrl = linkIn(receipt, '/takedowns/status');
    const token = new URL(statusUrl).searchParams.get('token')!;
    const st = await gql<{ takedownStatus: { status: string; autoApproved: boolean } }>(
      url,
      `query($t: String!) { takedownStatus(token: $t) { status autoApproved } }`,
      { t: token },
    );
    expect(st.data!.takedownStatus).toEqual({ status: 'ENFORCED', autoApproved: true });
    const page = await fetch(`${url.replace('/graphql', '')}/takedowns/status?token=${encodeURIComponent(token)}`);
    expect(((await page.json()) as { status: string }).status).toBe('enforced');
    // A status link cannot confirm anything.
    expect(errCode(await gql(url, CONFIRM, { t: token }))).toBe('TOKEN_INVALID');
    // The requester's decision and, as the source's contact (the same address here), the statement of reasons.
    const notices = await takedownNoticeModel(s.store.conn).find({ requestId: genuineId }).lean();
    expect(notices.map((n) => n.kind).sort()).toEqual(['confirm', 'decision', 'decision', 'receipt']);
    expect(notices.map((n) => n.subject)).toEqual(expect.arrayContaining([expect.stringMatching(/^Statement of reasons/)]));
  });

  it('an unconfirmed request expires; its link is then TOKEN_EXPIRED', async () => {
    const victim = `legal-${run}@expire.example`;
    const r = await submit('DOMAIN', `expire-${run}.example`, victim);
    const mail = await waitForMail(victim, 'confirm');
    const swept = await sweepTakedowns(c.svc, new Date(Date.now() + 25 * 3_600_000));
    expect(swept.expired).toBeGreaterThanOrEqual(1);
    expect((await takedownModel(s.store.conn).findById(r.request.id).lean())!.status).toBe('expired');
    expect(errCode(await gql(url, CONFIRM, { t: codeIn(mail) }))).toBe('TOKEN_EXPIRED');
  });

  it('.well-known proof: the token on the publisher origin proves the request; a missing one is PROOF_NOT_FOUND', async () => {
    const origin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
    const r = await submit('PREFIX', `${origin}/news/`, `web-${run}@site.example`);
    expect(r.domainProof!.url).toBe(`${origin}/.well-known/newsline-takedown.txt`);
    const VERIFY = `mutation($id: ID!) { verifyTakedownDomain(id: $id) { status proofMethod } }`;
    wellKnownBody = 'newsline-takedown=not-the-token\n';
    expect(errCode(await gql(url, VERIFY, { id: r.request.id }))).toBe('PROOF_NOT_FOUND');
    wellKnownBody = `# newsline\n${r.domainProof!.token}\n`;
    const ok = await gql<{ verifyTakedownDomain: { status: string; proofMethod: string } }>(url, VERIFY, { id: r.request.id });
    // No source lives on that origin: proven, but it waits for an admin.
    expect(ok.data!.verifyTakedownDomain).toEqual({ status: 'RECEIVED', proofMethod: 'well-known' });
  });
});

describe('counter-notice and reinstatement', () => {
  const COUNTER = `mutation($id: ID!, $i: CounterNoticeInput!) { fileCounterNotice(id: $id, input: $i) { ${FIELDS} } }`;
  const counter = (email: string) => ({ name: 'Harbor Editor', email, statement: 'These articles are our own reporting, licensed to nobody.' });

  it('only a verified contact may contest; confirmed, the requester is told, and after the wait the content is reinstated', async () => {
    expect(errCode(await gql(url, COUNTER, { id: genuineId, i: counter(`stranger-${run}@else.example`) }))).toBe('FORBIDDEN');
    const filed = await gql<{ fileCounterNotice: Req }>(url, COUNTER, { id: genuineId, i: counter(contact) });
    expect(filed.data!.fileCounterNotice.counterNotice).toMatchObject({ status: 'unconfirmed' });
    const mail = await waitForMail(contact, 'counter-confirm');
    const CC = `mutation($t: String!) { confirmCounterNotice(token: $t) { ${FIELDS} } }`;
    // A request's confirmation code is no counter-notice code.
    const first = (await mailsTo(contact)).find((m) => m.kind === 'confirm')!;
    expect(errCode(await gql(url, CC, { t: codeIn(first) }))).toBe('TOKEN_INVALID');
    const ok = await gql<{ confirmCounterNotice: Req }>(url, CC, { t: codeIn(mail) });
    expect(ok.data!.confirmCounterNotice.counterNotice).toMatchObject({ status: 'filed' });
    expect(errCode(await gql(url, CC, { t: codeIn(mail) }))).toBe('TOKEN_USED');
    // The requester (here the same address, as in the exploit) hears of it.
    await waitForMail(contact, 'counter-received');

    // Before the wait is over nothing changes; after it, reinstated.
    expect((await sweepTakedowns(c.svc)).reinstated).toBe(0);
    const hours = s.config.TAKEDOWN_COUNTER_WAIT_HOURS;
    const swept = await sweepTakedowns(c.svc, new Date(Date.now() + (hours + 1) * 3_600_000));
    expect(swept.reinstated).toBe(1);
    const d = (await takedownModel(s.store.conn).findById(genuineId).lean())!;
    expect(d.status).toBe('reinstated');
    expect(d.counter!.status).toBe('reinstated');
    expect((await s.store.Source.findById(sourceId).lean())!.paused).toBe(false);
    await waitForMail(contact, 'reinstated');
    const audit = await gql<{ takedownAudit: { action: string }[] }>(
      url,
      `query($id: ID) { takedownAudit(requestId: $id) { action } }`,
      { id: genuineId },
      admin(),
    );
    expect(audit.data!.takedownAudit.map((e) => e.action)).toEqual(
      expect.arrayContaining(['submitted', 'confirmed', 'approved', 'enforced', 'counter.submitted', 'counter.filed', 'reinstated']),
    );
    expect((await verifyAuditChain(s.store.conn)).ok).toBe(true);
  });
});

describe('transparency', () => {
  it('reports counts by scope, ground, decision and automation, time to action, and exports CSV and JSON', async () => {
    const q = `query($f: DateTimeISO!, $t: DateTimeISO!) {
      takedownReport(from: $f, to: $t) { total byScope { key count } byDecision { key count } automated medianSecondsToAction p99SecondsToAction overdue counterNotices reinstatedAfterCounter }
      csv: takedownReportExport(from: $f, to: $t, format: CSV) json: takedownReportExport(from: $f, to: $t, format: JSON) }`;
    const v = { f: new Date(Date.now() - 3_600_000).toISOString(), t: new Date(Date.now() + 60_000).toISOString() };
    expect(errCode(await gql(url, q, v))).toBe('UNAUTHENTICATED');
    const r = await gql<{
      takedownReport: {
        total: number;
        byScope: { key: string; count: number }[];
        byDecision: { key: string; count: number }[];
        automated: number;
        medianSecondsToAction: number;
        counterNotices: number;
        reinstatedAfterCounter: number;
      };
      csv: string;
      json: string;
    }>(url, q, v, admin());
    expect(r.errors).toBeUndefined();
    const rep = r.data!.takedownReport;
    expect(rep.total).toBe(3);
    expect(rep.byScope).toEqual(expect.arrayContaining([{ key: 'SOURCE', count: 1 }, { key: 'DOMAIN', count: 1 }, { key: 'PREFIX', count: 1 }]));
    expect(rep.byDecision).toEqual(expect.arrayContaining([{ key: 'reinstated', count: 1 }, { key: 'expired', count: 1 }]));
    expect(rep).toMatchObject({ automated: 1, counterNotices: 1, reinstatedAfterCounter: 1 });
    expect(rep.medianSecondsToAction).toBeGreaterThanOrEqual(0);
    expect(r.data!.csv.split('\n')[0]).toBe('metric,key,value');
    expect(r.data!.csv).toContain('scope,SOURCE,1');
    expect(JSON.parse(r.data!.json)).toMatchObject({ total: 3, automated: 1 });
  });
});
