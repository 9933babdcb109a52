import { assignStory, bandKey, leaveStories, simhashBands } from '../src/ingest/stories';
import { harness, type Harness } from './harness';

let h: Harness;
let db: string;
beforeAll(async () => {
  h = await harness();
  db = h.store.conn.name;
});
afterAll(async () => h.close());

const id = (n: number) => n.toString(16).padStart(24, '0');
/** Flips `bits` low bits of a 64-bit hex simhash. */
const flip = (simhash: string, bits: number) => (BigInt(`0x${simhash}`) ^ ((1n << BigInt(bits)) - 1n)).toString(16).padStart(16, '0');

describe('story grouping (SimHash band buckets in Redis)', () => {
  it('groups near-duplicates (≤ 3 bits apart) into the first article’s story, and nothing else', async () => {
    const base = '9f3a5c7e1b2d4f60';
    const now = new Date();
    expect(await assignStory(h.redis, db, id(1), base, now)).toBe(id(1));
    expect(await assignStory(h.redis, db, id(2), flip(base, 3), now)).toBe(id(1));
    // Far apart in every band: its own story.
    expect(await assignStory(h.redis, db, id(3), '0000111122223333', now)).toBe(id(3));
    // Same text, but the earlier one was published outside the three-day window.
    expect(await assignStory(h.redis, db, id(4), '0000111122223333', new Date(now.getTime() + 4 * 86_400_000))).toBe(id(4));
  });

  it('lists an article once per band however often it is extracted, and drops it on removal', async () => {
    const s = 'aaaabbbbccccdddd';
    await assignStory(h.redis, db, id(10), s, new Date());
    await assignStory(h.redis, db, id(10), s, new Date());
    expect(await assignStory(h.redis, db, id(11), s, new Date())).toBe(id(10));
    for (const band of simhashBands(s))
      expect((await h.redis.lrange(bandKey(db, band), 0, -1)).map((m) => JSON.parse(m).a)).toEqual([id(11), id(10)]);
    await leaveStories(h.redis, db, [{ id: id(10), simhash: s }]);
    for (const band of simhashBands(s))
      expect((await h.redis.lrange(bandKey(db, band), 0, -1)).map((m) => JSON.parse(m).a)).toEqual([id(11)]);
    // With the first article gone, a new near-duplicate joins the story that remains listed.
    expect(await assignStory(h.redis, db, id(12), flip(s, 1), new Date())).toBe(id(10));
    expect(await h.redis.ttl(bandKey(db, simhashBands(s)[0]!))).toBeGreaterThan(3 * 86_400);
  });
});
