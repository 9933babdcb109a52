import { extractArticle } from '../src';

// Japanese prose packs a paragraph into 40–60 characters; length thresholds tuned on
// alphabetic scripts must still see it as prose rather than fall back to the footer.
describe('CJK articles', () => {
  it('extracts short Japanese paragraphs instead of the footer', () => {
    const paras = [
      '青葉台の伝統的な夏祭りで、3年ぶりに花火大会が開かれた。会場周辺には屋台が並び、浴衣姿の若者や家族連れでにぎわった。',
      '地元の小学生による太鼓の演奏も披露された。主催者は来年以降も開催を続けたい考えだ。',
      '花火の費用の一部は、地域の企業や住民からの寄付でまかなわれた。安全対策として、警備員の数を例年の約2倍に増やした。',
      '市は今年度中に結果をまとめ、報告書として公開する予定だ。詳しい内容は来週にも公表される見通しだ。',
    ];
    const html = `<html lang="ja"><head><title>夏祭り</title></head><body><nav><a href="/">トップ</a><a href="/a">地域</a></nav>
<main><article><h1>青葉台の夏祭り、花火が復活</h1><div class="article-body">${paras.map((p) => `<p>${p}</p>`).join('')}</div></article></main>
<footer><p>© さくら日報 Sakura Nippo. All rights reserved. Content generated for tests and nothing else.</p></footer></body></html>`;
    const r = extractArticle(html, 'https://example.jp/news/1');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    for (const p of paras) expect(r.article.text).toContain(p);
    expect(r.article.text).not.toContain('All rights reserved');
    expect(r.article.language).toBe('ja');
  });
});
