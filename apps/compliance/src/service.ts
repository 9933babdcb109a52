import { createHash, createHmac } from 'node:crypto';
import type { Config } from '@newsline/config';
import { hostOf } from '@newsline/domain';
import { takedownModel, takedownOpenModel, TAKEDOWN_OPEN_STATUS, type Store, type TakedownDoc } from '@newsline/store';
import {
  appendAudit,
  contactsForScope,
  hashNonce,
  LinkError,
  publishTakedownUpdate,
  removeTombstone,
  scopeKey,
  signLink,
  sourceInScope,
  verifyLink,
  type MatchScope,
  type NoticeInput,
  type ScopeKind,
} from '@newsline/takedowns';
import { GraphQLError } from 'graphql';
import type Redis from 'ioredis';
import { isValidObjectId, Types } from 'mongoose';

export type TakedownRecord = TakedownDoc & { _id: Types.ObjectId };

/** What the resolvers need besides the request: shared by the subgraph and the tests. */
export interface ComplianceServices {
  store: Store;
  redis: Redis;
  config: Pick<
    Config,
    | 'TAKEDOWN_DEADLINE_HOURS'
    | 'TAKEDOWN_AUTO_APPROVE'
    | 'TAKEDOWN_SUBMIT_RATE_PER_HOUR'
    | 'TAKEDOWN_LINK_SECRET'
    | 'TAKEDOWN_CONFIRM_HOURS'
    | 'TAKEDOWN_COUNTER_WAIT_HOURS'
    | 'TAKEDOWN_EMAIL_RATE_PER_HOUR'
    | 'TAKEDOWN_PUBLIC_URL'
  >;
  /** Enqueues enforcement (BullMQ `takedown` queue, idempotent job id). */
  enqueue(requestId: string): Promise<void>;
  /** Records a notice and queues it on the BullMQ `mail` queue. */
  notify(n: NoticeInput): Promise<void>;
  /** GET of a publisher's /.well-known/ proof file through the polite client (SSRF guard); undefined: not set up. */
  fetchText?(url: string): Promise<string | undefined>;
  /** Prefix of the rate-limit keys (tests isolate themselves with it). */
  keyPrefix: string;
}

export interface SubmitInput {
  scope: { kind: string; value: string };
  reason: string;
  requester: { name: string; email: string; organisation?: string | null };
  relation: string;
  statement: string;
  notes?: string | null;
  /** The requester's statement that the notice is accurate and made in good faith. */
  goodFaith?: boolean | null;
}

export const LIMITS = { scope: 2000, name: 200, email: 320, organisation: 200, statement: 10_000, notes: 5000, decision: 2000 } as const;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

const badInput = (problems: string[]) =>
  new GraphQLError(`invalid takedown request: ${problems.join('; ')}`, { extensions: { code: 'BAD_USER_INPUT', problems } });
const linkError = (e: LinkError) => new GraphQLError(e.message, { extensions: { code: e.code } });
const notFound = (id: string) => new GraphQLError(`no takedown request ${id}`, { extensions: { code: 'NOT_FOUND' } });
const conflict = (msg: string) => new GraphQLError(msg, { extensions: { code: 'BAD_USER_INPUT', problems: [msg] } });

/** Every problem at once, as `field: message`, so a form can show them all. */
export function validateTakedown(i: SubmitInput): string[] {
  const p: string[] = [];
  const v = i.scope.value.trim();
  if (!v) p.push('scope.value: required');
  else if (v.length > LIMITS.scope) p.push(`scope.value: at most ${LIMITS.scope} characters`);
  else if (i.scope.kind === 'URL' || i.scope.kind === 'PREFIX') {
    try {
      const u = new URL(v);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') p.push('scope.value: must be an http(s) URL');
    } catch {
      p.push('scope.value: must be an http(s) URL');
    }
  } else if (i.scope.kind === 'DOMAIN' && !/^(?=.{1,253}$)([a-z0-9-]{1,63}\.)+[a-z]{2,63}$/i.test(v))
    p.push('scope.value: must be a domain name');
  else if (i.scope.kind === 'SOURCE' && !/^[0-9a-f]{24}$/.test(v)) p.push('scope.value: must be a source id');
  if (!i.requester.name.trim()) p.push('requester.name: required');
  else if (i.requester.name.length > LIMITS.name) p.push(`requester.name: at most ${LIMITS.name} characters`);
  if (i.requester.email.length > LIMITS.email) p.push(`requester.email: at most ${LIMITS.email} characters`);
  else if (!EMAIL.test(i.requester.email)) p.push('requester.email: must be an email address');
  if ((i.requester.organisation ?? '').length > LIMITS.organisation)
    p.push(`requester.organisation: at most ${LIMITS.organisation} characters`);
  if (i.statement.trim().length < 20) p.push('statement: at least 20 characters');
  if (i.statement.length > LIMITS.statement) p.push(`statement: at most ${LIMITS.statement} characters`);
  if ((i.notes ?? '').length > LIMITS.notes) p.push(`notes: at most ${LIMITS.notes} characters`);
  return p;
}

/** Fixed one-hour window per client in Redis: shared by every compliance instance. */
export async function checkSubmitRate(svc: ComplianceServices, client: string, now = Date.now()): Promise<void> {
  const key = `${svc.keyPrefix}takedown:submit:${client}:${Math.floor(now / 3_600_000)}`;
  const n = await svc.redis.incr(key);
  if (n === 1) await svc.redis.expire(key, 3700);
  if (n > svc.config.TAKEDOWN_SUBMIT_RATE_PER_HOUR)
    throw new GraphQLError('too many takedown submissions from this client; try again later', {
      extensions: { code: 'RATE_LIMITED', limitPerHour: svc.config.TAKEDOWN_SUBMIT_RATE_PER_HOUR },
    });
}

const openId = (email: string, s: MatchScope) => createHash('sha1').update(`${email}\n${s.kind}\n${s.key}`).digest('hex');

/**
 * Stores a received request, or returns the requester's open request for the same scope (same
 * normalized key: URL variants count as one). The dedup marker is keyed by `_id`; a Redis lock
 * serializes two identical submissions racing each other.
 */
export async function submitTakedown(
  svc: ComplianceServices,
  input: SubmitInput,
  client: string,
  opts: { admin?: boolean } = {},
): Promise<{ request: TakedownRecord; duplicate: boolean; domainProof?: { url: string; token: string } }> {
  const problems = validateTakedown(input);
  if (problems.length) throw badInput(problems);
  const kind = input.scope.kind as ScopeKind;
  const value = input.scope.value.trim();
  const scope: MatchScope = { kind, key: scopeKey(kind, value) };
  const email = input.requester.email.trim().toLowerCase();
  const R = takedownModel(svc.store.conn);
  const Open = takedownOpenModel(svc.store.conn);
  const marker = openId(email, scope);
  const lock = `${svc.keyPrefix}takedown:submit-lock:${marker}`;
  for (let i = 0; !(await svc.redis.set(lock, '1', 'PX', 5000, 'NX')); i++) {
    if (i > 100) throw new GraphQLError('busy, try again', { extensions: { code: 'RATE_LIMITED' } });
    await new Promise((r) => setTimeout(r, 50));
  }
  let created: TakedownRecord;
  let confirmToken: string | undefined;
  try {
    const m = await Open.findById(marker).lean();
    if (m) {
      const existing = await R.findById(m.requestId).lean();
      // A repeat of an unconfirmed request sends no second mail: resubmitting cannot mail-bomb an address.
      if (existing && (TAKEDOWN_OPEN_STATUS as readonly string[]).includes(existing.status))
        return { request: existing as TakedownRecord, duplicate: true };
    }
    // Only mails to the address are limited per address: an admin's request sends none to confirm.
    if (!opts.admin) await checkEmailRate(svc, email);
    const now = new Date();
    const _id = new Types.ObjectId();
    const expiresAt = new Date(now.getTime() + svc.config.TAKEDOWN_CONFIRM_HOURS * 3_600_000);
    const link = opts.admin ? undefined : signLink(svc.config.TAKEDOWN_LINK_SECRET, String(_id), 'confirm', expiresAt);
    confirmToken = link?.token;
    const doc = await R.create({
      _id,
      // An API-key admin is trusted with the address it types; anyone else must prove it first.
      status: opts.admin ? 'received' : 'unconfirmed',
      scope: { kind, value, key: scope.key },
      reason: input.reason,
      requester: { name: input.requester.name.trim(), email, organisation: input.requester.organisation?.trim() || undefined },
      relation: input.relation,
      statement: input.statement.trim(),
      notes: input.notes?.trim() || undefined,
      goodFaith: input.goodFaith ?? false,
      submittedBy: client,
      receivedAt: now,
      proof: opts.admin
        ? { method: 'admin', confirmedAt: now }
        : { nonceHash: link!.nonceHash, expiresAt, domainToken: kind === 'SOURCE' ? undefined : domainToken(svc, String(_id)) },
      deadline: new Date(now.getTime() + svc.config.TAKEDOWN_DEADLINE_HOURS * 3_600_000),
    });
    created = doc.toObject() as TakedownRecord;
    await Open.updateOne({ _id: marker }, { $set: { requestId: String(created._id) } }, { upsert: true });
  } finally {
    await svc.redis.del(lock);
  }
  const id = String(created._id);
  await appendAudit(svc.store.conn, {
    requestId: id,
    action: opts.admin ? 'received' : 'submitted',
    actor: `requester:${client}`,
    data: { kind, key: scope.key, email, proof: opts.admin ? 'admin' : 'pending' },
  });
  await publishTakedownUpdate(svc.redis, id, created.status);
  if (opts.admin) {
    await svc.notify(receiptNotice(svc, created));
    return { request: created, duplicate: false };
  }
  await svc.notify(confirmNotice(svc, created, confirmToken!));
  const wk = created.proof?.domainToken ? { url: wellKnownUrl(created)!, token: created.proof.domainToken } : undefined;
  return { request: created, duplicate: false, domainProof: wk };
}

/** Per-address hourly window: a flood naming one victim's address mails it at most this often. */
async function checkEmailRate(svc: ComplianceServices, email: string, now = Date.now()): Promise<void> {
  const key = `${svc.keyPrefix}takedown:email:${createHash('sha1').update(email).digest('hex')}:${Math.floor(now / 3_600_000)}`;
  const n = await svc.redis.incr(key);
  if (n === 1) await svc.redis.expire(key, 3700);
  if (n > svc.config.TAKEDOWN_EMAIL_RATE_PER_HOUR)
    throw new GraphQLError('too many takedown requests for this address; try again later', {
      extensions: { code: 'RATE_LIMITED', limitPerHour: svc.config.TAKEDOWN_EMAIL_RATE_PER_HOUR },
    });
}

/** Deterministic per request (no extra secret to store), unguessable without the link secret. */
const domainToken = (svc: ComplianceServices, id: string) =>
  `newsline-takedown=${createHmac('sha256', svc.config.TAKEDOWN_LINK_SECRET).update(`well-known\n${id}`).digest('hex').slice(0, 40)}`;

export const WELL_KNOWN_PATH = '/.well-known/newsline-takedown.txt';

/** Where the requester publishes the token: the scope URL's origin (PREFIX, URL) or https://<domain> (DOMAIN). */
function wellKnownUrl(r: Pick<TakedownRecord, 'scope'>): string | undefined {
  const sc = r.scope as { kind: string; value: string };
  if (sc.kind === 'DOMAIN') return `https://${sc.value.toLowerCase()}${WELL_KNOWN_PATH}`;
  if (sc.kind === 'URL' || sc.kind === 'PREFIX') return `${new URL(sc.value).origin}${WELL_KNOWN_PATH}`;
  return undefined;
}

const link = (svc: ComplianceServices, path: string, token: string) =>
  `${svc.config.TAKEDOWN_PUBLIC_URL.replace(/\/$/, '')}${path}?token=${encodeURIComponent(token)}`;
export const statusToken = (svc: ComplianceServices, id: string) => signLink(svc.config.TAKEDOWN_LINK_SECRET, id, 'status', undefined).token;

function describe(r: TakedownRecord): string {
  const sc = r.scope as { kind: string; value: string };
  return `Request ${String(r._id)}\nScope: ${sc.kind} ${sc.value}\nGround: ${r.reason}\nReceived: ${r.receivedAt.toISOString()}`;
}

function confirmNotice(svc: ComplianceServices, r: TakedownRecord, token: string): NoticeInput {
  const wk = r.proof?.domainToken
    ? `\n\nFor a domain or URL prefix you may instead prove control of the site: publish\n  ${r.proof.domainToken}\nat ${wellKnownUrl(r)} and call verifyTakedownDomain.`
    : '';
  return {
    requestId: String(r._id),
    kind: 'confirm',
    to: (r.requester as { email: string }).email,
    subject: `Confirm your takedown request ${String(r._id)}`,
    text:
      `We received a takedown request naming this address. Nothing happens until you confirm it.\n\n${describe(r)}\n\n` +
      `Confirm (valid until ${r.proof!.expiresAt!.toISOString()}, single use):\n  ${link(svc, '/takedowns/confirm', token)}\n` +
      `Confirmation code: ${token}${wk}\n\nIf you did not send this request, ignore this mail: it expires without effect.`,
  };
}

function receiptNotice(svc: ComplianceServices, r: TakedownRecord): NoticeInput {
  return {
    requestId: String(r._id),
    kind: 'receipt',
    to: (r.requester as { email: string }).email,
    subject: `Takedown request ${String(r._id)} received`,
    text:
      `Your takedown request is received and will be decided by ${r.deadline.toISOString()}.\n\n${describe(r)}\n\n` +
      `Follow its status: ${link(svc, '/takedowns/status', statusToken(svc, String(r._id)))}`,
  };
}

function decisionRefusedNotice(svc: ComplianceServices, r: TakedownRecord): NoticeInput {
  return {
    requestId: String(r._id),
    kind: 'decision',
    to: (r.requester as { email: string }).email,
    subject: `Takedown request ${String(r._id)}: refused`,
    text:
      `Decision: REFUSED. Nothing was removed.\n\n${describe(r)}\nReasons: ${r.rejectReason}\nAutomated decision: no (decided by ${r.decidedBy})\n\n` +
      `How to contest: reply with new information or submit a new request; you may also use an out-of-court dispute body or the courts.\n` +
      `Status: ${link(svc, '/takedowns/status', statusToken(svc, String(r._id)))}`,
  };
}

/** The token's request, or a typed error: forged/tampered → TOKEN_INVALID, past expiry → TOKEN_EXPIRED. */
function checkLink(svc: ComplianceServices, token: string, purpose: 'confirm' | 'counter' | 'status') {
  try {
    const p = verifyLink(svc.config.TAKEDOWN_LINK_SECRET, token, purpose);
    if (!isValidObjectId(p.r)) throw new LinkError('TOKEN_INVALID', 'malformed link');
    return p;
  } catch (e) {
    throw e instanceof LinkError ? linkError(e) : e;
  }
}

/**
 * unconfirmed → received, once: the nonce's hash is matched and cleared in one findOneAndUpdate,
 * so a replayed link (or two racing clicks) finds nothing. Then the receipt, then auto-approval
 * when the now-proven address is a verified contact of the scope.
 */
export async function confirmTakedown(svc: ComplianceServices, token: string): Promise<TakedownRecord> {
  const p = checkLink(svc, token, 'confirm');
  return proveRequest(svc, p.r, { 'proof.nonceHash': hashNonce(p.n) }, 'email-link', 'requester:email-link');
}

/** .well-known proof for DOMAIN/URL/PREFIX scopes: the token must be served on the publisher's own origin. */
export async function verifyTakedownDomain(svc: ComplianceServices, id: string): Promise<TakedownRecord> {
  const cur = await load(svc, id);
  if (cur.status !== 'unconfirmed') throw conflict(`cannot verify a ${cur.status} request`);
  const url = wellKnownUrl(cur);
  if (!url || !cur.proof?.domainToken || !svc.fetchText)
    throw new GraphQLError('domain proof is not available for this request', { extensions: { code: 'BAD_USER_INPUT' } });
  const body = await svc.fetchText(url);
  if (!body || !body.split(/\r?\n/).some((l) => l.trim() === cur.proof!.domainToken))
    throw new GraphQLError(`the token is not published at ${url}`, { extensions: { code: 'PROOF_NOT_FOUND', url } });
  return proveRequest(svc, id, { 'proof.domainToken': cur.proof.domainToken }, 'well-known', `requester:well-known:${url}`);
}

async function proveRequest(
  svc: ComplianceServices,
  id: string,
  match: Record<string, string>,
  method: 'email-link' | 'well-known',
  actor: string,
): Promise<TakedownRecord> {
  const now = new Date();
  const r = (await takedownModel(svc.store.conn)
    .findOneAndUpdate(
      { _id: id, status: 'unconfirmed', ...match, 'proof.expiresAt': { $gt: now } },
      { $set: { status: 'received', 'proof.method': method, 'proof.confirmedAt': now }, $unset: { 'proof.nonceHash': 1 } },
      { new: true },
    )
    .lean()) as TakedownRecord | null;
  if (!r) {
    const cur = isValidObjectId(id) ? await takedownModel(svc.store.conn).findById(id).lean() : null;
    if (!cur) throw linkError(new LinkError('TOKEN_INVALID', 'no such request'));
    if (cur.status === 'expired' || (cur.status === 'unconfirmed' && cur.proof?.expiresAt && cur.proof.expiresAt <= now))
      throw linkError(new LinkError('TOKEN_EXPIRED', 'the request expired unconfirmed'));
    if (cur.status === 'unconfirmed') throw linkError(new LinkError('TOKEN_INVALID', 'link does not match this request'));
    throw linkError(new LinkError('TOKEN_USED', 'the request is already confirmed'));
  }
  await appendAudit(svc.store.conn, { requestId: id, action: 'confirmed', actor, data: { method } });
  await publishTakedownUpdate(svc.redis, id, 'received');
  await svc.notify(receiptNotice(svc, r));
  const kind = (r.scope as { kind: string }).kind as ScopeKind;
  const scope: MatchScope = { kind, key: (r.scope as { key: string }).key };
  const email = (r.requester as { email: string }).email;
  // A well-known proof shows control of the site itself (the address stays unproven): it stands in for a contact.
  const trusted = method === 'well-known' ? await fromSourceSite(svc.store, scope) : await fromVerifiedContact(svc.store, email, scope);
  if (svc.config.TAKEDOWN_AUTO_APPROVE === 'verified-contacts' && trusted) return approveTakedown(svc, id, 'policy:auto-approve');
  return r;
}

/** Whether the scope's host is the homepage host of a known source. */
async function fromSourceSite(store: Store, s: MatchScope): Promise<boolean> {
  if (s.kind === 'SOURCE') return false;
  const host = s.kind === 'DOMAIN' ? s.key : s.key.split('/')[0]!.split(':')[0]!;
  const sources = await store.Source.find({}, { homepage: 1 }).limit(100_000).lean();
  return sources.some((src) => {
    try {
      const home = hostOf(src.homepage).replace(/^(amp|m)\./, '');
      return host === home || host.endsWith(`.${home}`);
    } catch {
      return false;
    }
  });
}

/** Whether `email` is a verified contact of a source the scope belongs to (by id or by homepage host). */
async function fromVerifiedContact(store: Store, email: string, s: MatchScope): Promise<boolean> {
  const sources = await store.Source.find({ verifiedContacts: email }, { _id: 1, homepage: 1 }).lean();
  return sources.some((src) => sourceInScope(src, s));
}

async function load(svc: ComplianceServices, id: string): Promise<TakedownRecord> {
  if (!isValidObjectId(id)) throw notFound(id);
  const r = await takedownModel(svc.store.conn).findById(id).lean();
  if (!r) throw notFound(id);
  return r as TakedownRecord;
}

/** received → approved, then enforcement is enqueued. Approving an approved/enforced request is a no-op. */
export async function approveTakedown(svc: ComplianceServices, id: string, actor: string): Promise<TakedownRecord> {
  const cur = await load(svc, id);
  if (cur.status === 'approved' || cur.status === 'enforced') return cur;
  const now = new Date();
  const r = await takedownModel(svc.store.conn)
    .findOneAndUpdate(
      // An admin may decide an unproven request on its own judgment; the policy needs a proven one.
      { _id: id, status: { $in: actor.startsWith('policy:') ? ['received', 'reviewing'] : ['unconfirmed', 'received', 'reviewing'] } },
      { $set: { status: 'approved', approvedAt: now, decidedAt: now, decidedBy: actor, autoApproved: actor.startsWith('policy:') } },
      { new: true },
    )
    .lean();
  if (!r) throw conflict(`cannot approve a ${(await load(svc, id)).status} request`);
  // Enforcement starts while the decision is audited: the clock on the takedown is running.
  await Promise.all([appendAudit(svc.store.conn, { requestId: id, action: 'approved', actor, data: {} }), svc.enqueue(id)]);
  await publishTakedownUpdate(svc.redis, id, 'approved');
  return r as TakedownRecord;
}

export async function rejectTakedown(svc: ComplianceServices, id: string, reason: string, actor: string): Promise<TakedownRecord> {
  if (!reason.trim() || reason.length > LIMITS.decision) throw badInput([`reason: 1 to ${LIMITS.decision} characters`]);
  await load(svc, id);
  const now = new Date();
  const r = await takedownModel(svc.store.conn)
    .findOneAndUpdate(
      { _id: id, status: { $in: ['unconfirmed', 'received', 'reviewing'] } },
      { $set: { status: 'rejected', rejectedAt: now, decidedAt: now, decidedBy: actor, rejectReason: reason.trim() } },
      { new: true },
    )
    .lean();
  if (!r) throw conflict(`cannot reject a ${(await load(svc, id)).status} request`);
  await appendAudit(svc.store.conn, { requestId: id, action: 'rejected', actor, data: { reason: reason.trim() } });
  await publishTakedownUpdate(svc.redis, id, 'rejected');
  // An unproven address gets no decision mail: it never asked (or never showed it did).
  if (r.proof?.confirmedAt) await svc.notify(decisionRefusedNotice(svc, r as TakedownRecord));
  return r as TakedownRecord;
}

/**
 * enforced → reinstated: the scope's tombstone goes (unless another enforced request still
 * needs it) and ingestion resumes; a source paused by the enforcement is unpaused. Calling it
 * again on a reinstated request re-runs the (idempotent) cleanup, so a crash cannot strand it.
 */
export async function reinstateTakedown(svc: ComplianceServices, id: string, note: string, actor: string): Promise<TakedownRecord> {
  if (!note.trim() || note.length > LIMITS.decision) throw badInput([`note: 1 to ${LIMITS.decision} characters`]);
  const cur = await load(svc, id);
  if (cur.status !== 'enforced' && cur.status !== 'reinstated') throw conflict(`cannot reinstate a ${cur.status} request`);
  const R = takedownModel(svc.store.conn);
  if (cur.status === 'enforced') {
    const now = new Date();
    const r = await R.updateOne(
      { _id: id, status: 'enforced' },
      { $set: { status: 'reinstated', reinstatedAt: now, reinstatedBy: actor, reinstateNote: note.trim() } },
    );
    if (r.modifiedCount) await appendAudit(svc.store.conn, { requestId: id, action: 'reinstated', actor, data: { note: note.trim() } });
  }
  const kind = cur.scope!.kind as ScopeKind;
  const scope: MatchScope = { kind, key: cur.scope!.key ?? scopeKey(kind, cur.scope!.value) };
  const gone = await removeTombstone(svc.store, svc.redis, scope, id);
  await appendAudit(svc.store.conn, {
    requestId: id,
    action: 'tombstones.removed',
    actor,
    data: { kind, key: scope.key, tombstoneDeleted: gone },
  });
  if (kind === 'SOURCE' && cur.enforcement?.pausedSource && gone)
    await svc.store.Source.updateOne({ _id: scope.key }, { $set: { paused: false } });
  await publishTakedownUpdate(svc.redis, id, 'reinstated');
  return (await load(svc, id)) as TakedownRecord;
}

export interface CounterInput {
  name: string;
  email: string;
  statement: string;
  goodFaith?: boolean | null;
}

/**
 * A counter-notice against an enforced removal. A verified contact of a source in the scope
 * must confirm it by mail like a request (an admin files it at once); once filed, the requester
 * is told and the content is reinstated after TAKEDOWN_COUNTER_WAIT_HOURS unless an admin upholds
 * the removal (the requester's objection, e.g. a court filing).
 */
export async function fileCounterNotice(
  svc: ComplianceServices,
  id: string,
  input: CounterInput,
  actor: string,
  opts: { admin?: boolean } = {},
): Promise<TakedownRecord> {
  const email = input.email.trim().toLowerCase();
  const p: string[] = [];
  if (!input.name.trim() || input.name.length > LIMITS.name) p.push(`name: 1 to ${LIMITS.name} characters`);
  if (email.length > LIMITS.email || !EMAIL.test(email)) p.push('email: must be an email address');
  if (input.statement.trim().length < 20 || input.statement.length > LIMITS.statement)
    p.push(`statement: 20 to ${LIMITS.statement} characters`);
  if (p.length) throw badInput(p);
  const cur = await load(svc, id);
  if (cur.status !== 'enforced') throw conflict(`cannot contest a ${cur.status} request`);
  if (cur.counter?.status && cur.counter.status !== 'unconfirmed') throw conflict(`a counter-notice is already ${cur.counter.status}`);
  const kind = (cur.scope as { kind: string }).kind as ScopeKind;
  const scope: MatchScope = { kind, key: (cur.scope as { key: string }).key };
  if (!opts.admin && !(await contactsForScope(svc.store, scope)).includes(email))
    throw new GraphQLError('only a verified contact of the affected source (or an admin) may contest this removal', {
      extensions: { code: 'FORBIDDEN' },
    });
  const now = new Date();
  const base = { name: input.name.trim(), email, statement: input.statement.trim() };
  const R = takedownModel(svc.store.conn);
  if (opts.admin) {
    const r = await R.findOneAndUpdate(
      { _id: id, status: 'enforced', 'counter.status': { $in: [null, 'unconfirmed'] } },
      { $set: { counter: { ...base, status: 'filed', filedAt: now, reinstateAfter: counterDeadline(svc, now) } } },
      { new: true },
    ).lean();
    if (!r) throw conflict('the request changed meanwhile');
    return counterFiled(svc, r as TakedownRecord, actor);
  }
  if (!cur.counter?.status) await checkEmailRate(svc, email);
  const expiresAt = new Date(now.getTime() + svc.config.TAKEDOWN_CONFIRM_HOURS * 3_600_000);
  const l = signLink(svc.config.TAKEDOWN_LINK_SECRET, id, 'counter', expiresAt);
  const r = await R.findOneAndUpdate(
    { _id: id, status: 'enforced', 'counter.status': { $in: [null, 'unconfirmed'] } },
    { $set: { counter: { ...base, status: 'unconfirmed', nonceHash: l.nonceHash, expiresAt } } },
    { new: true },
  ).lean();
  if (!r) throw conflict('the request changed meanwhile');
  await appendAudit(svc.store.conn, { requestId: id, action: 'counter.submitted', actor, data: { email } });
  await svc.notify({
    requestId: id,
    kind: 'counter-confirm',
    to: email,
    subject: `Confirm your counter-notice on takedown ${id}`,
    text:
      `A counter-notice against this removal names this address as the source's contact. Nothing happens until you confirm it.\n\n` +
      `${describe(r as TakedownRecord)}\n\nConfirm (single use, until ${expiresAt.toISOString()}):\n  ${link(svc, '/takedowns/counter/confirm', l.token)}\nCode: ${l.token}`,
  });
  return r as TakedownRecord;
}

const counterDeadline = (svc: ComplianceServices, from: Date) => new Date(from.getTime() + svc.config.TAKEDOWN_COUNTER_WAIT_HOURS * 3_600_000);

export async function confirmCounterNotice(svc: ComplianceServices, token: string): Promise<TakedownRecord> {
  const p = checkLink(svc, token, 'counter');
  const now = new Date();
  const r = await takedownModel(svc.store.conn)
    .findOneAndUpdate(
      { _id: p.r, status: 'enforced', 'counter.status': 'unconfirmed', 'counter.nonceHash': hashNonce(p.n) },
      { $set: { 'counter.status': 'filed', 'counter.filedAt': now, 'counter.reinstateAfter': counterDeadline(svc, now) }, $unset: { 'counter.nonceHash': 1 } },
      { new: true },
    )
    .lean();
  if (!r) {
    const cur = await takedownModel(svc.store.conn).findById(p.r).lean();
    if (!cur?.counter?.status) throw linkError(new LinkError('TOKEN_INVALID', 'no such counter-notice'));
    if (cur.counter.status === 'unconfirmed') throw linkError(new LinkError('TOKEN_INVALID', 'link does not match this counter-notice'));
    throw linkError(new LinkError('TOKEN_USED', 'the counter-notice is already confirmed'));
  }
  return counterFiled(svc, r as TakedownRecord, 'contact:email-link');
}

async function counterFiled(svc: ComplianceServices, r: TakedownRecord, actor: string): Promise<TakedownRecord> {
  const id = String(r._id);
  const c = r.counter!;
  await appendAudit(svc.store.conn, {
    requestId: id,
    action: 'counter.filed',
    actor,
    data: { email: c.email, reinstateAfter: c.reinstateAfter!.toISOString() },
  });
  await publishTakedownUpdate(svc.redis, id, 'enforced');
  await svc.notify({
    requestId: id,
    kind: 'counter-received',
    to: (r.requester as { email: string }).email,
    subject: `Counter-notice against your takedown ${id}`,
    text:
      `The publisher contests the removal you asked for.\n\n${describe(r)}\nCounter-notice by: ${c.name} <${c.email}>\nTheir statement:\n${c.statement}\n\n` +
      `The content will be reinstated on ${c.reinstateAfter!.toISOString()} unless you object before then (reply with evidence of legal action).\n` +
      `Status: ${link(svc, '/takedowns/status', statusToken(svc, id))}`,
  });
  await svc.notify({
    requestId: id,
    kind: 'counter-filed',
    to: c.email!,
    subject: `Counter-notice on takedown ${id} filed`,
    text: `Your counter-notice is filed. Without an objection the content is reinstated on ${c.reinstateAfter!.toISOString()}.\n\n${describe(r)}`,
  });
  return r;
}

/** The requester objected in time (an admin records it): the removal stands and the waiting period ends. */
export async function upholdTakedown(svc: ComplianceServices, id: string, note: string, actor: string): Promise<TakedownRecord> {
  if (!note.trim() || note.length > LIMITS.decision) throw badInput([`note: 1 to ${LIMITS.decision} characters`]);
  const r = await takedownModel(svc.store.conn)
    .findOneAndUpdate(
      { _id: id, 'counter.status': 'filed' },
      { $set: { 'counter.status': 'upheld', 'counter.resolvedAt': new Date(), 'counter.resolvedBy': actor } },
      { new: true },
    )
    .lean();
  if (!r) throw conflict('no filed counter-notice on this request');
  await appendAudit(svc.store.conn, { requestId: id, action: 'counter.upheld', actor, data: { note: note.trim() } });
  return r as TakedownRecord;
}

/**
 * The clocks: unconfirmed requests past their link's expiry → expired; filed counter-notices past
 * their waiting period → reinstated (audited, both sides told). Bounded batches, indexed filters.
 */
export async function sweepTakedowns(svc: ComplianceServices, now = new Date()): Promise<{ expired: number; reinstated: number }> {
  const R = takedownModel(svc.store.conn);
  let expired = 0;
  for (const d of await R.find({ status: 'unconfirmed', 'proof.expiresAt': { $lte: now } }, { _id: 1 }).limit(500).lean()) {
    const u = await R.updateOne(
      { _id: d._id, status: 'unconfirmed' },
      { $set: { status: 'expired', expiredAt: now }, $unset: { 'proof.nonceHash': 1 } },
    );
    if (!u.modifiedCount) continue;
    expired++;
    await appendAudit(svc.store.conn, { requestId: String(d._id), action: 'expired', actor: 'policy:confirm-timeout', data: {} });
    await publishTakedownUpdate(svc.redis, String(d._id), 'expired');
  }
  let reinstated = 0;
  for (const d of await R.find({ 'counter.status': 'filed', 'counter.reinstateAfter': { $lte: now } }).limit(100).lean()) {
    const id = String(d._id);
    const u = await R.updateOne(
      { _id: d._id, 'counter.status': 'filed' },
      { $set: { 'counter.status': 'reinstated', 'counter.resolvedAt': now, 'counter.resolvedBy': 'policy:counter-notice' } },
    );
    if (!u.modifiedCount) continue;
    const r = await reinstateTakedown(svc, id, `counter-notice: no objection within ${svc.config.TAKEDOWN_COUNTER_WAIT_HOURS} h`, 'policy:counter-notice');
    reinstated++;
    for (const to of [(r.requester as { email: string }).email, d.counter!.email!])
      await svc.notify({
        requestId: id,
        kind: 'reinstated',
        to,
        subject: `Takedown ${id}: content reinstated`,
        text: `After a counter-notice and no objection within the waiting period, the content is reinstated.\n\n${describe(r)}`,
      });
  }
  return { expired, reinstated };
}

/** What a requester sees through the status link: the request's progress, without anyone's address. */
export async function statusByToken(svc: ComplianceServices, token: string): Promise<TakedownRecord> {
  const p = checkLink(svc, token, 'status');
  const r = await takedownModel(svc.store.conn).findById(p.r).lean();
  if (!r) throw linkError(new LinkError('TOKEN_INVALID', 'no such request'));
  return r as TakedownRecord;
}

export interface TakedownReport {
  from: Date;
  to: Date;
  total: number;
  byScope: Record<string, number>;
  byGround: Record<string, number>;
  byDecision: Record<string, number>;
  automated: number;
  manual: number;
  /** Proof (or receipt, for admin requests) → enforced, in seconds. */
  medianSecondsToAction: number | null;
  p99SecondsToAction: number | null;
  overdue: number;
  counterNotices: number;
  reinstatedAfterCounter: number;
}

const pct = (sorted: number[], q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]! : null);

/** Transparency figures for requests received in [from, to) (DSA Art. 15/24 shape). */
export async function takedownReport(svc: ComplianceServices, from: Date, to: Date, now = Date.now()): Promise<TakedownReport> {
  const docs = await takedownModel(svc.store.conn)
    .find(
      { receivedAt: { $gte: from, $lt: to } },
      { status: 1, scope: 1, reason: 1, autoApproved: 1, receivedAt: 1, proof: 1, enforcedAt: 1, deadline: 1, counter: 1, decidedAt: 1 },
    )
    .limit(200_000)
    .lean();
  const count = (k: (d: (typeof docs)[number]) => string) =>
    docs.reduce<Record<string, number>>((a, d) => ((a[k(d)] = (a[k(d)] ?? 0) + 1), a), {});
  const times = docs
    .filter((d) => d.enforcedAt)
    .map((d) => (d.enforcedAt!.getTime() - (d.proof?.confirmedAt ?? d.receivedAt).getTime()) / 1000)
    .sort((a, b) => a - b);
  const decided = docs.filter((d) => d.decidedAt);
  return {
    from,
    to,
    total: docs.length,
    byScope: count((d) => (d.scope as { kind: string }).kind),
    byGround: count((d) => d.reason),
    byDecision: count((d) => d.status),
    automated: decided.filter((d) => d.autoApproved).length,
    manual: decided.filter((d) => !d.autoApproved).length,
    medianSecondsToAction: pct(times, 0.5),
    p99SecondsToAction: pct(times, 0.99),
    overdue: docs.filter((d) => ['received', 'reviewing', 'approved'].includes(d.status) && d.deadline.getTime() < now).length,
    counterNotices: docs.filter((d) => d.counter?.status && d.counter.status !== 'unconfirmed').length,
    reinstatedAfterCounter: docs.filter((d) => d.counter?.status === 'reinstated').length,
  };
}

/** One row per figure: `metric,key,value` (CSV) or the report itself (JSON). */
export function reportExport(r: TakedownReport, format: 'CSV' | 'JSON'): string {
  if (format === 'JSON') return JSON.stringify(r);
  const rows: [string, string, string | number | null][] = [
    ['from', '', r.from.toISOString()],
    ['to', '', r.to.toISOString()],
    ['total', '', r.total],
    ...Object.entries(r.byScope).map(([k, v]) => ['scope', k, v] as [string, string, number]),
    ...Object.entries(r.byGround).map(([k, v]) => ['ground', k, v] as [string, string, number]),
    ...Object.entries(r.byDecision).map(([k, v]) => ['decision', k, v] as [string, string, number]),
    ['automated', '', r.automated],
    ['manual', '', r.manual],
    ['median_seconds_to_action', '', r.medianSecondsToAction],
    ['p99_seconds_to_action', '', r.p99SecondsToAction],
    ['overdue', '', r.overdue],
    ['counter_notices', '', r.counterNotices],
    ['reinstated_after_counter', '', r.reinstatedAfterCounter],
  ];
  return ['metric,key,value', ...rows.map((x) => x.map((c) => (c === null ? '' : String(c))).join(','))].join('\n') + '\n';
}
