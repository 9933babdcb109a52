import { extractArticle } from '../src/index';

// Synthetic fixtures for page structures that lost articles: markup before <html>, pages whose
// <html> tag is missing, and article bodies split across sibling containers.
const para = (n: number, topic = 'the river trust'): string =>
  `Paragraph ${n} describes how ${topic} counted the salmon, mapped the weirs, and asked the county, after two dry summers, to keep more water in the upper valley.`;
const paras = (ns: number[], topic?: string): string => ns.map((n) => `<p>${para(n, topic)}</p>`).join('');

/** A page whose <article> holds the "Salmon count" headline and then `body`. */
const salmonArticle = (body: string): string =>
  `<!doctype html><html lang="en"><head><title>Salmon count</title></head><body><article><h1>Salmon count</h1>${body}</article></body></html>`;

function text(html: string): string {
  const r = extractArticle(html, 'https://news.example.com/a/1');
  if (!r.ok) throw new Error(`expected ok, got ${r.error.code}`);
  return r.article.text;
}

describe('document root', () => {
  it('reads the body when server warnings precede the doctype', () => {
    const html = `<br />\n<b>Warning</b>: db connect failed in <b>/www/plugin.php</b> on line <b>299</b><br />
      <!DOCTYPE html><html lang="en"><head><title>Salmon count</title></head><body><article>${paras([1, 2, 3])}</article></body></html>`;
    const out = text(html);
    expect(out).toContain('Paragraph 1 describes');
    expect(out).toContain('Paragraph 3 describes');
  });

  it('reads the body of a page without an <html> tag', () => {
    const html = `<!DOCTYPE html>\n<!--[if IE 8]><html class="ie8" lang="en"><![endif]-->\n<head><title>Salmon count</title></head>
      <body><article>${paras([1, 2, 3])}</article></body>`;
    const out = text(html);
    expect(out).toContain('Paragraph 1 describes');
    expect(out).toContain('Paragraph 3 describes');
  });
});

describe('bodies split across containers', () => {
  const rail = (n: number): string =>
    `<div class="rail">${[1, 2, 3, 4, 5, 6].map((i) => `<p><a href="/s/${n}-${i}">Teaser headline number ${i} about another story entirely</a></p>`).join('')}</div>`;
  const shell = (inner: string): string =>
    `<!doctype html><html lang="en"><head><title>Salmon count</title></head><body><main><h1>Salmon count</h1>${inner}</main></body></html>`;

  it('joins sibling chunks that repeat the root container, even with a teaser rail between them', () => {
    const chunk = (ns: number[]): string => `<div class="grid"><div class="body-chunk">${paras(ns)}</div></div>`;
    const out = text(shell(`<div class="page">${chunk([1, 2, 3, 4])}${rail(1)}${rail(2)}${chunk([5])}${rail(3)}${chunk([6, 7])}</div>`));
    for (const n of [1, 2, 3, 4, 5, 6, 7]) expect(out).toContain(`Paragraph ${n} describes`);
    expect(out.indexOf('Paragraph 4 ')).toBeLessThan(out.indexOf('Paragraph 5 '));
    expect(out).not.toContain('Teaser headline');
  });

  it('joins repeats of a deeply nested module (con > modcon > mod > boxcon > box) when each is clean prose', () => {
    const mod = (ns: number[]): string =>
      `<div class="con"><div class="modcon"><div class="mod paragraph"><div class="boxcon"><div class="box">${paras(ns)}</div></div></div></div></div>`;
    const teaserMod = `<div class="con"><div class="modcon"><div class="mod"><div class="boxcon"><div class="box">${rail(9)}</div></div></div></div></div>`;
    const out = text(
      shell(`<div class="section">${mod([1, 2, 3, 4, 5])}${rail(1)}${mod([6, 7])}${teaserMod}${rail(2)}${mod([8, 9])}</div>`),
    );
    for (const n of [1, 5, 6, 7, 8, 9]) expect(out).toContain(`Paragraph ${n} describes`);
    expect(out).not.toContain('Teaser headline');
  });

  it('joins a sibling block of clean prose with another class, but not a small prose box beside a long article', () => {
    const out = text(
      shell(
        `<div class="page"><div class="intro">${paras([1, 2, 3, 4, 5, 6])}</div>${rail(1)}${rail(2)}${rail(3)}<div class="text-block">${paras([7, 8])}</div>${rail(4)}` +
          `<div class="box"><p>The weekly letter from our river desk lands each Friday, with maps, counts and a note from the editor.</p></div></div>`,
      ),
    );
    for (const n of [1, 2, 6, 7, 8]) expect(out).toContain(`Paragraph ${n} describes`);
    expect(out).not.toContain('weekly letter');
  });
});

describe('class names that only look like chrome', () => {
  const shell = (inner: string): string =>
    `<!doctype html><html lang="en"><head><title>Salmon count</title></head><body><main><article><h1>Salmon count</h1>${inner}</article></main>
     <aside class="sidebar">${paras([20, 21])}</aside></body></html>`;

  it('keeps paragraphs marked as the paywalled part of the article (the text is in the page)', () => {
    const out = text(shell(`<p>${para(1)}</p>${[2, 3, 4, 5].map((n) => `<p class="paywall">${para(n)}</p>`).join('')}`));
    for (const n of [1, 2, 5]) expect(out).toContain(`Paragraph ${n} describes`);
    expect(out).not.toContain('Paragraph 20');
  });

  it('keeps sections whose heading-slug id contains "shared"', () => {
    const out = text(
      shell(
        `<div class="section" id="intro">${paras([1])}</div>${[2, 3, 4].map((n) => `<div class="section" id="shared-history-part-${n}"><h2>Part ${n}</h2>${paras([n])}</div>`).join('')}`,
      ),
    );
    for (const n of [1, 2, 3, 4]) expect(out).toContain(`Paragraph ${n} describes`);
  });
});

describe('sign-up lines', () => {
  it('drops a newsletter pitch long enough to read as a paragraph, but keeps prose that mentions subscribing', () => {
    const html = salmonArticle(`${paras([1, 2, 3])}
      <p>Small investors welcomed the share sale, subscribing for so many shares that each will be allotted the maximum the rules allow.</p>
      <p>Subscribe to River Notes, a free weekly newsletter with the best of the valley's stories, maps and guides to the trails you love.</p>
      ${paras([4])}`);
    const out = text(html);
    expect(out).toContain('Paragraph 4 describes');
    expect(out).toContain('subscribing for so many shares');
    expect(out).not.toContain('River Notes');
  });
});

describe('standfirst', () => {
  const standfirst =
    'The trust has counted salmon in the upper valley for thirty years. This spring the count fell by half, and its scientists now say the weirs, not the weather, are to blame for the decline.';
  // A row of topic links beside the standfirst keeps the root from climbing to it.
  const topics = ['Rivers', 'Wildlife', 'County council', 'Farming', 'Weather', 'Fishing', 'Tourism', 'Courts', 'Schools', 'Transport']
    .map((t) => `<a href="/t/${t}">${t} news and analysis</a>`)
    .join(' ');
  const page = (header: string, head = ''): string =>
    `<!doctype html><html lang="en"><head><title>Salmon count</title>${head}</head><body><main><article>
      <div class="title-block"><p>${topics}</p><h1>Salmon count falls by half</h1>${header}</div>
      <div class="story">${paras([1, 2, 3, 4])}</div></article></main></body></html>`;

  it('puts a standfirst of several lines between the headline and the body first', () => {
    const out = text(page(`<p class="intro">${standfirst}</p>`));
    expect(out.startsWith('The trust has counted salmon')).toBe(true);
    expect(out).toContain('Paragraph 4 describes');
  });

  it('leaves out a one-line deck, an image caption and a deck that repeats the meta description', () => {
    expect(
      text(page('<p class="deck">Scientists blame the weirs, not the weather, for a spring count that fell by half.</p>')),
    ).not.toContain('Scientists blame');
    expect(text(page(`<div class="lead-image"><div class="text">${standfirst}</div></div>`))).not.toContain('The trust has counted');
    expect(text(page(`<div class="text">${standfirst}</div>`, `<meta name="description" content="${standfirst}">`))).not.toContain(
      'The trust has counted',
    );
  });

  it('takes a standfirst named as such from the headline block, set as a heading, or repeating the meta description', () => {
    const meta = `<meta name="description" content="${standfirst}">`;
    for (const header of [
      `<header class="article-header"><p class="entry__subtitle">${standfirst}</p></header>`,
      `<div class="teaser-text"><p>${standfirst}</p></div>`,
      `<h2 class="article-lead">${standfirst}</h2>`,
      `<p class="intro">${standfirst}</p>`,
    ]) {
      const out = text(page(header, meta));
      expect(out.startsWith('The trust has counted salmon')).toBe(true);
      expect(out).toContain('Paragraph 4 describes');
    }
  });

  it('reads a heading marked itemprop=headline as the headline on a page without an <h1>', () => {
    const html = `<!doctype html><html lang="en"><head><title>Salmon count</title></head><body><main><article>
      <div class="title-block"><p>${topics}</p><h3 itemprop="headline">Salmon count falls by half</h3><div class="teaser-text"><p>${standfirst}</p></div></div>
      <div class="story">${paras([1, 2, 3, 4])}</div></article></main></body></html>`;
    expect(text(html).startsWith('The trust has counted salmon')).toBe(true);
  });

  it('still leaves out a named one-sentence deck in the headline block, and a named block inside other chrome', () => {
    const deck =
      'Scientists working for the trust now blame the weirs on the upper river, and not the two dry summers, for a spring count of salmon that fell by half in the valley.';
    expect(text(page(`<header><p class="summary">${deck}</p></header>`))).not.toContain('Scientists working');
    expect(text(page(`<div class="share-tools"><p class="intro">${standfirst}</p></div>`))).not.toContain('The trust has counted');
  });
});

describe('layout utility classes', () => {
  it('keeps blocks whose classes name a margin, padding or alignment side ("margin-bottom", "align-top")', () => {
    const html = salmonArticle(`${paras([1, 2])}
      <div class="row margin-bottom-xl"><p><strong>A question often asked: weir or drought?</strong></p></div>
      <div class="block align-top"><p>The answer, say the trust's scientists, is both.</p></div>${paras([3, 4])}`);
    const out = text(html);
    expect(out).toContain('A question often asked: weir or drought?');
    expect(out).toContain('The answer, say the');
  });
});

describe('hidden that qualifies something else', () => {
  it('keeps a field whose label is hidden, and a block hidden only on small screens', () => {
    const html = salmonArticle(`${paras([1, 2])}
      <div class="field field--label-hidden"><p>The trust was the first to ask for a ban.</p></div>
      <div class="note hidden-xs"><p>The report is online.</p></div>${paras([3, 4])}`);
    const out = text(html);
    expect(out).toContain('The trust was the first to ask for a ban.');
    expect(out).toContain('The report is online.');
  });
});

describe('headings inside the body', () => {
  it('keeps subheadings whose slug id reads like chrome', () => {
    const html = salmonArticle(`${paras([1, 2])}
      <h3 class="subheading" id="nav_only_the_weirs_remain__1">Only the weirs remain</h3>${paras([3, 4])}
      <h2 id="related-links">More on rivers</h2><p>${para(5)}</p>`);
    const out = text(html);
    expect(out).toContain('Only the weirs remain');
    expect(out).toContain('More on rivers');
    expect(out).toContain('Paragraph 5 describes');
  });
});

describe('tables inside the body', () => {
  it('keeps table cells that hold one link, and still drops a cell that is a list of links', () => {
    const row = (name: string, n: number): string =>
      `<tr><td><a href="/seat/${n}">${name}</a></td><td>${n} kg, rear-facing to 105 cm, fits an ISOFIX base, tested in frontal and side impacts</td></tr>`;
    const html = `<!doctype html><html lang="en"><head><title>Seat test</title></head><body><article><h1>Seat test</h1>${paras([1, 2, 3])}
      <table><tbody>${row('Harbour Junior i-Size', 9)}${row('Valley Carrier Plus', 12)}
      <tr><td><a href="/a">Home</a> <a href="/b">Seats</a> <a href="/c">Prams</a></td><td>menu</td></tr></tbody></table>${paras([4])}</article></body></html>`;
    const out = text(html);
    expect(out).toContain('Harbour Junior i-Size');
    expect(out).toContain('Valley Carrier Plus');
    expect(out).not.toContain('Prams');
  });
});

describe('climbing past a wrapper of ads', () => {
  it('takes the ancestor whose extra text is mostly prose even when the wrapper between adds none', () => {
    const short = (n: number): string =>
      `<div class="note-${'abcde'[n]}"><p>Note ${n}: the trust's volunteers walked the bank at dawn and logged every fish they saw.</p></div>`;
    const html = `<!doctype html><html lang="en"><head><title>Salmon count</title></head><body><main><h1>Salmon count</h1>
      <div class="outer"><div class="wrap"><div class="story">${paras([1, 2, 3])}</div><div class="slot">Anzeige · Werbung · Sponsored placement here</div></div>
      ${[0, 1, 2, 3, 4].map(short).join('')}</div>
      <div class="rail">${['a', 'b', 'c', 'd', 'e', 'f'].map((t) => `<p><a href="/s/${t}">Another story headline, number ${t}, elsewhere</a></p>`).join('')}</div></main></body></html>`;
    const out = text(html);
    expect(out).toContain('Paragraph 3 describes');
    expect(out).toContain('Note 0:');
    expect(out).toContain('Note 4:');
    expect(out).not.toContain('Another story');
  });
});

describe('consent layers', () => {
  it('prefers a short article to a longer cookie-policy layer', () => {
    const policy = [1, 2, 3, 4, 5]
      .map(
        (n) =>
          `<p>Clause ${n}: we and our partners store and access information on your device, such as cookies and unique identifiers, to measure audiences and personalise content.</p>`,
      )
      .join('');
    const html = `<!doctype html><html lang="en"><head><title>Salmon count</title></head><body>
      <div class="consent-sdk"><div class="policy-text">${policy}</div></div>
      <main><article><h1>Salmon count</h1>${paras([1, 2, 3, 4])}</article></main></body></html>`;
    const out = text(html);
    expect(out).toContain('Paragraph 4 describes');
    expect(out).not.toContain('Clause 1');
  });
});

describe('links inside running text', () => {
  it('keeps keyword links whose class reads like chrome', () => {
    const html = salmonArticle(`${paras([1, 2])}
      <p>The count at <a class="tag-link" href="/tags/weir">Mill Weir</a> fell by half this spring, and the trust's scientists say the <a class="tags" href="/tags/drought">drought</a> is only part of the story of the valley's decline.</p>
      ${paras([3])}`);
    expect(text(html)).toContain(
      "The count at Mill Weir fell by half this spring, and the trust's scientists say the drought is only part",
    );
  });
});

describe('deep markup', () => {
  it('looks for a standfirst in deeply nested markup without overflowing the stack', () => {
    const html = `<html><body><h1>Salmon count</h1>${'<div>'.repeat(20000)}${paras([1, 2, 3])}${'</div>'.repeat(20000)}</body></html>`;
    expect(text(html)).toContain('Paragraph 3 describes');
  });
});

describe('picture credits', () => {
  it('drops a credit line opened by "©", standing alone or nested inside a caption', () => {
    const html = salmonArticle(`
      <figure><img src="/a.jpg"><figcaption>Volunteers count the fish at the weir on a cold morning before the spring floods, as every year since the trust began its survey. <span class="src"><em class="pic">© Ann Lee/Photo Agency</em></span></figcaption></figure>
      <p class="pic-note">© Bo Berg/Photo Agency</p>
      ${paras([1, 2, 3])}`);
    const out = text(html);
    expect(out).toContain('Volunteers count the fish');
    expect(out).toContain('Paragraph 3 describes');
    expect(out).not.toContain('Ann Lee');
    expect(out).not.toContain('Bo Berg');
  });
});

describe('chrome phrases', () => {
  it('drops ad labels set off by punctuation, empty comment sections, login prompts, author-box headings and related-content calls', () => {
    const html = `<!doctype html><html lang="de"><head><title>Lachszählung</title></head><body><article><h1>Lachszählung</h1>
      ${paras([1, 2])}<p>- Anzeige -</p><p>Anzeige, enthält Partnerlinks</p>${paras([3])}
      <h3>Über den Autor</h3><p>Das könnte Sie auch interessieren:</p><h3>Keine Kommentare</h3>
      <p>Sie müssen sich einloggen, um an der Diskussion teilzunehmen.</p></article></body></html>`;
    const out = text(html);
    expect(out).toContain('Paragraph 3 describes');
    for (const s of ['Anzeige', 'Über den Autor', 'interessieren', 'Keine Kommentare', 'einloggen']) expect(out).not.toContain(s);
  });
});

describe('datelines, labels and neighbour links', () => {
  it('drops date-only lines, source and picture labels, links to the next post, citation boxes and calls to join', () => {
    const html = `<!doctype html><html lang="de"><head><title>Lachszählung</title></head><body><article><h1>Lachszählung</h1>
      <p>23.10.2018</p>${paras([1, 2])}<p>Źródło: Agencja Rzeczna</p><p>(Credit: Ann Lee / River Gazette)</p><p>Beitragsbild: Fischtreppe am Wehr</p>
      ${paras([3])}<p>Vorschau auf den nächsten Artikel</p><p>Suggested citation: Lee, Ann: Salmon count, River Blog, 2020/4/09.</p>
      <p>Hazte miembro y disfruta de beneficios exclusivos</p><p>Mit dem Newsletter 2023 nichts mehr versäumen!</p></article></body></html>`;
    const out = text(html);
    expect(out).toContain('Paragraph 3 describes');
    for (const s of ['23.10.2018', 'Źródło', 'Credit', 'Beitragsbild', 'Vorschau', 'citation', 'Hazte', 'versäumen'])
      expect(out).not.toContain(s);
  });
});

describe('long calls to join and disclosures', () => {
  it('drops a prose-length call to join a channel and an affiliate disclosure', () => {
    const html = `<!doctype html><html lang="es"><head><title>Salmon count</title></head><body><article><h1>Salmon count</h1>${paras([1, 2, 3])}
      <p>¿Ya sabías que en River Gazette tenemos canal de Telegram? Únete desde tu celular en este enlace de invitación.</p>
      <p>We recommend the best gear through an independent review process, and we may earn a commission if you buy through our links.</p></article></body></html>`;
    const out = text(html);
    expect(out).toContain('Paragraph 3 describes');
    for (const s of ['Telegram', 'commission']) expect(out).not.toContain(s);
  });
});

describe('calls to action', () => {
  it('drops follow-us, app-download and login-to-comment lines long enough to read as a paragraph', () => {
    const html = salmonArticle(`${paras([1, 2, 3])}
      <div class="note"><em>Follow the River Gazette on Twitter and Instagram for live updates from the valley and the weirs every day.</em></div>
      <p>For the latest stories and breaking news updates download the River Gazette apps for iOS and Android.</p>
      <p>To comment on the story "Salmon count" you must be logged in with your reader account first.</p>`);
    const out = text(html);
    expect(out).toContain('Paragraph 3 describes');
    for (const s of ['Twitter', 'iOS', 'logged in']) expect(out).not.toContain(s);
  });
});

describe('slug classes', () => {
  it('reads words in a sentence-slug class or id as a name, not as chrome ("promoted", "share")', () => {
    const slide = (n: number, slugText: string): string => `<div class="slide ${slugText}"><h2>Look ${n}</h2><p>${para(n)}</p></div>`;
    const html = salmonArticle(`
      ${slide(1, 'she-promoted-the-count-in-london-while-wearing-a-hat')}${slide(2, 'a-fair-share-of-the-weirs-were-mapped')}${slide(3, 'volunteers-came-back-in-spring')}
      <div class="promo-box"><p>The weekly letter from our river desk lands each Friday, with maps, counts and a note from the editor.</p></div>`);
    const out = text(html);
    for (const n of [1, 2, 3]) expect(out).toContain(`Paragraph ${n} describes`);
    expect(out).not.toContain('weekly letter');
  });
});

describe('lists of prose', () => {
  it('keeps the link-only items of a list whose items are mostly prose, but drops a list of links', () => {
    const item = (n: number): string =>
      `<li>Volunteer team ${n} walked the upper weirs at dawn and logged every fish that passed the gauge.</li>`;
    const html = salmonArticle(`${paras([1, 2, 3])}
      <ul>${item(1)}<li><a href="/review">Here is our year in review!</a></li>${item(2)}${item(3)}</ul>
      <ul><li><a href="/a">Weir maps</a></li><li><a href="/b">Gauge data</a></li><li><a href="/c">Contact the desk</a></li></ul>`);
    const out = text(html);
    expect(out).toContain('Volunteer team 3');
    expect(out).toContain('Here is our year in review!');
    expect(out).not.toContain('Gauge data');
  });
});

describe('lists between paragraphs', () => {
  it('keeps a list of short links set between paragraphs, but not a list of headline teasers there', () => {
    const short = ['Weir maps', 'Gauge data', 'Trust annual report', 'County water plan']
      .map((t, i) => `<li><a href="/r/${i}">${t}</a></li>`)
      .join('');
    const teasers = [1, 2, 3, 4]
      .map((i) => `<li><a href="/s/${i}">Teaser headline number ${i} about another story entirely, read it now</a></li>`)
      .join('');
    const html = salmonArticle(`
      ${paras([1, 2])}<ul>${short}</ul>${paras([3])}<ul>${teasers}</ul>${paras([4])}`);
    const out = text(html);
    expect(out).toContain('Trust annual report');
    expect(out).toContain('Paragraph 4 describes');
    expect(out).not.toContain('Teaser headline');
  });
});

describe('linked section headings', () => {
  it('keeps a short linked heading followed by prose, but not linked teaser headings followed by links', () => {
    const html = salmonArticle(`${paras([1, 2])}
      <h3><a href="/weir-4">Weir four ($20)</a></h3>${paras([3])}
      <h3><a href="/s/1">Another story</a></h3><p><a href="/s/1">Read the other story about the county and the dry summers here</a></p>
      ${paras([4])}`);
    const out = text(html);
    expect(out).toContain('Weir four ($20)');
    expect(out).toContain('Paragraph 4 describes');
    expect(out).not.toContain('Another story');
  });
});

describe('testimonials', () => {
  it('drops a testimonials collection of quotes beside the article, but keeps a pull quote', () => {
    const quote = (n: number): string =>
      `<div class="card"><blockquote>Reader ${n}: this letter changed how I see the river, the counts and the weirs, and I read it every single month without fail.</blockquote></div>`;
    const html = `<!doctype html><html lang="en"><head><title>Salmon count</title></head><body><main>
      <article><h1>Salmon count</h1>${paras([1, 2, 3])}<div class="embed"><blockquote>The upper valley needs the water more than the town does, and it needs it in August, said the trust.</blockquote></div>${paras([4])}</article>
      <section><div class="testimonials-wrapper">${[1, 2, 3, 4, 5, 6].map(quote).join('')}</div></section></main></body></html>`;
    const out = text(html);
    expect(out).toContain('Paragraph 4 describes');
    expect(out).toContain('needs it in August');
    expect(out).not.toContain('Reader 2');
  });
});

describe('review calls', () => {
  it('drops "Read the full review" lines under product blurbs', () => {
    const html = salmonArticle(`${paras([1, 2])}
      <p><a href="/r/1">Read the full review</a> of the gauge</p>${paras([3])}<p>Read the entire review</p>`);
    const out = text(html);
    expect(out).toContain('Paragraph 3 describes');
    expect(out).not.toContain('review');
  });
});
