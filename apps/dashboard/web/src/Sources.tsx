import { useEffect, useState } from 'react';
import { ago, gql, SOURCE_DETAILS_QUERY, type SourceDetails, type SourceInfo } from './api';

const first = (xs: (string | null)[], pick: (a: string, b: string) => boolean) =>
  xs.reduce<string | null>((m, x) => (x && (!m || pick(x, m)) ? x : m), null);

/** Source health: last fetch, errors and next poll per source, from its feeds. */
export function Sources({ sources, reload }: { sources: SourceInfo[]; reload: () => Promise<void> }) {
  const [error, setError] = useState('');
  const [details, setDetails] = useState<Map<string, SourceDetails>>(new Map());
  useEffect(() => {
    gql<{ sources: SourceDetails[] }>(SOURCE_DETAILS_QUERY).then(
      (r) => setDetails(new Map(r.sources.map((d) => [d.id, d]))),
      () => undefined, // details are an extra: the table stands without them
    );
  }, [sources]);
  const pause = async (s: SourceInfo) => {
    try {
      await gql('mutation($id: ID!, $p: Boolean!) { pauseSource(id: $id, paused: $p) { id paused } }', { id: s.id, p: !s.paused });
      setError('');
      await reload();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <section className="card wide">
      <h2>Source health</h2>
      {error && <div className="banner error">{error}</div>}
      <table className="table" data-testid="sources">
        <thead>
          <tr>
            <th>Source</th>
            <th>Status</th>
            <th>Feeds</th>
            <th>Mode</th>
            <th>Articles</th>
            <th>Last fetch</th>
            <th>Last success</th>
            <th>Errors</th>
            <th>Next poll</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {sources.map((s) => {
            const lastFetch = first(
              s.feeds.map((f) => f.lastFetchAt),
              (a, b) => a > b,
            );
            const nextPoll = first(
              s.feeds.filter((f) => !f.paused).map((f) => f.nextPollAt),
              (a, b) => a < b,
            );
            const errors = s.feeds.reduce((n, f) => n + f.consecutiveErrors, 0);
            const lastError = s.feeds.find((f) => f.lastError)?.lastError;
            const d = details.get(s.id);
            const websubOf = (feedId: string) => d?.feeds.find((f) => f.id === feedId)?.websub;
            const discovery = d?.discovery;
            return (
              <tr key={s.id}>
                <td>
                  <a href={s.homepage} target="_blank" rel="noopener noreferrer">
                    {s.name}
                  </a>
                  <div className="muted">
                    {s.key}
                    {s.country ? ` · ${s.country}` : ''}
                    {s.languages.length ? ` · ${s.languages.join(', ')}` : ''}
                  </div>
                </td>
                <td>
                  <span className={`status ${s.paused ? 'paused' : s.health.status}`}>{s.paused ? 'paused' : s.health.status}</span>
                </td>
                <td>
                  {s.counts.feeds}
                  {s.health.failingFeeds ? <span className="muted"> ({s.health.failingFeeds} failing)</span> : null}
                </td>
                <td data-testid="feed-modes">
                  {s.feeds.map((f) => {
                    const w = websubOf(f.id);
                    return (
                      <div
                        key={f.id}
                        title={`${f.url}\nfound via ${f.discoveredVia ?? 'manual'}${w ? `\nWebSub ${w.state} at ${w.hub}${w.expiresAt ? ` until ${w.expiresAt}` : ''}; ${w.pushes} pushes, ${w.rejectedPushes} forged dropped` : ''}`}
                      >
                        <span className={`status ${f.mode === 'push' ? 'ok' : 'paused'}`}>{f.mode}</span>{' '}
                        <span className="muted">
                          {f.kind === 'sitemap' ? 'sitemap' : 'feed'} · {f.discoveredVia ?? 'manual'}
                        </span>
                      </div>
                    );
                  })}
                  {discovery && (
                    <div
                      className="muted"
                      title={[
                        ...discovery.feeds.map((f) => `found ${f.url} (${f.format}, via ${f.via})`),
                        ...discovery.sitemaps.map((m) => `sitemap ${m.url} (${m.urls} URLs, ${m.news} news)`),
                        ...discovery.rejected.map((r) => `refused ${r.url} (${r.via}): ${r.reason}`),
                      ].join('\n')}
                    >
                      discovery: {discovery.feeds.length} found, {discovery.sitemaps.length} sitemaps, {discovery.rejected.length} refused
                      {discovery.error ? ` · ${discovery.error}` : ''}
                    </div>
                  )}
                </td>
                <td>{s.counts.articles}</td>
                <td>{ago(lastFetch)}</td>
                <td>{ago(s.health.lastSuccessAt)}</td>
                <td title={lastError ?? ''}>
                  {errors ? (
                    <span className="err">
                      {errors} · {lastError}
                    </span>
                  ) : (
                    '0'
                  )}
                </td>
                <td>{s.paused ? '—' : ago(nextPoll)}</td>
                <td>
                  <button className="small" onClick={() => void pause(s)}>
                    {s.paused ? 'Resume' : 'Pause'}
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
