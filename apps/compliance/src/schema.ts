import 'reflect-metadata';
import { buildFederatedSchema, type BaseContext } from '@newsline/subgraph';
import {
  takedownModel,
  TAKEDOWN_REASON,
  TAKEDOWN_RELATION,
  TAKEDOWN_SCOPE,
  TAKEDOWN_STATUS,
  type Store,
  type TakedownDoc,
} from '@newsline/store';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import type { Types } from 'mongoose';
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
} from 'type-graphql';

export interface ComplianceContext extends BaseContext {
  store: Store;
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

/** Days a received request may wait for a decision. */
export const DECISION_DAYS = 7;

@ObjectType()
class Scope {
  @Field(() => ScopeKind)
  kind!: string;
  @Field(() => String)
  value!: string;
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
  @Field(() => GraphQLISODateTime)
  receivedAt!: Date;
  @Field(() => GraphQLISODateTime)
  deadline!: Date;
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
  @Field(() => String, { description: 'Why the content must go; at least 20 characters.' })
  statement!: string;
}

@ObjectType()
class SubmitResult {
  @Field(() => TakedownRequest)
  request!: TakedownRequest;
}

type TakedownRecord = TakedownDoc & { _id: Types.ObjectId };

function toRequest(d: TakedownRecord): TakedownRequest {
  // Both sub-documents are required by the schema; mongoose's inferred type still marks them optional.
  const scope = d.scope as { kind: string; value: string };
  const requester = d.requester as { name: string; email: string; organisation?: string | null };
  return {
    id: String(d._id),
    status: d.status,
    scope: { kind: scope.kind, value: scope.value },
    reason: d.reason,
    requester: { name: requester.name, email: requester.email, organisation: requester.organisation ?? undefined },
    relation: d.relation,
    statement: d.statement,
    receivedAt: d.receivedAt,
    deadline: d.deadline,
  };
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Every problem at once, as `field: message`, so a form can show them all. */
export function validateTakedown(i: TakedownInput): string[] {
  const p: string[] = [];
  const v = i.scope.value.trim();
  if (!v) p.push('scope.value: required');
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
  if (!EMAIL.test(i.requester.email)) p.push('requester.email: must be an email address');
  if (i.statement.trim().length < 20) p.push('statement: at least 20 characters');
  if (i.statement.length > 10_000) p.push('statement: at most 10000 characters');
  return p;
}

@Resolver(() => TakedownRequest)
export class TakedownResolver {
  @Mutation(() => SubmitResult, { description: 'Public: anyone may ask for removal; the request is stored as received.' })
  async submitTakedown(@Arg('input', () => TakedownInput) input: TakedownInput, @Ctx() ctx: ComplianceContext): Promise<SubmitResult> {
    const problems = validateTakedown(input);
    if (problems.length)
      throw new GraphQLError(`invalid takedown request: ${problems.join('; ')}`, { extensions: { code: 'BAD_USER_INPUT', problems } });
    const now = new Date();
    const d = await takedownModel(ctx.store.conn).create({
      status: 'received',
      scope: { kind: input.scope.kind, value: input.scope.value.trim() },
      reason: input.reason,
      requester: {
        name: input.requester.name.trim(),
        email: input.requester.email.trim().toLowerCase(),
        organisation: input.requester.organisation,
      },
      relation: input.relation,
      statement: input.statement.trim(),
      receivedAt: now,
      deadline: new Date(now.getTime() + DECISION_DAYS * 86_400_000),
    });
    return { request: toRequest(d.toObject() as TakedownRecord) };
  }

  @Authorized('admin')
  @Query(() => [TakedownRequest])
  async takedownRequests(
    @Arg('status', () => TakedownStatus, { nullable: true }) status: string | undefined,
    @Arg('first', () => Int, { defaultValue: 100 }) first: number,
    @Ctx() ctx: ComplianceContext,
  ): Promise<TakedownRequest[]> {
    const docs = await takedownModel(ctx.store.conn)
      .find(status ? { status } : {})
      .sort({ receivedAt: -1 })
      .limit(Math.min(Math.max(first, 0), 500))
      .lean();
    return docs.map((d) => toRequest(d as TakedownRecord));
  }
}

export function buildComplianceSchema(): Promise<GraphQLSchema> {
  return buildFederatedSchema({ resolvers: [TakedownResolver] });
}
