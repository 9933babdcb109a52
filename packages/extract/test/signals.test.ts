import { publisherSignals } from '../src';

describe('publisherSignals', () => {
  it('reads meta robots noarchive/noindex/none', () => {
    expect(publisherSignals('<head><meta name="robots" content="noarchive"></head>').noarchive).toBe(true);
    expect(publisherSignals("<head><meta content='NOINDEX, follow' name='Robots'></head>").noindex).toBe(true);
    const none = publisherSignals('<meta name="robots" content="none">');
    expect(none.noindex && none.noarchive).toBe(true);
  });

  it('reads X-Robots-Tag, ignoring directives scoped to other bots', () => {
    expect(publisherSignals('', { 'x-robots-tag': 'noarchive' }).noarchive).toBe(true);
    expect(publisherSignals('', { 'x-robots-tag': 'googlebot: noindex' }).noindex).toBe(false);
    expect(publisherSignals('', { 'x-robots-tag': 'newslinebot: noindex' }).noindex).toBe(true);
  });

  it('reads TDMRep reservations from the header and the meta tag', () => {
    expect(publisherSignals('', { 'tdm-reservation': '1' }).tdmReserved).toBe(true);
    expect(publisherSignals('<meta name="tdm-reservation" content="1">').tdmReserved).toBe(true);
    expect(publisherSignals('<meta name="tdm-reservation" content="0">').tdmReserved).toBe(false);
  });

  it('ignores robots meta in the body and reports nothing on a plain page', () => {
    const s = publisherSignals('<head><title>x</title></head><body><meta name="robots" content="noindex"></body>');
    expect(s).toEqual({ noarchive: false, noindex: false, tdmReserved: false, reasons: [] });
  });
});
