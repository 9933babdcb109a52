import { feedLinksFromHeader, findFeedLinks, hubLinksOf, parseLinkHeader, wellKnownFeedUrls } from '../src';
import { parseOk } from './helpers';

describe('findFeedLinks', () => {
  const page = 'https://www.lakeside.example.org/news/';

  it('finds RSS, Atom and JSON Feed alternates in document order, resolved against the page', () => {
    const html = `<!doctype html><html><head>
      <link rel="stylesheet" href="/main.css">
      <link rel="alternate" type="application/rss+xml" title="Lakeside &amp; Co — RSS" href="/feed/rss.xml">
      <LINK REL="Alternate" TYPE="application/atom+xml; charset=utf-8" HREF="atom.xml">
      <link rel="alternate" type="application/feed+json" href="https://cdn.lakeside.example.org/feed.json#x">
      <link rel="alternate" hreflang="fr" href="https://fr.lakeside.example.org/">
      <link rel="alternate" type="application/json+oembed" href="/oembed?url=x">
      <link rel="alternate" type="application/json" href="/wp-json/wp/v2/pages/2">
      <link rel="alternate" type="application/rss+xml" href="/feed/rss.xml">
      <link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
    </head><body></body></html>`;
    expect(findFeedLinks(html, page)).toEqual([
      { url: 'https://www.lakeside.example.org/feed/rss.xml', type: 'application/rss+xml', title: 'Lakeside & Co — RSS', via: 'link' },
      { url: 'https://www.lakeside.example.org/news/atom.xml', type: 'application/atom+xml', via: 'link' },
      { url: 'https://cdn.lakeside.example.org/feed.json', type: 'application/feed+json', via: 'link' },
    ]);
  });

  it('honours <base href>, rel="feed" and generic types with a feed-like title or path', () => {
    const html = `<head><base href="https://static.example.net/site/">
      <link rel="feed" href="latest">
      <link rel="alternate" type="text/xml" title="RSS" href="headlines">
      <link rel="alternate" type="application/json" href="feed.json"></head>`;
    expect(findFeedLinks(html, 'https://example.net/').map((l) => l.url)).toEqual([
      'https://static.example.net/site/latest',
      'https://static.example.net/site/headlines',
      'https://static.example.net/site/feed.json',
    ]);
  });

  it('returns nothing for a page without feed links and survives broken markup', () => {
    expect(findFeedLinks('<html><head><title>Oops</title></head><body><a href="/rss.xml">RSS</a>', 'https://x.example/')).toEqual([]);
    // Like a browser, an unterminated tag still yields its link.
    expect(
      findFeedLinks('<link rel="alternate" type="application/rss+xml" href="/f.xml"<<<>>', 'https://x.example/').map((l) => l.url),
    ).toEqual(['https://x.example/f.xml']);
    expect(() => findFeedLinks('<'.repeat(100_000), 'https://x.example/')).not.toThrow();
  });
});

describe('Link headers', () => {
  it('parses several values with quoted commas and relative URLs', () => {
    const v = '<https://hub.example.com/>; rel="hub", </feeds/main.xml>; rel=self; title="a, b", <x>; foo=bar';
    expect(parseLinkHeader(v, 'https://news.example.com/feeds/main.xml')).toEqual([
      { url: 'https://hub.example.com/', rel: ['hub'] },
      { url: 'https://news.example.com/feeds/main.xml', rel: ['self'], title: 'a, b' },
    ]);
  });

  it('announces feeds like <link> elements do', () => {
    expect(
      feedLinksFromHeader('</rss>; rel="alternate"; type="application/rss+xml", </about>; rel="author"', 'https://a.example/'),
    ).toEqual([{ url: 'https://a.example/rss', type: 'application/rss+xml', via: 'link-header' }]);
  });
});

describe('wellKnownFeedUrls', () => {
  it('tries the page folder first, then the site root, without duplicates', () => {
    const urls = wellKnownFeedUrls('https://shared.example.org/outlet/index.html').map((l) => l.url);
    expect(urls.slice(0, 3)).toEqual([
      'https://shared.example.org/outlet/feed',
      'https://shared.example.org/outlet/rss',
      'https://shared.example.org/outlet/rss.xml',
    ]);
    expect(urls).toContain('https://shared.example.org/feed.json');
    expect(new Set(urls).size).toBe(urls.length);
    expect(wellKnownFeedUrls('https://root.example.org/').every((l) => l.url.startsWith('https://root.example.org/'))).toBe(true);
    expect(wellKnownFeedUrls('not a url')).toEqual([]);
  });
});

describe('hub links', () => {
  it('are read from Atom, RSS (atom:link) and JSON Feed documents', () => {
    const atom = parseOk(`<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>
      <link rel="hub" href="https://hub.example.com/"/><link rel="self" href="https://a.example/atom.xml"/></feed>`);
    expect([atom.hubs, atom.self]).toEqual([['https://hub.example.com/'], 'https://a.example/atom.xml']);
    const rss = parseOk(`<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>R</title>
      <atom:link rel="hub" href="https://hub.example.com/"/><atom:link rel="self" href="https://r.example/rss.xml"/></channel></rss>`);
    expect([rss.hubs, rss.self]).toEqual([['https://hub.example.com/'], 'https://r.example/rss.xml']);
    const json = parseOk(
      JSON.stringify({
        version: 'https://jsonfeed.org/version/1.1',
        title: 'J',
        feed_url: 'https://j.example/feed.json',
        hubs: [
          { type: 'WebSub', url: 'https://hub.example.com/' },
          { type: 'rssCloud', url: 'https://cloud.example.com/' },
        ],
        items: [],
      }),
    );
    expect([json.hubs, json.self]).toEqual([['https://hub.example.com/'], 'https://j.example/feed.json']);
    expect(parseOk('<rss version="2.0"><channel><title>N</title></channel></rss>').hubs).toEqual([]);
  });

  it('merge with the Link header, whose self wins', () => {
    expect(
      hubLinksOf(
        { hubs: ['https://h1.example/'], self: 'https://a.example/doc' },
        '<https://h2.example/>; rel=hub, </topic>; rel=self',
        'https://a.example/f',
      ),
    ).toEqual({ hubs: ['https://h2.example/', 'https://h1.example/'], self: 'https://a.example/topic' });
  });
});
