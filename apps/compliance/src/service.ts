import { createHash } from 'node:crypto';
import type { Config } from '@newsline/config';
import { hostOf } from '@newsline/domain';
import { takedownModel, takedownOpenModel, TAKEDOWN_OPEN_STATUS, type Store, type TakedownDoc } from '@newsline/store';
import { appendAudit, publishTakedownUpdate, removeTombstone, scopeKey, type MatchScope, type ScopeKind } from '@newsline/takedowns';
import { GraphQLError } from 'graphql';
import type Redis from 'ioredis';
import { isValidObjectId, type Types } from 'mongoose';

export type TakedownRecord = TakedownDoc & { _id: Types.ObjectId };

/** What the resolvers need besides the request: shared by the subgraph and the tests. */
export interface ComplianceServices {
  store: Store;
  redis: Redis;
  config: Pick<Config, 'TAKEDOWN_DEADLINE_HOURS' | 'TAKEDOWN_AUTO_APPROVE' | 'TAKEDOWN_SUBMIT_RATE_PER_HOUR'>;
  /** Enqueues enforcement (BullMQ `takedown` queue, idempotent job id). */
  enqueue(requestId: string): Promise<void>;
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
}

export const LIMITS = { scope: 2000, name: 200, email: 320, organisation: 200, statement: 10_000, notes: 5000, decision: 2000 } as const;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

const badInput = (problems: string[]) =>
  new GraphQLError(`invalid takedown request: ${problems.join('; ')}`, { extensions: { code: 'BAD_USER_INPUT', problems } });
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
): Promise<{ request: TakedownRecord; duplicate: boolean }> {
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
  try {
    const m = await Open.findById(marker).lean();
    if (m) {
      const existing = await R.findById(m.requestId).lean();
      if (existing && (TAKEDOWN_OPEN_STATUS as readonly string[]).includes(existing.status))
        return { request: existing as TakedownRecord, duplicate: true };
    }
    const now = new Date();
    const doc = await R.create({
      status: 'received',
      scope: { kind, value, key: scope.key },
      reason: input.reason,
      requester: { name: input.requester.name.trim(), email, organisation: input.requester.organisation?.trim() || undefined },
      relation: input.relation,
      statement: input.statement.trim(),
      notes: input.notes?.trim() || undefined,
      submittedBy: client,
      receivedAt: now,
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
    action: 'received',
    actor: `requester:${client}`,
    data: { kind, key: scope.key, email },
  });
  await publishTakedownUpdate(svc.redis, id, 'received');
  if (svc.config.TAKEDOWN_AUTO_APPROVE === 'verified-contacts' && (await fromVerifiedContact(svc.store, email, scope))) {
    return { request: await approveTakedown(svc, id, 'policy:auto-approve'), duplicate: false };
  }
  return { request: created, duplicate: false };
}

/** Whether `email` is a verified contact of a source the scope belongs to (by id or by homepage host). */
async function fromVerifiedContact(store: Store, email: string, s: MatchScope): Promise<boolean> {
  const sources = await store.Source.find({ verifiedContacts: email }, { _id: 1, homepage: 1 }).lean();
  const host = s.kind === 'SOURCE' ? undefined : s.kind === 'DOMAIN' ? s.key : s.key.split('/')[0]!.split(':')[0]!;
  return sources.some((src) => {
    if (s.kind === 'SOURCE') return String(src._id) === s.key;
    let home: string;
    try {
      home = hostOf(src.homepage).replace(/^(amp|m)\./, '');
    } catch {
      return false;
    }
    return host === home || host!.endsWith(`.${home}`);
  });
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
      { _id: id, status: { $in: ['received', 'reviewing'] } },
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
      { _id: id, status: { $in: ['received', 'reviewing'] } },
      { $set: { status: 'rejected', rejectedAt: now, decidedAt: now, decidedBy: actor, rejectReason: reason.trim() } },
      { new: true },
    )
    .lean();
  if (!r) throw conflict(`cannot reject a ${(await load(svc, id)).status} request`);
  await appendAudit(svc.store.conn, { requestId: id, action: 'rejected', actor, data: { reason: reason.trim() } });
  await publishTakedownUpdate(svc.redis, id, 'rejected');
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
