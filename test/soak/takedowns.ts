import type { FarmEntry } from '@newsline/publisher-sim';
import { matchesScope, scopeKey, type MatchScope } from '@newsline/takedowns';
import { sleep } from './procs';

export type SoakScopeKind = 'URL' | 'PREFIX' | 'SOURCE';

export interface SoakTakedown {
  kind: SoakScopeKind;
  value: string;
  /** The farm host whose content it covers (SOURCE: all of it). */
  hostIndex: number;
  id?: string;
  status?: string;
  /** Articles the enforcement removed (the compliance API's count). */
  removedCount?: number;
  submittedAt?: number;
  approvedAt?: number;
  /** Stored articles matching the scope after the run: must be 0. */
  resurrected?: number;
  error?: string;
}

export class GatewayCallError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GatewayCallError';
  }
}

/**
 * One GraphQL call through the gateway, retried (the gateway or a subgraph may be restarting)
 * until it answers with data or the deadline passes. Only for idempotent operations: a repeated
 * submitTakedown returns the open request, a repeated approveTakedown the approved one.
 */
export async function callGateway<T>(
  url: string,
  query: string,
  variables: Record<string, unknown>,
  headers: Record<string, string>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(15_000),
      });
      const body = (await res.json()) as { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
      if (body.data && !body.errors?.length) return body.data;
      last = `HTTP ${res.status}: ${JSON.stringify(body.errors ?? body).slice(0, 300)}`;
      // Input and permission errors will not heal by retrying.
      const code = body.errors?.[0]?.extensions?.code;
      if (code === 'BAD_USER_INPUT' || code === 'FORBIDDEN' || code === 'UNAUTHENTICATED') break;
    } catch (e) {
      last = (e as Error).message;
    }
    await sleep(1_000);
  }
  throw new GatewayCallError(`gateway call failed: ${last}`);
}

const SUBMIT = `mutation($input: TakedownInput!) { submitTakedown(input: $input) { duplicate request { id status } } }`;
const APPROVE = `mutation($id: ID!) { approveTakedown(id: $id) { id status } }`;
const LIST = `{ takedownRequests(first: 100) { id status removedCount } }`;

/** Submits a takedown as a rights holder would (anonymous), then approves it as an admin. */
export async function submitAndApprove(gatewayUrl: string, adminKey: string, t: SoakTakedown, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  t.submittedAt = Date.now();
  const sub = await callGateway<{ submitTakedown: { request: { id: string; status: string } } }>(
    gatewayUrl,
    SUBMIT,
    {
      input: {
        scope: { kind: t.kind, value: t.value },
        reason: 'COPYRIGHT',
        relation: 'PUBLISHER',
        requester: { name: 'Soak Rights Desk', email: `rights-${t.kind.toLowerCase()}@soak.example`, organisation: 'Soak Ltd' },
        statement: 'We own this content and did not license it (soak harness).',
      },
    },
    {},
    Math.max(1_000, deadline - Date.now()),
  );
  t.id = sub.submitTakedown.request.id;
  const ap = await callGateway<{ approveTakedown: { status: string } }>(
    gatewayUrl,
    APPROVE,
    { id: t.id },
    { 'x-api-key': adminKey },
    Math.max(1_000, deadline - Date.now()),
  );
  t.status = ap.approveTakedown.status;
  t.approvedAt = Date.now();
}

/** Current status of every soak takedown, read through the gateway as an admin. */
export async function refreshStatuses(gatewayUrl: string, adminKey: string, list: SoakTakedown[]): Promise<void> {
  const r = await callGateway<{ takedownRequests: { id: string; status: string; removedCount: number }[] }>(
    gatewayUrl,
    LIST,
    {},
    { 'x-api-key': adminKey },
    10_000,
  );
  for (const t of list) {
    const x = r.takedownRequests.find((q) => q.id === t.id);
    if (x) Object.assign(t, { status: x.status, removedCount: x.removedCount });
  }
}

/** The scope in match form plus, for SOURCE, the source id of its farm host. */
export function matcher(t: SoakTakedown, sourceIdOfHost: (i: number) => string | undefined) {
  const scope: MatchScope = { kind: t.kind, key: scopeKey(t.kind, t.value) };
  return {
    /** A published entry this takedown keeps out of the store (so not expected there). */
    coversEntry: (e: FarmEntry) => matchesScope(scope, { url: e.url, sourceId: sourceIdOfHost(e.hostIndex) }),
    /** A stored article under the scope. */
    coversArticle: (a: { url: string; urlKey: string; sourceId: unknown }) =>
      matchesScope(scope, { url: a.url, urlKey: a.urlKey, sourceId: String(a.sourceId) }),
  };
}
