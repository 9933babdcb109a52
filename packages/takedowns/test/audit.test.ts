import { testServices } from '@newsline/embedded-stack';
import { auditModels, createStore, type Store } from '@newsline/store';
import { appendAudit, forgetAuditHead, verifyAuditChain } from '../src';

let store: Store;
let mongoUrl: string;
beforeAll(async () => {
  mongoUrl = testServices('takedowns').mongoUrl;
  store = await createStore(mongoUrl);
});
afterAll(async () => {
  await store.conn.dropDatabase();
  await store.close();
});
beforeEach(async () => {
  const { Entry, Head } = auditModels(store.conn);
  await Entry.deleteMany({});
  await Head.deleteMany({});
  forgetAuditHead(store.conn);
});

const rid = '0123456789abcdef01234567';

describe('audit hash chain', () => {
  it('chains concurrent appends without forks or gaps', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        appendAudit(store.conn, { requestId: rid, action: 'articles.removed', actor: 'worker', data: { i } }),
      ),
    );
    expect(new Set(results.map((r) => r.seq)).size).toBe(20);
    const report = await verifyAuditChain(store.conn);
    expect(report).toEqual({ ok: true, entries: 20, breaks: [] });
  });

  it('chains appends racing from two processes (two connections) without forks or gaps', async () => {
    const other = await createStore(mongoUrl);
    try {
      const results = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          appendAudit(i % 2 ? other.conn : store.conn, { requestId: rid, action: 'articles.removed', actor: 'worker', data: { i } }),
        ),
      );
      expect(new Set(results.map((r) => r.seq)).size).toBe(30);
      expect(await verifyAuditChain(store.conn)).toEqual({ ok: true, entries: 30, breaks: [] });
      // Every caller got back the entry that records its own input.
      const { Entry } = auditModels(store.conn);
      for (const [i, r] of results.entries()) expect((await Entry.findById(r.seq).lean())?.data).toEqual({ i });
    } finally {
      await other.close();
    }
  });

  it('detects an altered entry, a deleted entry and a truncated tail', async () => {
    for (let i = 0; i < 5; i++)
      await appendAudit(store.conn, { requestId: rid, action: 'x', actor: 'admin:a', data: { articleIds: [`a${i}`] } });
    const { Entry } = auditModels(store.conn);
    await Entry.updateOne({ _id: 3 }, { $set: { data: { articleIds: ['forged'] } } });
    let r = await verifyAuditChain(store.conn);
    expect(r.ok).toBe(false);
    expect(r.breaks).toEqual(['seq 3: hash mismatch (entry altered)']);

    await Entry.updateOne({ _id: 3 }, { $set: { data: { articleIds: ['a2'] } } });
    expect((await verifyAuditChain(store.conn)).ok).toBe(true);

    await Entry.deleteOne({ _id: 2 });
    r = await verifyAuditChain(store.conn);
    expect(r.breaks[0]).toMatch(/^seq 3: expected seq 2/);

    await Entry.deleteMany({ _id: { $gte: 2 } });
    r = await verifyAuditChain(store.conn);
    expect(r.breaks).toEqual(['head: points at seq 5 past the last entry 1 (entries deleted)']);
  });

  it('heals a head left behind by a writer that died after its insert', async () => {
    await appendAudit(store.conn, { requestId: rid, action: 'a', actor: 'w' });
    await appendAudit(store.conn, { requestId: rid, action: 'b', actor: 'w' });
    const { Head } = auditModels(store.conn);
    const e1 = await auditModels(store.conn).Entry.findById(1).lean();
    await Head.updateOne({ _id: 'head' }, { $set: { seq: 1, hash: e1!.hash } });
    expect((await verifyAuditChain(store.conn)).ok).toBe(true);
    const next = await appendAudit(store.conn, { requestId: rid, action: 'c', actor: 'w' });
    expect(next.seq).toBe(3);
    expect(await verifyAuditChain(store.conn)).toEqual({ ok: true, entries: 3, breaks: [] });
  });
});
