import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level and no whitespace: one byte string per value. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v ?? null);
  if (v instanceof Date) return JSON.stringify(v.toISOString());
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
    .join(',')}}`;
}

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditFields {
  seq: number;
  at: Date;
  requestId: string;
  action: string;
  actor: string;
  data: Record<string, unknown>;
}

/** hash = sha256(prevHash + canonical JSON of the entry's fields). */
export function auditHash(prevHash: string, e: AuditFields): string {
  const body = canonicalJson({
    seq: e.seq,
    at: e.at.toISOString(),
    requestId: e.requestId,
    action: e.action,
    actor: e.actor,
    data: e.data,
  });
  return createHash('sha256')
    .update(prevHash + body)
    .digest('hex');
}
