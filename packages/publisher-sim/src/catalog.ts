import { EN, EN_TOPICS_NEWS, EN_TOPICS_SCIENCE, ES, ES_TOPICS, JA, JA_TOPICS, RU, RU_TOPICS, type LangBank, type Topic } from './banks';

export type FeedFormat = 'rss2' | 'atom1' | 'jsonfeed1.1';

export interface DemoFeed {
  /** Path on the demo server, e.g. `/harbor-ledger/rss.xml`. */
  path: string;
  format: FeedFormat;
  /** The charset the feed and its article pages are served in (HTTP header, XML declaration, `<meta charset>`). */
  charset: 'utf-8' | 'Shift_JIS' | 'windows-1251';
  title: string;
  /** Section the feed covers. */
  section: string;
  /** Entries present at server start. */
  initialEntries: number;
}

export interface DemoSource {
  key: string;
  name: string;
  /** Path of the outlet's home page on the demo server, e.g. `/harbor-ledger/`. */
  homepage: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
  /** BCP 47 language tags. */
  languages: string[];
  /** The credit line a consumer must show with the content. */
  attribution: string;
  feeds: DemoFeed[];
}

/** Invented outlets, written for the demo; none of their content is real reporting. */
export const DEMO_SOURCES: readonly DemoSource[] = [
  {
    key: 'harbor-ledger',
    name: 'The Harbor Ledger',
    homepage: '/harbor-ledger/',
    country: 'GB',
    languages: ['en'],
    attribution: '© The Harbor Ledger (invented demo outlet). Content generated for Newsline demos and tests.',
    feeds: [
      {
        path: '/harbor-ledger/rss.xml',
        format: 'rss2',
        charset: 'utf-8',
        title: 'The Harbor Ledger — Local news',
        section: 'news',
        initialEntries: 12,
      },
      {
        path: '/harbor-ledger/science/atom.xml',
        format: 'atom1',
        charset: 'utf-8',
        title: 'The Harbor Ledger — Science',
        section: 'science',
        initialEntries: 10,
      },
    ],
  },
  {
    key: 'sakura-nippo',
    name: 'さくら日報',
    homepage: '/sakura-nippo/',
    country: 'JP',
    languages: ['ja'],
    attribution: '© さくら日報 Sakura Nippo (invented demo outlet). Content generated for Newsline demos and tests.',
    feeds: [
      {
        path: '/sakura-nippo/rss.xml',
        format: 'rss2',
        charset: 'Shift_JIS',
        title: 'さくら日報 ニュース',
        section: 'news',
        initialEntries: 12,
      },
    ],
  },
  {
    key: 'volzhsky-vestnik',
    name: 'Волжский вестник',
    homepage: '/volzhsky-vestnik/',
    country: 'RU',
    languages: ['ru'],
    attribution: '© «Волжский вестник» Volzhsky Vestnik (invented demo outlet). Content generated for Newsline demos and tests.',
    feeds: [
      {
        path: '/volzhsky-vestnik/atom.xml',
        format: 'atom1',
        charset: 'windows-1251',
        title: 'Волжский вестник — новости',
        section: 'news',
        initialEntries: 11,
      },
    ],
  },
  {
    key: 'brisa-austral',
    name: 'Diario Brisa Austral',
    homepage: '/brisa-austral/',
    country: 'CL',
    languages: ['es'],
    attribution: '© Diario Brisa Austral (invented demo outlet). Content generated for Newsline demos and tests.',
    feeds: [
      {
        path: '/brisa-austral/feed.json',
        format: 'jsonfeed1.1',
        charset: 'utf-8',
        title: 'Diario Brisa Austral',
        section: 'news',
        initialEntries: 9,
      },
    ],
  },
];

/** The sentence bank and topics behind each feed (by feed path). */
export function contentFor(source: DemoSource, feed: DemoFeed): { bank: LangBank; topics: Topic[] } {
  switch (source.key) {
    case 'harbor-ledger':
      return { bank: EN, topics: feed.section === 'science' ? EN_TOPICS_SCIENCE : EN_TOPICS_NEWS };
    case 'sakura-nippo':
      return { bank: JA, topics: JA_TOPICS };
    case 'volzhsky-vestnik':
      return { bank: RU, topics: RU_TOPICS };
    case 'brisa-austral':
      return { bank: ES, topics: ES_TOPICS };
    default:
      throw new Error(`no content bank for source ${source.key}`);
  }
}
