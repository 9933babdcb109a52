import iconv from 'iconv-lite';
import { parseOk } from './helpers';

const rss2 = `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:media="http://search.yahoo.com/mrss/">
  <channel>
    <title>Harbour &amp; Town   News</title>
    <link>https://harbour.example.org/</link>
    <description>Local news from the harbour</description>
    <language>en-gb</language>
    <ttl>30</ttl>
    <image><url>/logo.png</url></image>
    <item>
      <title><![CDATA[Ferry <b>delayed</b> by fog]]></title>
      <link>/news/ferry</link>
      <guid isPermaLink="false">harbour-1234</guid>
      <dc:creator>Ann Lee</dc:creator>
      <author>desk@harbour.example.org (News Desk)</author>
      <pubDate>Tue, 03 Jun 2025 09:15:00 +0100</pubDate>
      <description>&lt;p&gt;Fog kept the &lt;a href="/ferries"&gt;ferry&lt;/a&gt; in port.&lt;/p&gt;</description>
      <content:encoded><![CDATA[<p>Full story <img src="/img/fog.jpg"></p>]]></content:encoded>
      <category>Transport</category>
      <enclosure url="https://cdn.example.org/fog.mp3" type="audio/mpeg" length="1234"/>
      <media:thumbnail url="https://cdn.example.org/fog-thumb.jpg"/>
    </item>
    <item>
      <title>Permalink guid</title>
      <guid>https://harbour.example.org/news/2</guid>
    </item>
    <item>
      <title>No id at all</title>
      <pubDate>Wed, 04 Jun 2025 10:00:00 GMT</pubDate>
    </item>
  </channel>
</rss>`;

describe('RSS 2.0', () => {
  const feed = parseOk(rss2);
  const [first, second, third] = feed.entries;

  it('reads channel metadata', () => {
    expect(feed).toMatchObject({
      format: 'rss',
      title: 'Harbour & Town News',
      link: 'https://harbour.example.org/',
      description: 'Local news from the harbour',
      language: 'en-gb',
      ttlMinutes: 30,
      image: 'https://feeds.example.com/logo.png',
      charset: 'utf-8',
    });
    expect(feed.entries).toHaveLength(3);
  });

  it('normalizes an item', () => {
    expect(first).toMatchObject({
      id: 'harbour-1234',
      guid: 'harbour-1234',
      title: 'Ferry delayed by fog',
      link: 'https://feeds.example.com/news/ferry',
      authors: ['Ann Lee', 'News Desk'],
      categories: ['Transport'],
      image: 'https://cdn.example.org/fog-thumb.jpg',
      enclosures: [{ url: 'https://cdn.example.org/fog.mp3', type: 'audio/mpeg', length: 1234 }],
      language: 'en-gb',
    });
    expect(first!.published?.toISOString()).toBe('2025-06-03T08:15:00.000Z');
    expect(first!.summary).toBe(
      '<p>Fog kept the <a href="https://feeds.example.com/ferries" rel="noopener nofollow">ferry</a> in port.</p>',
    );
    expect(first!.content).toBe('<p>Full story <img src="https://feeds.example.com/img/fog.jpg" /></p>');
  });

  it('uses a permalink guid as link and hashes title+date when there is no id', () => {
    expect(second).toMatchObject({ id: 'https://harbour.example.org/news/2', link: 'https://harbour.example.org/news/2' });
    expect(third!.id).toMatch(/^sha1:[0-9a-f]{40}$/);
    expect(parseOk(rss2).entries[2]!.id).toBe(third!.id);
  });

  it('resolves against Content-Location before the request URL', () => {
    const f = parseOk(rss2, { contentLocation: 'https://mirror.example.net/feeds/x.xml' });
    expect(f.entries[0]!.link).toBe('https://mirror.example.net/news/ferry');
  });
});

describe('RSS 1.0 (RDF)', () => {
  const feed = parseOk(`<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://rdf.example.org/">
    <title>RDF Site</title>
    <link>https://rdf.example.org/</link>
    <description>An RSS 1.0 feed</description>
    <dc:language>fr</dc:language>
  </channel>
  <item rdf:about="https://rdf.example.org/a">
    <title>Article A</title>
    <link>https://rdf.example.org/a</link>
    <dc:creator>Claude Martin</dc:creator>
    <dc:date>2024-02-29T23:30:00+01:00</dc:date>
    <dc:subject>Politique</dc:subject>
    <description>Résumé</description>
  </item>
</rdf:RDF>`);

  it('maps channel and items that sit beside it', () => {
    expect(feed).toMatchObject({ format: 'rdf', title: 'RDF Site', language: 'fr' });
    expect(feed.entries[0]).toMatchObject({
      id: 'https://rdf.example.org/a',
      title: 'Article A',
      authors: ['Claude Martin'],
      categories: ['Politique'],
      summary: 'Résumé',
      language: 'fr',
    });
    expect(feed.entries[0]!.updated?.toISOString()).toBe('2024-02-29T22:30:00.000Z');
  });
});

describe('Atom 1.0', () => {
  const feed = parseOk(`<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://atom.example.com/blog/" xml:lang="en">
  <title type="html">Atom &lt;em&gt;Blog&lt;/em&gt;</title>
  <subtitle>Notes</subtitle>
  <link href="./" rel="alternate"/>
  <link href="feed.atom" rel="self"/>
  <logo>/logo.svg</logo>
  <entry xml:base="2024/">
    <id>tag:atom.example.com,2024:1</id>
    <title type="text">Less &lt;than&gt; more</title>
    <link rel="alternate" type="text/html" href="first-post"/>
    <link rel="enclosure" type="audio/ogg" length="99" href="/media/ep1.ogg"/>
    <author><name>Dana</name><email>dana@example.com</email></author>
    <author><name>Eve</name></author>
    <published>2024-03-01T10:00:00Z</published>
    <updated>2024-03-02T11:30:00-05:00</updated>
    <category term="tech" label="Technology"/>
    <summary type="text">Plain &lt;b&gt;summary&lt;/b&gt;</summary>
    <content type="xhtml" xml:base="/static/" xml:lang="de">
      <div xmlns="http://www.w3.org/1999/xhtml"><p>See <a href="pic.png">this</a></p></div>
    </content>
  </entry>
</feed>`);
  const entry = feed.entries[0]!;

  it('reads feed metadata with xml:base and xml:lang', () => {
    expect(feed).toMatchObject({
      format: 'atom',
      title: 'Atom Blog',
      description: 'Notes',
      link: 'https://atom.example.com/blog/',
      language: 'en',
      image: 'https://atom.example.com/logo.svg',
    });
  });

  it('resolves links against nested xml:base, per element', () => {
    expect(entry.link).toBe('https://atom.example.com/blog/2024/first-post');
    expect(entry.enclosures).toEqual([{ url: 'https://atom.example.com/media/ep1.ogg', type: 'audio/ogg', length: 99 }]);
    expect(entry.content).toBe('<p>See <a href="https://atom.example.com/static/pic.png" rel="noopener nofollow">this</a></p>');
  });

  it('honours text construct types', () => {
    expect(entry.title).toBe('Less <than> more');
    expect(entry.summary).toBe('Plain &lt;b&gt;summary&lt;/b&gt;');
  });

  it('reads ids, people, dates and categories', () => {
    expect(entry).toMatchObject({
      id: 'tag:atom.example.com,2024:1',
      authors: ['Dana', 'Eve'],
      categories: ['Technology'],
      language: 'en',
    });
    expect(entry.published?.toISOString()).toBe('2024-03-01T10:00:00.000Z');
    expect(entry.updated?.toISOString()).toBe('2024-03-02T16:30:00.000Z');
  });
});

describe('JSON Feed 1.1', () => {
  const feed = parseOk(
    JSON.stringify({
      version: 'https://jsonfeed.org/version/1.1',
      title: 'JSON <News>',
      home_page_url: 'https://json.example.com/',
      language: 'es',
      items: [
        {
          id: 42,
          url: '/posts/42',
          title: 'Hola',
          content_html: '<p onclick="x()">Hola <script>alert(1)</script>mundo</p>',
          summary: 'Resumen',
          date_published: '2024-05-01T12:00:00+02:00',
          authors: [{ name: 'Lucía' }],
          tags: ['saludo'],
          attachments: [{ url: 'https://json.example.com/a.mp3', mime_type: 'audio/mpeg', size_in_bytes: 10 }],
        },
      ],
    }),
    { contentType: 'application/feed+json' },
  );

  it('maps feed and items', () => {
    expect(feed).toMatchObject({ format: 'json', title: 'JSON <News>', link: 'https://json.example.com/', language: 'es' });
    expect(feed.entries[0]).toMatchObject({
      id: '42',
      link: 'https://json.example.com/posts/42',
      title: 'Hola',
      authors: ['Lucía'],
      categories: ['saludo'],
      summary: 'Resumen',
      content: '<p>Hola mundo</p>',
      enclosures: [{ url: 'https://json.example.com/a.mp3', type: 'audio/mpeg', length: 10 }],
    });
    expect(feed.entries[0]!.published?.toISOString()).toBe('2024-05-01T10:00:00.000Z');
  });
});

describe('legacy charsets', () => {
  it('decodes undeclared Shift_JIS bytes before parsing', () => {
    const xml =
      '<rss version="2.0"><channel><title>日本のニュース：表示テスト</title><item><title>東京都、予算案を発表　ソ・表・能</title></item></channel></rss>';
    const feed = parseOk(iconv.encode(xml, 'shift_jis'));
    expect(feed.title).toBe('日本のニュース：表示テスト');
    expect(feed.entries[0]!.title).toBe('東京都、予算案を発表　ソ・表・能');
    expect(feed.charset).toBe('cp932');
  });

  it('decodes windows-1251 from the XML declaration and from the HTTP header', () => {
    const body = '<rss version="2.0"><channel><title>Новости России</title><item><title>«Ёлка» №1</title></item></channel></rss>';
    const declared = parseOk(iconv.encode(`<?xml version="1.0" encoding="windows-1251"?>${body}`, 'windows-1251'));
    expect(declared.title).toBe('Новости России');
    expect(declared.entries[0]!.title).toBe('«Ёлка» №1');
    const viaHttp = parseOk(iconv.encode(body, 'windows-1251'), { contentType: 'application/rss+xml; charset=windows-1251' });
    expect(viaHttp.title).toBe('Новости России');
    expect(viaHttp.charset).toBe('windows-1251');
  });
});
