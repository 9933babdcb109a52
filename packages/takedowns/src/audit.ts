import { auditModels } from '@newsline/store';
import type { Connection } from 'mongoose';
import { auditHash, GENESIS_HASH } from './canonical';

/** Drops the cached head (only needed after deleting entries, i.e. in tests of tampering). */
export function forgetAuditHead(conn: Connection): void {
  lastHead.delete(conn);
}

export interface AuditInput {
  requestId: string;
  action: string;
  /** `admin:<sub>`, `requester:<client>`, `worker`, `policy:auto-approve`, `sweeper`. */
  actor: string;
  data?: Record<string, unknown>;
}

const dup = (err: unknown) => (err as { code?: number }).code === 11000;

/** Last head this process saw per connection: saves the head read when this process appends in a row. */
const lastHead = new WeakMap<Connection, { seq: number; hash: string }>();

/**
 * Appends one entry at head+1. The unique `_id` (sequence) lets exactly one racing writer win
 * a position; losers move the head forward and try again. A writer that died between the
 * insert and the head update is healed by the next append (the head lags, never the chain).
 */
export async function appendAudit(conn: Connection, input: AuditInput, now = new Date()): Promise<{ seq: number; hash: string }> {
  const { Entry, Head } = auditModels(conn);
  for (let attempt = 0; attempt < 200; attempt++) {
    const cached = attempt === 0 ? lastHead.get(conn) : undefined;
    const head = cached ?? (await Head.findById('head').lean()) ?? { seq: 0, hash: GENESIS_HASH };
    const seq = (head.seq ?? 0) + 1;
    const prevHash = head.hash ?? GENESIS_HASH;
    const fields = { seq, at: now, requestId: input.requestId, action: input.action, actor: input.actor, data: input.data ?? {} };
    const hash = auditHash(prevHash, fields);
    try {
      await Entry.create({
        _id: seq,
        at: now,
        requestId: input.requestId,
        action: input.action,
        actor: input.actor,
        data: fields.data,
        prevHash,
        hash,
      });
    } catch (err) {
      if (!dup(err)) throw err;
      lastHead.delete(conn);
      const taken = await Entry.findById(seq, { hash: 1 }).lean();
      if (taken) await advanceHead(conn, seq, taken.hash);
      continue;
    }
    lastHead.set(conn, { seq, hash });
    await advanceHead(conn, seq, hash);
    return { seq, hash };
  }
  throw new Error('audit append: too much contention');
}

async function advanceHead(conn: Connection, seq: number, hash: string): Promise<void> {
  const { Head } = auditModels(conn);
  await Head.updateOne({ _id: 'head', seq: { $lt: seq } }, { $set: { seq, hash } }, { upsert: true }).catch((err: unknown) => {
    // Upsert lost to an existing head that is already further on: nothing to do.
    if (!dup(err)) throw err;
  });
}

export interface ChainReport {
  ok: boolean;
  entries: number;
  /** `seq N: what is wrong`, in order. */
  breaks: string[];
}

/** Recomputes every hash and link from the genesis, and checks the head points at the end. */
export async function verifyAuditChain(conn: Connection): Promise<ChainReport> {
  const { Entry, Head } = auditModels(conn);
  const breaks: string[] = [];
  let prev = GENESIS_HASH;
  let expected = 1;
  let entries = 0;
  for await (const e of Entry.find().sort({ _id: 1 }).lean().cursor()) {
    entries++;
    const seq = e._id;
    if (seq !== expected) breaks.push(`seq ${seq}: expected seq ${expected} (entries missing)`);
    if (e.prevHash !== prev) breaks.push(`seq ${seq}: prevHash does not link to the previous entry`);
    const data = (e.data ?? {}) as Record<string, unknown>;
    const h = auditHash(e.prevHash, { seq, at: e.at, requestId: e.requestId, action: e.action, actor: e.actor, data });
    if (h !== e.hash) breaks.push(`seq ${seq}: hash mismatch (entry altered)`);
    prev = e.hash;
    expected = seq + 1;
  }
  const head = await Head.findById('head').lean();
  // The head may lag one append behind a crashed writer; it must never point past the end or elsewhere.
  if (head && (head.seq ?? 0) > entries) breaks.push(`head: points at seq ${head.seq} past the last entry ${entries} (entries deleted)`);
  else if (head && head.seq === entries && head.hash !== prev) breaks.push('head: hash does not match the last entry');
  return { ok: breaks.length === 0, entries, breaks };
}
