import { urlKey } from '@newsline/domain';
import { TombstoneGate, removeTombstone, writeTombstone } from '@newsline/takedowns';
import { memoizeNotBlocked } from '../src/context';
import { harness, type Harness } from './harness';

let h: Harness;
let gate: TombstoneGate;
beforeAll(async () => {
  h = await harness();
  gate = await new TombstoneGate(h.store, h.redis).start();
});
afterAll(async () => {
  gate.stop();
  await h.close();
});

describe('memoizeNotBlocked', () => {
  it('reuses a "not blocked" answer until a tombstone change, and never remembers "blocked"', async () => {
    const url = `https://memo-${Date.now()}.example/news/a1`;
    const asked: string[] = [];
    const isBlocked = memoizeNotBlocked(h.redis, (u) => {
      asked.push(u);
      return gate.isBlocked(u, { fresh: true });
    });
    expect(await isBlocked(url)).toBe(false);
    expect(await isBlocked(`${url}?utm_source=x`)).toBe(false);
    // Same URL key, same tombstone version: answered from the memo.
    expect(asked).toHaveLength(1);

    await writeTombstone(h.store, h.redis, { kind: 'URL', key: urlKey(url) }, 'memo-req');
    expect(await isBlocked(url)).toBe(true);
    expect(await isBlocked(url)).toBe(true);
    expect(asked).toHaveLength(3);

    // Reinstated: the removal moves the version again, so the URL is asked about afresh.
    await removeTombstone(h.store, h.redis, { kind: 'URL', key: urlKey(url) }, 'memo-req');
    expect(await isBlocked(url)).toBe(false);
    expect(asked).toHaveLength(4);
  });
});
