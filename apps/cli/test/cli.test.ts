import { run } from '../src/cli';
import { readOpml, writeOpml } from '../src/opml';

describe('OPML chunks', () => {
  it('reads nested outlines and writes them back losslessly, attributes escaped', () => {
    const xml = `<opml version="2.0"><body><outline text="cat"><outline text="A &amp; B" xmlUrl="https://a.example/feed?x=1&amp;y=2" htmlUrl="https://a.example/"/></outline><outline text="C" xmlUrl="https://c.example/rss"/></body></opml>`;
    const feeds = readOpml(xml);
    expect(feeds).toEqual([
      { xmlUrl: 'https://a.example/feed?x=1&y=2', htmlUrl: 'https://a.example/', title: 'A & B' },
      { xmlUrl: 'https://c.example/rss', htmlUrl: undefined, title: 'C' },
    ]);
    expect(readOpml(writeOpml(feeds))).toEqual(feeds);
  });

  it('rejects a file that is not OPML', () => {
    expect(() => readOpml('<rss></rss>')).toThrow(/not an OPML document/);
  });
});

describe('exit codes', () => {
  const io = () => {
    const o = { out: '', err: '' };
    return { o, io: { out: (s: string) => void (o.out += s), err: (s: string) => void (o.err += s) } };
  };
  it('returns 0 for help, 2 for usage errors', async () => {
    const a = io();
    expect(await run(['--help'], a.io)).toBe(0);
    expect(a.o.out).toMatch(/Usage: newsline/);
    const b = io();
    expect(await run(['frobnicate'], b.io)).toBe(2);
    expect(b.o.err).toMatch(/unknown command/);
    const c = io();
    expect(await run(['sources', 'import-opml', 'x.opml', '--batch', '0'], c.io)).toBe(2);
    expect(c.o.err).toMatch(/--batch must be/);
  });
});
