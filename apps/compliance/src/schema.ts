import 'reflect-metadata';
import { buildFederatedSchema, hasRole, type BaseContext } from '@newsline/subgraph';
import { auditModels, takedownModel, takedownNoticeModel, TAKEDOWN_REASON, TAKEDOWN_RELATION, TAKEDOWN_SCOPE, TAKEDOWN_STATUS } from '@newsline/store';
import { canonicalJson, verifyAuditChain, type TakedownUpdate } from '@newsline/takedowns';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import { isValidObjectId } from 'mongoose';
import {
  Arg,
  Authorized,
  Ctx,
  Field,
  GraphQLISODateTime,
  ID,
  InputType,
  Int,
  Mutation,
  ObjectType,
  Query,
  registerEnumType,
  Resolver,
  Root,
  Subscription,
} from 'type-graphql';
import type { TakedownHub } from './live';
import {
  approveTakedown,
  checkSubmitRate,
  confirmCounterNotice,
  confirmTakedown,
  fileCounterNotice,
  reinstateTakedown,
  rejectTakedown,
  reportExport,
  statusByToken,
  submitTakedown,
  takedownReport,
  upholdTakedown,
  verifyTakedownDomain,
  type ComplianceServices,
  type TakedownRecord,
} from './service';

export { validateTakedown } from './service';

export interface ComplianceContext extends BaseContext {
  svc: ComplianceServices;
  /** Rate-limit identity: the caller's identity sub, or its address when anonymous. */
  client: string;
  live?: TakedownHub;
}

const asEnum = <T extends readonly string[]>(values: T) =>
  Object.fromEntries(values.map((v) => [v.toUpperCase(), v])) as { [K in T[number] as Uppercase<K>]: K };
export const TakedownStatus = asEnum(TAKEDOWN_STATUS);
export const ScopeKind = asEnum(TAKEDOWN_SCOPE);
export const TakedownReason = asEnum(TAKEDOWN_REASON);
export const RequesterRelation = asEnum(TAKEDOWN_RELATION);
registerEnumType(TakedownStatus, { name: 'TakedownStatus' });
registerEnumType(ScopeKind, { name: 'ScopeKind' });
registerEnumType(TakedownReason, { name: 'TakedownReason' });
registerEnumType(RequesterRelation, { name: 'RequesterRelation' });
export const ReportFormat = { CSV: 'CSV', JSON: 'JSON' } as const;
registerEnumType(ReportFormat, { name: 'ReportFormat' });

@ObjectType()
class CounterNotice {
  @Field(() => String, { description: 'unconfirmed, filed, upheld or reinstated.' })
  status!: string;
  @Field(() => String, { nullable: true })
  name?: string;
  @Field(() => String, { nullable: true })
  email?: string;
  @Field(() => String, { nullable: true })
  statement?: string;
  @Field(() => GraphQLISODateTime, { nullable: true })
  filedAt?: Date;
  @Field(() => GraphQLISODateTime, { nullable: true, description: 'Reinstated then unless an admin upholds the removal.' })
  reinstateAfter?: Date;
}

@ObjectType()
class Scope {
  @Field(() => ScopeKind)
  kind!: string;
  @Field(() => String)
  value!: string;
  @Field(() => String, { description: 'Normalized match key (urlKey form, bare host or source id).', nullable: true })
  key?: string;
}

@ObjectType()
class Requester {
  @Field(() => String)
  name!: string;
  @Field(() => String)
  email!: string;
  @Field(() => String, { nullable: true })
  organisation?: string;
}

@ObjectType()
export class TakedownRequest {
  @Field(() => ID)
  id!: string;
  @Field(() => TakedownStatus)
  status!: string;
  @Field(() => Scope)
  scope!: Scope;
  @Field(() => TakedownReason)
  reason!: string;
  @Field(() => Requester)
  requester!: Requester;
  @Field(() => RequesterRelation)
  relation!: string;
  @Field(() => String)
  statement!: string;
  @Field(() => String, { nullable: true })
  notes?: string;
  @Field(() => GraphQLISODateTime)
  receivedAt!: Date;
  @Field(() => GraphQLISODateTime, { description: 'Enforce by: receipt + TAKEDOWN_DEADLINE_HOURS.' })
  deadline!: Date;
  @Field(() => Boolean, { description: 'Still open and past its deadline.' })
  overdue!: boolean;
  @Field(() => String, { nullable: true })
  decidedBy?: string;
  @Field(() => Boolean)
  autoApproved!: boolean;
  @Field(() => GraphQLISODateTime, { nullable: true })
  approvedAt?: Date;
  @Field(() => GraphQLISODateTime, { nullable: true })
  rejectedAt?: Date;
  @Field(() => String, { nullable: true })
  rejectReason?: string;
  @Field(() => GraphQLISODateTime, { nullable: true })
  enforcedAt?: Date;
  @Field(() => Int, { description: 'Articles removed by the enforcement so far.' })
  removedCount!: number;
  @Field(() => GraphQLISODateTime, { nullable: true })
  reinstatedAt?: Date;
  @Field(() => String, { nullable: true })
  reinstatedBy?: string;
  @Field(() => String, { nullable: true })
  reinstateNote?: string;
  @Field(() => Boolean, { description: 'The requester affirmed accuracy and good faith.' })
  goodFaith!: boolean;
  @Field(() => String, { nullable: true, description: 'How the sender was proven: email-link, well-known or admin (null: not yet).' })
  proofMethod?: string;
  @Field(() => GraphQLISODateTime, { nullable: true })
  confirmedAt?: Date;
  @Field(() => GraphQLISODateTime, { nullable: true, description: 'An unconfirmed request expires then.' })
  confirmBy?: Date;
  @Field(() => GraphQLISODateTime, { nullable: true })
  decidedAt?: Date;
  @Field(() => CounterNotice, { nullable: true })
  counterNotice?: CounterNotice;
}

@InputType()
class ScopeInput {
  @Field(() => ScopeKind)
  kind!: string;
  @Field(() => String)
  value!: string;
}

@InputType()
class RequesterInput {
  @Field(() => String)
  name!: string;
  @Field(() => String)
  email!: string;
  @Field(() => String, { nullable: true })
  organisation?: string;
}

@InputType()
class TakedownInput {
  @Field(() => ScopeInput)
  scope!: ScopeInput;
  @Field(() => TakedownReason)
  reason!: string;
  @Field(() => RequesterInput)
  requester!: RequesterInput;
  @Field(() => RequesterRelation)
  relation!: string;
  @Field(() => String, { description: 'Why the content must go; 20 to 10000 characters.' })
  statement!: string;
  @Field(() => String, { nullable: true, description: 'Anything else for the reviewer; at most 5000 characters.' })
  notes?: string;
  @Field(() => Boolean, { nullable: true, description: 'I state in good faith that this notice is accurate and that I am entitled to make it.' })
  goodFaith?: boolean;
}

@InputType()
class CounterNoticeInput {
  @Field(() => String)
  name!: string;
  @Field(() => String, { description: "A verified contact of the affected source (an admin may file for any)." })
  email!: string;
  @Field(() => String, { description: 'Why the removal is a mistake; 20 to 10000 characters.' })
  statement!: string;
}

@ObjectType()
class DomainProof {
  @Field(() => String, { description: 'Publish the token at this URL, then call verifyTakedownDomain.' })
  url!: string;
  @Field(() => String)
  token!: string;
}

@ObjectType()
class TakedownPublicStatus {
  @Field(() => ID)
  id!: string;
  @Field(() => TakedownStatus)
  status!: string;
  @Field(() => Scope)
  scope!: Scope;
  @Field(() => TakedownReason)
  reason!: string;
  @Field(() => GraphQLISODateTime)
  receivedAt!: Date;
  @Field(() => GraphQLISODateTime, { nullable: true })
  confirmedAt?: Date;
  @Field(() => GraphQLISODateTime, { nullable: true })
  decidedAt?: Date;
  @Field(() => Boolean)
  autoApproved!: boolean;
  @Field(() => String, { nullable: true })
  rejectReason?: string;
  @Field(() => Int)
  removedCount!: number;
  @Field(() => String, { nullable: true })
  counterNoticeStatus?: string;
}

@ObjectType()
class TakedownNotice {
  @Field(() => ID)
  id!: string;
  @Field(() => ID)
  requestId!: string;
  @Field(() => String)
  kind!: string;
  @Field(() => String)
  to!: string;
  @Field(() => String)
  subject!: string;
  @Field(() => GraphQLISODateTime)
  queuedAt!: Date;
  @Field(() => GraphQLISODateTime, { nullable: true })
  sentAt?: Date;
  @Field(() => Int)
  attempts!: number;
  @Field(() => String, { nullable: true })
  lastError?: string;
}

@ObjectType()
class Count {
  @Field(() => String)
  key!: string;
  @Field(() => Int)
  count!: number;
}

@ObjectType()
class TakedownReportType {
  @Field(() => GraphQLISODateTime)
  from!: Date;
  @Field(() => GraphQLISODateTime)
  to!: Date;
  @Field(() => Int)
  total!: number;
  @Field(() => [Count])
  byScope!: Count[];
  @Field(() => [Count])
  byGround!: Count[];
  @Field(() => [Count], { description: 'By current status: approved, enforced, rejected, expired, ...' })
  byDecision!: Count[];
  @Field(() => Int)
  automated!: number;
  @Field(() => Int)
  manual!: number;
  @Field(() => Number, { nullable: true, description: 'Proof → enforced.' })
  medianSecondsToAction?: number | null;
  @Field(() => Number, { nullable: true })
  p99SecondsToAction?: number | null;
  @Field(() => Int)
  overdue!: number;
  @Field(() => Int)
  counterNotices!: number;
  @Field(() => Int)
  reinstatedAfterCounter!: number;
}

@ObjectType()
class SubmitResult {
  @Field(() => TakedownRequest)
  request!: TakedownRequest;
  @Field(() => Boolean, { description: 'True when this requester already had an open request for the same scope (returned instead).' })
  duplicate!: boolean;
  @Field(() => DomainProof, { nullable: true, description: 'DOMAIN/PREFIX/URL scopes: the .well-known alternative to the mailed link.' })
  domainProof?: DomainProof;
}

@ObjectType()
class AuditEntry {
  @Field(() => Int)
  seq!: number;
  @Field(() => GraphQLISODateTime)
  at!: Date;
  @Field(() => ID)
  requestId!: string;
  @Field(() => String)
  action!: string;
  @Field(() => String)
  actor!: string;
  @Field(() => String, { description: 'Canonical JSON of the entry data (e.g. removed article ids).' })
  data!: string;
  @Field(() => String)
  prevHash!: string;
  @Field(() => String)
  hash!: string;
}

@ObjectType()
class AuditChainReport {
  @Field(() => Boolean)
  ok!: boolean;
  @Field(() => Int)
  entries!: number;
  @Field(() => [String])
  breaks!: string[];
}

export function toRequest(d: TakedownRecord, now = Date.now()): TakedownRequest {
  // Both sub-documents are required by the schema; mongoose's inferred type still marks them optional.
  const scope = d.scope as { kind: string; value: string; key?: string | null };
  const requester = d.requester as { name: string; email: string; organisation?: string | null };
  const open = d.status === 'received' || d.status === 'reviewing' || d.status === 'approved';
  return {
    id: String(d._id),
    status: d.status,
    scope: { kind: scope.kind, value: scope.value, key: scope.key ?? undefined },
    reason: d.reason,
    requester: { name: requester.name, email: requester.email, organisation: requester.organisation ?? undefined },
    relation: d.relation,
    statement: d.statement,
    notes: d.notes ?? undefined,
    receivedAt: d.receivedAt,
    deadline: d.deadline,
    overdue: open && d.deadline.getTime() < now,
    decidedBy: d.decidedBy ?? undefined,
    autoApproved: d.autoApproved ?? false,
    approvedAt: d.approvedAt ?? undefined,
    rejectedAt: d.rejectedAt ?? undefined,
    rejectReason: d.rejectReason ?? undefined,
    enforcedAt: d.enforcedAt ?? undefined,
    removedCount: d.enforcement?.removed ?? 0,
    reinstatedAt: d.reinstatedAt ?? undefined,
    reinstatedBy: d.reinstatedBy ?? undefined,
    reinstateNote: d.reinstateNote ?? undefined,
    goodFaith: d.goodFaith ?? false,
    proofMethod: d.proof?.method ?? undefined,
    confirmedAt: d.proof?.confirmedAt ?? undefined,
    confirmBy: d.status === 'unconfirmed' ? (d.proof?.expiresAt ?? undefined) : undefined,
    decidedAt: d.decidedAt ?? undefined,
    counterNotice: d.counter?.status
      ? {
          status: d.counter.status,
          name: d.counter.name ?? undefined,
          email: d.counter.email ?? undefined,
          statement: d.counter.statement ?? undefined,
          filedAt: d.counter.filedAt ?? undefined,
          reinstateAfter: d.counter.reinstateAfter ?? undefined,
        }
      : undefined,
  };
}

const counts = (o: Record<string, number>) => Object.entries(o).map(([key, count]) => ({ key, count }));
const isAdmin = (ctx: ComplianceContext) => hasRole(ctx.identity?.role, ['admin']);

const actor = (ctx: ComplianceContext) => `admin:${ctx.identity?.sub ?? 'unknown'}`;

@Resolver(() => TakedownRequest)
export class TakedownResolver {
  @Mutation(() => SubmitResult, {
    description:
      'Public: anyone may ask for removal. Validated (every problem listed), rate-limited per client and per address. ' +
      'It stays UNCONFIRMED (no effect) until the sender follows the link mailed to the address, or proves the site by .well-known; ' +
      'an admin (API key) submits RECEIVED at once. A repeat of an open request returns it.',
  })
  async submitTakedown(@Arg('input', () => TakedownInput) input: TakedownInput, @Ctx() ctx: ComplianceContext): Promise<SubmitResult> {
    await checkSubmitRate(ctx.svc, ctx.client);
    const r = await submitTakedown(ctx.svc, input, ctx.client, { admin: isAdmin(ctx) });
    return { request: toRequest(r.request), duplicate: r.duplicate, domainProof: r.domainProof };
  }

  @Mutation(() => TakedownRequest, {
    description: 'Public: the mailed confirmation code. Single use; TOKEN_INVALID, TOKEN_EXPIRED or TOKEN_USED otherwise.',
  })
  async confirmTakedown(@Arg('token', () => String) token: string, @Ctx() ctx: ComplianceContext): Promise<TakedownRequest> {
    await checkSubmitRate(ctx.svc, ctx.client);
    return toRequest(await confirmTakedown(ctx.svc, token));
  }

  @Mutation(() => TakedownRequest, { description: "Public: proves an UNCONFIRMED request by the token served at the site's /.well-known/newsline-takedown.txt." })
  async verifyTakedownDomain(@Arg('id', () => ID) id: string, @Ctx() ctx: ComplianceContext): Promise<TakedownRequest> {
    await checkSubmitRate(ctx.svc, ctx.client);
    return toRequest(await verifyTakedownDomain(ctx.svc, id));
  }

  @Query(() => TakedownPublicStatus, { description: 'Public: a request by the status link mailed with its receipt.' })
  async takedownStatus(@Arg('token', () => String) token: string, @Ctx() ctx: ComplianceContext): Promise<TakedownPublicStatus> {
    const d = toRequest(await statusByToken(ctx.svc, token));
    return { ...d, counterNoticeStatus: d.counterNotice?.status };
  }

  @Mutation(() => TakedownRequest, {
    description:
      "Contest an ENFORCED removal: a verified contact of the affected source confirms by mail (FORBIDDEN for others); an admin files it at once.",
  })
  async fileCounterNotice(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => CounterNoticeInput) input: CounterNoticeInput,
    @Ctx() ctx: ComplianceContext,
  ): Promise<TakedownRequest> {
    await checkSubmitRate(ctx.svc, ctx.client);
    const admin = isAdmin(ctx);
    return toRequest(await fileCounterNotice(ctx.svc, id, input, admin ? actor(ctx) : `contact:${ctx.client}`, { admin }));
  }

  @Mutation(() => TakedownRequest, { description: 'Public: the mailed counter-notice confirmation code (single use).' })
  async confirmCounterNotice(@Arg('token', () => String) token: string, @Ctx() ctx: ComplianceContext): Promise<TakedownRequest> {
    await checkSubmitRate(ctx.svc, ctx.client);
    return toRequest(await confirmCounterNotice(ctx.svc, token));
  }

  @Authorized('admin')
  @Mutation(() => TakedownRequest, { description: 'The requester objected to a filed counter-notice in time: the removal stands.' })
  async upholdTakedown(
    @Arg('id', () => ID) id: string,
    @Arg('note', () => String) note: string,
    @Ctx() ctx: ComplianceContext,
  ): Promise<TakedownRequest> {
    return toRequest(await upholdTakedown(ctx.svc, id, note, actor(ctx)));
  }

  @Authorized('admin')
  @Query(() => TakedownReportType, { description: 'Transparency figures for requests received in [from, to).' })
  async takedownReport(
    @Arg('from', () => GraphQLISODateTime) from: Date,
    @Arg('to', () => GraphQLISODateTime) to: Date,
    @Ctx() ctx: ComplianceContext,
  ): Promise<TakedownReportType> {
    const r = await takedownReport(ctx.svc, from, to);
    return { ...r, byScope: counts(r.byScope), byGround: counts(r.byGround), byDecision: counts(r.byDecision) };
  }

  @Authorized('admin')
  @Query(() => String, { description: 'takedownReport as CSV (metric,key,value) or JSON text, for publication.' })
  async takedownReportExport(
    @Arg('from', () => GraphQLISODateTime) from: Date,
    @Arg('to', () => GraphQLISODateTime) to: Date,
    @Arg('format', () => ReportFormat, { defaultValue: 'CSV' }) format: 'CSV' | 'JSON',
    @Ctx() ctx: ComplianceContext,
  ): Promise<string> {
    return reportExport(await takedownReport(ctx.svc, from, to), format);
  }

  @Authorized('admin')
  @Query(() => [TakedownNotice], { description: 'Notices mailed (or queued), newest first, optionally of one request.' })
  async takedownNotices(
    @Arg('requestId', () => ID, { nullable: true }) requestId: string | undefined,
    @Arg('first', () => Int, { defaultValue: 100 }) first: number,
    @Ctx() ctx: ComplianceContext,
  ): Promise<TakedownNotice[]> {
    const docs = await takedownNoticeModel(ctx.svc.store.conn)
      .find(requestId ? { requestId } : {})
      .sort({ queuedAt: -1 })
      .limit(Math.min(Math.max(first, 0), 500))
      .lean();
    return docs.map((n) => ({
      id: String(n._id),
      requestId: n.requestId,
      kind: n.kind,
      to: n.to,
      subject: n.subject,
      queuedAt: n.queuedAt,
      sentAt: n.sentAt ?? undefined,
      attempts: n.attempts ?? 0,
      lastError: n.lastError ?? undefined,
    }));
  }

  @Authorized('admin')
  @Mutation(() => TakedownRequest, { description: 'received → approved; enforcement starts at once.' })
  async approveTakedown(@Arg('id', () => ID) id: string, @Ctx() ctx: ComplianceContext): Promise<TakedownRequest> {
    return toRequest(await approveTakedown(ctx.svc, id, actor(ctx)));
  }

  @Authorized('admin')
  @Mutation(() => TakedownRequest, { description: 'received → rejected.' })
  async rejectTakedown(
    @Arg('id', () => ID) id: string,
    @Arg('reason', () => String) reason: string,
    @Ctx() ctx: ComplianceContext,
  ): Promise<TakedownRequest> {
    return toRequest(await rejectTakedown(ctx.svc, id, reason, actor(ctx)));
  }

  @Authorized('admin')
  @Mutation(() => TakedownRequest, { description: 'enforced → reinstated: tombstones removed, ingestion resumes for the scope.' })
  async reinstate(
    @Arg('id', () => ID) id: string,
    @Arg('note', () => String) note: string,
    @Ctx() ctx: ComplianceContext,
  ): Promise<TakedownRequest> {
    return toRequest(await reinstateTakedown(ctx.svc, id, note, actor(ctx)));
  }

  @Authorized('admin')
  @Query(() => [TakedownRequest])
  async takedownRequests(
    @Arg('status', () => TakedownStatus, { nullable: true }) status: string | undefined,
    @Arg('first', () => Int, { defaultValue: 100 }) first: number,
    @Ctx() ctx: ComplianceContext,
  ): Promise<TakedownRequest[]> {
    const docs = await takedownModel(ctx.svc.store.conn)
      .find(status ? { status } : {})
      .sort({ receivedAt: -1 })
      .limit(Math.min(Math.max(first, 0), 500))
      .lean();
    return docs.map((d) => toRequest(d as TakedownRecord));
  }

  @Authorized('admin')
  @Query(() => TakedownRequest, { nullable: true })
  async takedownRequest(@Arg('id', () => ID) id: string, @Ctx() ctx: ComplianceContext): Promise<TakedownRequest | null> {
    if (!isValidObjectId(id)) return null;
    const d = await takedownModel(ctx.svc.store.conn).findById(id).lean();
    return d ? toRequest(d as TakedownRecord) : null;
  }

  @Authorized('admin')
  @Query(() => [TakedownRequest], { description: 'Open requests past their deadline, oldest deadline first.' })
  async overdueTakedowns(
    @Arg('first', () => Int, { defaultValue: 100 }) first: number,
    @Ctx() ctx: ComplianceContext,
  ): Promise<TakedownRequest[]> {
    const docs = await takedownModel(ctx.svc.store.conn)
      .find({ status: { $in: ['received', 'reviewing', 'approved'] }, deadline: { $lt: new Date() } })
      .sort({ deadline: 1 })
      .limit(Math.min(Math.max(first, 0), 500))
      .lean();
    return docs.map((d) => toRequest(d as TakedownRecord));
  }

  @Authorized('admin')
  @Query(() => [AuditEntry], { description: 'The audit log in sequence order, optionally of one request.' })
  async takedownAudit(
    @Arg('requestId', () => ID, { nullable: true }) requestId: string | undefined,
    @Arg('afterSeq', () => Int, { defaultValue: 0 }) afterSeq: number,
    @Arg('first', () => Int, { defaultValue: 100 }) first: number,
    @Ctx() ctx: ComplianceContext,
  ): Promise<AuditEntry[]> {
    const { Entry } = auditModels(ctx.svc.store.conn);
    const docs = await Entry.find({ _id: { $gt: afterSeq }, ...(requestId ? { requestId } : {}) })
      .sort({ _id: 1 })
      .limit(Math.min(Math.max(first, 0), 1000))
      .lean();
    return docs.map((e) => ({
      seq: e._id,
      at: e.at,
      requestId: e.requestId,
      action: e.action,
      actor: e.actor,
      data: canonicalJson(e.data ?? {}),
      prevHash: e.prevHash,
      hash: e.hash,
    }));
  }

  @Authorized('admin')
  @Query(() => AuditChainReport, { description: 'Recomputes the whole hash chain: any altered, removed or reordered entry is reported.' })
  async takedownAuditVerify(@Ctx() ctx: ComplianceContext): Promise<AuditChainReport> {
    return verifyAuditChain(ctx.svc.store.conn);
  }

  @Authorized('admin')
  @Subscription(() => TakedownRequest, {
    description: 'Status changes of takedown requests (any instance, any worker), for the admin console.',
    subscribe: ({ args, context }) => {
      const live = (context as ComplianceContext).live;
      if (!live) throw new GraphQLError('subscriptions are served over graphql-ws only', { extensions: { code: 'BAD_REQUEST' } });
      return live.subscribe((args as { id?: string }).id);
    },
  })
  async takedownUpdated(
    @Root() u: TakedownUpdate,
    @Ctx() ctx: ComplianceContext,
    @Arg('id', () => ID, { nullable: true }) _id?: string,
  ): Promise<TakedownRequest> {
    const d = await takedownModel(ctx.svc.store.conn).findById(u.requestId).lean();
    if (!d) throw new GraphQLError(`takedown ${u.requestId} vanished`, { extensions: { code: 'NOT_FOUND' } });
    // The status this event announces, even if the request has moved on since.
    return { ...toRequest(d as TakedownRecord), status: u.status };
  }
}

export function buildComplianceSchema(): Promise<GraphQLSchema> {
  return buildFederatedSchema({ resolvers: [TakedownResolver] });
}
