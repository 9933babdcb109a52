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

const dup = (err: unknown) => {
  const e = err as { code?: number; writeErrors?: { code?: number }[]; errorResponse?: { code?: number } };
  return e.code === 11000 || e.errorResponse?.code === 11000 || !!e.writeErrors?.some((w) => w.code === 11000);
};

/** Last head this process saw per connection: saves the head read when this process appends in a row. */
const lastHead = new WeakMap<Connection, { seq: number; hash: string }>();

interface Waiting {
  input: AuditInput;
  now: Date;
  resolve(r: { seq: number; hash: string }): void;
  reject(err: unknown): void;
}
/** Appends waiting per connection, and whether a writer is draining them. */
const writers = new WeakMap<Connection, { queue: Waiting[]; running: boolean }>();
const GROUP = 100;

/**
 * Appends one entry at head+1. Appends of one process go through one writer per connection
 * (group commit: whatever queued while the last insert ran goes in the next insertMany), so
 * concurrent enforcements do not race each other for the same sequence number. Across
 * processes, the unique `_id` (sequence) lets exactly one racing writer win a position; losers
 * move the head forward and try again. A writer that died between the insert and the head
 * update is healed by the next append (the head lags, never the chain).
 */
export function appendAudit(conn: Connection, input: AuditInput, now = new Date()): Promise<{ seq: number; hash: string }> {
  let w = writers.get(conn);
  if (!w) writers.set(conn, (w = { queue: [], running: false }));
  const p = new Promise<{ seq: number; hash: string }>((resolve, reject) => w.queue.push({ input, now, resolve, reject }));
  if (!w.running) {
    w.running = true;
    void drain(conn, w);
  }
  return p;
}

/** Runs until the queue is empty; `running` drops in the same tick, so no append is left waiting. */
async function drain(conn: Connection, w: { queue: Waiting[]; running: boolean }): Promise<void> {
  const { Entry, Head } = auditModels(conn);
  let contention = 0;
  while (w.queue.length) {
    const group = w.queue.slice(0, GROUP);
    try {
      const cached = lastHead.get(conn);
      let head = cached ?? (await Head.findById('head').lean()) ?? { seq: 0, hash: GENESIS_HASH };
      const docs = group.map((g) => {
        const seq = (head.seq ?? 0) + 1;
        const prevHash = head.hash ?? GENESIS_HASH;
        const data = g.input.data ?? {};
        const hash = auditHash(prevHash, {
          seq,
          at: g.now,
          requestId: g.input.requestId,
          action: g.input.action,
          actor: g.input.actor,
          data,
        });
        head = { seq, hash };
        return { _id: seq, at: g.now, requestId: g.input.requestId, action: g.input.action, actor: g.input.actor, data, prevHash, hash };
      });
      let written = docs.length;
      try {
        await Entry.insertMany(docs, { ordered: true });
      } catch (err) {
        if (!dup(err)) throw err;
        // Another process took a position: keep what landed in order (ours by hash), redo the rest.
        lastHead.delete(conn);
        written = 0;
        for (const d of docs) {
          const at = await Entry.findById(d._id, { hash: 1 }).lean();
          if (!at || at.hash !== d.hash) {
            if (at) await advanceHead(conn, d._id, at.hash);
            break;
          }
          written++;
        }
        if (++contention > 200) throw new Error('audit append: too much contention');
      }
      if (written) {
        const last = docs[written - 1]!;
        lastHead.set(conn, { seq: last._id, hash: last.hash });
        await advanceHead(conn, last._id, last.hash);
        w.queue.splice(0, written).forEach((g, i) => g.resolve({ seq: docs[i]!._id, hash: docs[i]!.hash }));
      }
    } catch (err) {
      lastHead.delete(conn);
      w.queue.splice(0, group.length).forEach((g) => g.reject(err));
    }
  }
  w.running = false;
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
