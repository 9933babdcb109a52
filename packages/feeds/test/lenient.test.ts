import { parseFeed, parseFeedDate } from '../src';
import { enc, parseOk } from './helpers';

const iso = (s: string): string | undefined => parseFeedDate(s)?.toISOString();

describe('lenient JSON Feed', () => {
  it('reads an object with items but no version and no title', () => {
    const feed = parseOk(JSON.stringify({ items: [{ id: 'a1', url: 'https://news.example.net/a1', title: 'Tide tables revised' }] }));
    expect(feed.format).toBe('json');
    expect(feed.entries.map((e) => [e.id, e.link, e.title])).toEqual([['a1', 'https://news.example.net/a1', 'Tide tables revised']]);
  });

  it('reads a feed whose version is written without the jsonfeed.org URL', () => {
    const feed = parseOk(
      JSON.stringify({ version: '1.1', title: 'Valley Post', items: [{ id: 7, content_text: 'Bridge reopens', url: '/b/7' }] }),
      { url: 'https://valley.example.net/feed.json' },
    );
    expect(feed.title).toBe('Valley Post');
    expect(feed.entries[0]).toMatchObject({ id: '7', link: 'https://valley.example.net/b/7' });
    expect(feed.entries[0]!.content).toContain('Bridge reopens');
  });

  it('accepts a differently cased Version key and an empty item list', () => {
    const r = parseFeed(enc(JSON.stringify({ Version: 'https://jsonfeed.org/version/1', items: [] })), { url: 'https://x.example/f.json' });
    expect(r.ok && r.feed.entries).toEqual([]);
  });

  it('still refuses JSON that is not a feed', () => {
    const r = parseFeed(enc(JSON.stringify({ name: 'package', dependencies: {} })), { url: 'https://x.example/package.json' });
    expect(r.ok ? 'ok' : r.error.code).toBe('not-a-feed');
  });
});

describe('control characters', () => {
  it('are stripped from RSS titles, authors and categories but tabs and newlines only collapse', () => {
    const feed = parseOk(`<?xml version="1.0"?><rss version="2.0"><channel><title>Port&#x1; News</title>
      <item><title>Storm\u0008 warning &#x7f;for&#x9;the&#10;coast</title><link>https://port.example.org/1</link>
      <author>desk@port.example.org (Ada&#x1b; Brook)</author><category>Wea&#x2;ther</category></item></channel></rss>`);
    expect(feed.title).toBe('Port News');
    expect(feed.entries[0]!.title).toBe('Storm warning for the coast');
    expect(feed.entries[0]!.authors).toEqual(['Ada Brook']);
  });

  it('are stripped from JSON Feed titles and summaries', () => {
    const feed = parseOk(
      JSON.stringify({
        version: 'https://jsonfeed.org/version/1.1',
        title: 'Hill\u0003 Times',
        items: [{ id: '1', url: 'https://hill.example.org/1', title: 'Road\u0000 closed\u009c', summary: 'Snow\u0007 on the pass' }],
      }),
    );
    expect(feed.title).toBe('Hill Times');
    expect(feed.entries[0]!.title).toBe('Road closed');
    expect(feed.entries[0]!.summary).not.toContain('\u0007');
    expect(feed.entries[0]!.summary).toContain('Snow on the pass');
  });
});

describe('entries with several links', () => {
  const atom = (links: string) => `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atlas</title><id>urn:atlas</id>
<entry><id>urn:atlas:1</id><title>Maps</title>${links}</entry></feed>`;

  it('take the HTML alternate over a PDF alternate listed first', () => {
    const feed = parseOk(
      atom(`<link rel="alternate" type="application/pdf" href="https://atlas.example.org/1.pdf"/>
        <link rel="enclosure" type="audio/mpeg" href="https://atlas.example.org/1.mp3"/>
        <link rel="alternate" type="text/html" href="https://atlas.example.org/1.html"/>`),
    );
    expect(feed.entries[0]!.link).toBe('https://atlas.example.org/1.html');
    expect(feed.entries[0]!.enclosures.map((e) => e.url)).toEqual(['https://atlas.example.org/1.mp3']);
  });

  it('take an untyped alternate (HTML by default) and skip replies and self links', () => {
    const feed = parseOk(
      atom(`<link rel="replies" href="https://atlas.example.org/1/comments"/>
        <link rel="self" href="https://atlas.example.org/1.atom"/>
        <link href="https://atlas.example.org/1"/>`),
    );
    expect(feed.entries[0]!.link).toBe('https://atlas.example.org/1');
  });

  it('fall back to the first alternate when none is HTML', () => {
    const feed = parseOk(atom(`<link rel="alternate" type="application/pdf" href="https://atlas.example.org/only.pdf"/>`));
    expect(feed.entries[0]!.link).toBe('https://atlas.example.org/only.pdf');
  });

  it('in RSS, prefer the item link over atom:link alternates', () => {
    const feed = parseOk(`<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>C</title>
      <item><atom:link rel="alternate" type="application/pdf" href="https://c.example.org/x.pdf"/><link>https://c.example.org/x</link></item>
      </channel></rss>`);
    expect(feed.entries[0]!.link).toBe('https://c.example.org/x');
  });
});

describe('dates in other languages', () => {
  it.each([
    // Italian
    ['mar, 03 giu 2025 09:15:00 +0200', '2025-06-03T07:15:00.000Z'],
    ['Lunedì, 12 Maggio 2025 18:30:00 +0200', '2025-05-12T16:30:00.000Z'],
    ['3 dicembre 2024 alle ore 08:05', '2024-12-03T08:05:00.000Z'],
    ['gio, 27 feb 2025 10:00:00 GMT', '2025-02-27T10:00:00.000Z'],
    ['mar, 11 mar 2025 10:00:00 GMT', '2025-03-11T10:00:00.000Z'],
    // Spanish, French, German, Portuguese, Dutch
    ['miércoles, 4 de junio de 2025 14:00:00 -0300', '2025-06-04T17:00:00.000Z'],
    ['Mié, 15 Ene 2025 07:00:00 +0100', '2025-01-15T06:00:00.000Z'],
    ['1er août 2025 12:00 +0200', '2025-08-01T10:00:00.000Z'],
    ['mer., 19 févr. 2025 08:00:00 +0100', '2025-02-19T07:00:00.000Z'],
    ['Do, 3. Juli 2025 09:15:00 +0200', '2025-07-03T07:15:00.000Z'],
    ['Montag, 3. März 2025 um 09:15 Uhr', '2025-03-03T09:15:00.000Z'],
    ['sexta-feira, 5 de setembro de 2025 10:30 -0300', '2025-09-05T13:30:00.000Z'],
    ['vr, 10 okt 2025 11:00:00 +0200', '2025-10-10T09:00:00.000Z'],
  ])('parses %j', (input, expected) => {
    expect(iso(input)).toBe(expected);
  });

  it.each(['ieri', '3 giugnoo 2025', 'lun, 31 giu 2025 09:00:00 GMT', 'de de de'])('rejects %j', (input) => {
    expect(parseFeedDate(input)).toBeUndefined();
  });

  it('is used for entry dates', () => {
    const feed = parseOk(`<rss version="2.0"><channel><title>Gazzetta</title><language>it</language>
      <item><title>Il ponte</title><link>https://gazzetta.example.it/1</link><pubDate>ven, 06 giu 2025 07:45:00 +0200</pubDate></item>
      </channel></rss>`);
    expect(feed.entries[0]!.published?.toISOString()).toBe('2025-06-06T05:45:00.000Z');
  });
});
