import { DEMO_SOURCES } from '@newsline/publisher-sim';
import type { SourceSpec } from './sources';

/** The demo publisher's catalog as source specs, so a fresh install shows the pipeline working offline. */
export function demoSourceSpecs(baseUrl: string): SourceSpec[] {
  const base = baseUrl.replace(/\/+$/, '');
  return DEMO_SOURCES.map((s) => ({
    key: s.key,
    name: s.name,
    homepage: `${base}${s.homepage}`,
    country: s.country,
    languages: s.languages.map((l) => l.toLowerCase().split('-')[0]!),
    attribution: s.attribution,
    verifiedContacts: [],
    feeds: s.feeds.map((f) => `${base}${f.path}`),
  }));
}
