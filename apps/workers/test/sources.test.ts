import { registerSources } from '../src/sources';
import { harness, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(async () => h.close());

describe('registerSources', () => {
  it('is idempotent and keeps the feed counter right', async () => {
    const spec = {
      key: 'reg-test',
      name: 'Reg',
      homepage: 'https://reg.example/',
      languages: ['en'],
      attribution: 'Reg Ltd',
      verifiedContacts: [],
      feeds: ['https://reg.example/a.xml', 'https://reg.example/b.xml'],
    };
    expect(await registerSources(h.store, [spec])).toEqual({ sources: 1, feeds: 2 });
    expect(await registerSources(h.store, [spec])).toEqual({ sources: 1, feeds: 0 });
    const src = await h.store.Source.findOne({ key: 'reg-test' }).lean();
    expect(src!.counts!.feeds).toBe(2);
    expect(await h.store.Feed.countDocuments({ sourceId: src!._id })).toBe(2);
  });

  it('lets two processes register the same file at once (both worker processes do at start)', async () => {
    const specs = Array.from({ length: 20 }, (_, i) => ({
      key: `race-${i}`,
      name: `Race ${i}`,
      homepage: `https://race${i}.example/`,
      languages: [],
      attribution: 'R',
      verifiedContacts: [],
      feeds: [`https://race${i}.example/feed.xml`],
    }));
    const [a, b] = await Promise.all([registerSources(h.store, specs), registerSources(h.store, specs)]);
    expect(a.sources + b.sources).toBe(40);
    expect(await h.store.Source.countDocuments({ key: /^race-/ })).toBe(20);
    expect(await h.store.Feed.countDocuments({ url: /race\d+\.example/ })).toBe(20);
  });

  it('leaves a feed URL registered elsewhere alone', async () => {
    const other = await h.store.Source.create({ key: 'other', name: 'O', homepage: 'https://o.example/', attribution: 'O' });
    await h.store.Feed.create({ sourceId: other._id, url: 'https://o.example/rss' });
    const r = await registerSources(h.store, [
      {
        key: 'dup',
        name: 'D',
        homepage: 'https://o.example/',
        languages: [],
        attribution: 'D',
        verifiedContacts: [],
        feeds: ['https://o.example/rss'],
      },
    ]);
    expect(r.feeds).toBe(0);
    expect(await h.store.Feed.countDocuments({ url: 'https://o.example/rss' })).toBe(1);
  });
});
