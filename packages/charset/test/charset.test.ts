import iconv from 'iconv-lite';
import { decodeBytes, normalizeCharset } from '../src';

const ru = 'Новости дня: экономика и политика, спорт и культура в одной ленте';
const ja = '東京で新しい美術館が開館しました。多くの人が訪れています。';

describe('decodeBytes', () => {
  it('honours a BOM over everything else', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(ru)]);
    expect(decodeBytes(bytes, { contentType: 'text/xml; charset=koi8-r', kind: 'xml' })).toMatchObject({ text: ru, source: 'bom' });
  });

  it('uses the HTTP charset before the declaration', () => {
    const xml = `<?xml version="1.0" encoding="utf-8"?><t>${ru}</t>`;
    const d = decodeBytes(iconv.encode(xml, 'windows-1251'), { contentType: 'application/rss+xml; charset=windows-1251', kind: 'xml' });
    expect(d.text).toContain(ru);
    expect(d.source).toBe('http');
  });

  it('reads the XML declaration (Shift_JIS as cp932)', () => {
    const xml = `<?xml version="1.0" encoding="Shift_JIS"?><t>${ja}</t>`;
    const d = decodeBytes(iconv.encode(xml, 'cp932'), { kind: 'xml' });
    expect(d.text).toContain(ja);
    expect(d.source).toBe('declaration');
  });

  it('reads <meta charset> and http-equiv in HTML', () => {
    const a = iconv.encode(`<html><head><meta charset="koi8-r"></head><body>${ru}</body></html>`, 'koi8-r');
    expect(decodeBytes(a, { kind: 'html' }).text).toContain(ru);
    const b = iconv.encode(`<html><head><meta http-equiv="Content-Type" content="text/html; charset=euc-jp"></head><p>${ja}</p>`, 'euc-jp');
    expect(decodeBytes(b, { kind: 'html' }).text).toContain(ja);
  });

  it('detects undeclared legacy encodings and ignores a false UTF-8 label', () => {
    const bytes = iconv.encode(`<rss><title>${ru} ${ru}</title></rss>`, 'windows-1251');
    const d = decodeBytes(bytes, { contentType: 'text/xml; charset=utf-8', kind: 'xml' });
    expect(d.source).toBe('detected');
    expect(d.text).toContain(ru);
  });

  it('detects short undeclared Cyrillic feeds that statistics alone read as Latin-1', () => {
    const xml =
      '<?xml version="1.0"?><rss version="2.0"><channel><title>Новости России</title><item><title>Правительство утвердило бюджет</title></item></channel></rss>';
    for (const cs of ['windows-1251', 'koi8-r']) {
      const d = decodeBytes(iconv.encode(xml, cs), { kind: 'xml' });
      expect(d.text).toBe(xml);
      expect(d.charset).toBe(cs);
    }
  });

  it('maps legacy labels to the superset browsers use', () => {
    expect(normalizeCharset('Shift_JIS')).toBe('cp932');
    expect(normalizeCharset('ISO-8859-1')).toBe('windows-1252');
    expect(normalizeCharset('no-such-charset')).toBeUndefined();
  });
});
