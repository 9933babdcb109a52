import { useEffect, useMemo, useRef, useState } from 'react';
import type { Client } from 'graphql-ws';
import { ago, gql, type Headline, type SourceInfo } from './api';
import { PerHourChart } from './Chart';
import { loadRecent } from './recent';

const FIELDS = 'id title url sourceUrl publishedAt language country source { id name attribution } story { id }';

interface Node extends Omit<Headline, 'storyId'> {
  story: { id: string } | null;
}
interface Conn {
  edges: { node: Node }[];
}

const toHeadline = (n: Node): Headline => ({ ...n, source: n.source ?? { id: '' }, storyId: n.story?.id ?? null });

/** Same rule as the server's search: every word must appear (case-insensitive) — used for live arrivals. */
const matches = (title: string, q: string) =>
  q
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((w) => title.toLowerCase().includes(w));

export function Headlines({ client, sources }: { client: Client; sources: SourceInfo[] }) {
  const [language, setLanguage] = useState('');
  const [country, setCountry] = useState('');
  const [sourceId, setSourceId] = useState('');
  const [draft, setDraft] = useState('');
  const [query, setQuery] = useState('');
  const [items, setItems] = useState<Headline[]>([]);
  const [recent, setRecent] = useState<Headline[]>([]);
  const [error, setError] = useState('');
  const [loading, setLoading] = useState(true);
  const [openStory, setOpenStory] = useState<string | null>(null);
  // Headlines that arrived over the subscription for the current filter. A query answer may be a
  // few seconds old (the gateway caches pages): arrivals it does not list yet are kept on top.
  const arrived = useRef(new Map<string, Headline>());
  // Bumped when a live subscription ends (the server's events were interrupted, e.g. Redis
  // restarted): subscribe again and re-run the query, which catches up on what the gap missed.
  const [liveEpoch, setLiveEpoch] = useState(0);

  const filter = useMemo(
    () => ({
      ...(language ? { languages: [language] } : {}),
      ...(country ? { countries: [country] } : {}),
      ...(sourceId ? { sourceIds: [sourceId] } : {}),
    }),
    [language, country, sourceId],
  );
  const names = useMemo(() => new Map(sources.map((s) => [s.id, s.name])), [sources]);
  const languages = useMemo(() => [...new Set(sources.flatMap((s) => s.languages))].sort(), [sources]);
  const countries = useMemo(() => [...new Set(sources.map((s) => s.country).filter((c): c is string => !!c))].sort(), [sources]);

  // Arrivals belong to the filter they were subscribed with (declared first: runs before the query below).
  useEffect(() => arrived.current.clear(), [filter]);

  useEffect(() => {
    let stale = false;
    setLoading(true);
    const q = query
      ? gql<{ search: Conn }>(
          `query($q: String!, $f: HeadlineFilter) { search(first: 60, query: $q, filter: $f) { edges { node { ${FIELDS} } } } }`,
          { q: query, f: filter },
        ).then((d) => d.search)
      : gql<{ headlines: Conn }>(`query($f: HeadlineFilter) { headlines(first: 60, filter: $f) { edges { node { ${FIELDS} } } } }`, {
          f: filter,
        }).then((d) => d.headlines);
    q.then(
      (c) => {
        if (stale) return;
        const page = c.edges.map((e) => toHeadline(e.node));
        const listed = new Set(page.map((h) => h.id));
        const oldest = page.at(-1)?.publishedAt ?? '';
        const extra = [...arrived.current.values()].filter(
          (h) => !listed.has(h.id) && h.publishedAt >= oldest && (!query || matches(h.title, query)),
        );
        setItems([...extra, ...page].sort((a, b) => b.publishedAt.localeCompare(a.publishedAt)));
        setError('');
      },
      (e: Error) => !stale && setError(e.message),
    ).finally(() => !stale && setLoading(false));
    return () => {
      stale = true;
    };
  }, [filter, query, liveEpoch]);

  // The chart's data: the last 24 h, independent of the search box, paged within the API's limit.
  const [chartError, setChartError] = useState('');
  useEffect(() => {
    const load = () =>
      loadRecent<Node>(gql, FIELDS, filter, new Date(Date.now() - 24 * 3_600_000)).then(
        (r) => {
          setRecent(r.items.map(toHeadline));
          setChartError(r.truncated ? `showing the latest ${r.items.length} only` : '');
        },
        (e: Error) => setChartError(`chart: ${e.message}`),
      );
    void load();
    const t = setInterval(() => void load(), 60_000);
    return () => clearInterval(t);
  }, [filter]);

  // Live: added headlines (filtered on the server) and removals (takedowns) for everyone.
  useEffect(() => {
    let closed = false;
    const again = () => {
      if (closed) return;
      closed = true;
      setTimeout(() => setLiveEpoch((n) => n + 1), 1000);
    };
    const live = {
      ...(filter.languages ? { languages: filter.languages } : {}),
      ...(filter.countries ? { countries: filter.countries } : {}),
      ...(filter.sourceIds ? { sourceIds: filter.sourceIds } : {}),
    };
    const offAdded = client.subscribe<{ headlineAdded: Omit<Headline, 'storyId'> }>(
      {
        query: `subscription($f: LiveFilter) { headlineAdded(filter: $f) { id title url sourceUrl publishedAt language country source { id name attribution } } }`,
        variables: { f: live },
      },
      {
        next: (r) => {
          const raw = r.data?.headlineAdded;
          if (!raw) return;
          // A source the sources subgraph cannot resolve (just deleted) comes back null: keep the headline.
          const h = { ...raw, source: raw.source ?? { id: '' } };
          const add = (list: Headline[]) => (list.some((x) => x.id === h.id) ? list : [{ ...h, live: true }, ...list]);
          arrived.current.set(h.id, { ...h, storyId: null, live: true });
          if (arrived.current.size > 200) arrived.current.delete(arrived.current.keys().next().value!);
          if (!query || matches(h.title, query)) setItems(add);
          setRecent(add);
        },
        error: again,
        complete: again,
      },
    );
    const offRemoved = client.subscribe<{ headlineRemoved: { id: string } }>(
      { query: 'subscription { headlineRemoved { id url at } }' },
      {
        next: (r) => {
          const id = r.data?.headlineRemoved.id;
          if (!id) return;
          arrived.current.delete(id);
          setItems((l) => l.filter((x) => x.id !== id));
          setRecent((l) => l.filter((x) => x.id !== id));
        },
        error: again,
        complete: again,
      },
    );
    return () => {
      closed = true;
      offAdded();
      offRemoved();
    };
  }, [client, filter, query, liveEpoch]);

  // Story groups: the first (newest) article of a story leads, the others fold under it.
  const groups = useMemo(() => {
    const out: { lead: Headline; more: Headline[] }[] = [];
    const byStory = new Map<string, { lead: Headline; more: Headline[] }>();
    for (const h of items) {
      const g = h.storyId ? byStory.get(h.storyId) : undefined;
      if (g) g.more.push(h);
      else {
        const n = { lead: h, more: [] as Headline[] };
        out.push(n);
        if (h.storyId) byStory.set(h.storyId, n);
      }
    }
    return out;
  }, [items]);

  return (
    <div className="headlines-view">
      <section className="feed">
        <form
          className="filters"
          onSubmit={(e) => {
            e.preventDefault();
            setQuery(draft.trim());
          }}
        >
          <input
            type="search"
            placeholder="Search headlines…"
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            aria-label="Search"
          />
          <button type="submit">Search</button>
          {query && (
            <button
              type="button"
              className="ghost"
              onClick={() => {
                setDraft('');
                setQuery('');
              }}
            >
              Clear
            </button>
          )}
          <select value={language} onChange={(e) => setLanguage(e.target.value)} aria-label="Language">
            <option value="">All languages</option>
            {languages.map((l) => (
              <option key={l}>{l}</option>
            ))}
          </select>
          <select value={country} onChange={(e) => setCountry(e.target.value)} aria-label="Country">
            <option value="">All countries</option>
            {countries.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
          <select value={sourceId} onChange={(e) => setSourceId(e.target.value)} aria-label="Source">
            <option value="">All sources</option>
            {sources.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </form>
        <div className="meta">
          {loading ? 'Loading…' : query ? `${items.length} result(s) for “${query}”` : `${items.length} latest headlines`} · new ones appear
          live
        </div>
        {error && <div className="banner error">{error}</div>}
        <ol className="list" data-testid="headlines">
          {groups.map(({ lead, more }) => (
            <li key={lead.id} className={lead.live ? 'item live-new' : 'item'} data-id={lead.id}>
              <HeadlineRow h={lead} names={names} />
              {more.length > 0 && (
                <div className="story">
                  <button className="link" onClick={() => setOpenStory(openStory === lead.id ? null : lead.id)}>
                    {openStory === lead.id ? '▾' : '▸'} {more.length} more in this story
                  </button>
                  {openStory === lead.id && (
                    <ul>
                      {more.map((m) => (
                        <li key={m.id} data-id={m.id}>
                          <HeadlineRow h={m} names={names} />
                        </li>
                      ))}
                    </ul>
                  )}
                </div>
              )}
            </li>
          ))}
          {!loading && groups.length === 0 && (
            <li className="empty">No headlines yet. They appear here as soon as the workers store them.</li>
          )}
        </ol>
      </section>
      <aside>
        <PerHourChart items={recent} names={names} error={chartError} />
        <SourceSummary sources={sources} />
      </aside>
    </div>
  );
}

function HeadlineRow({ h, names }: { h: Headline; names: Map<string, string> }) {
  const name = h.source.name ?? names.get(h.source.id) ?? 'source';
  return (
    <div className="row">
      <a className="title" href={h.sourceUrl} target="_blank" rel="noopener noreferrer">
        {h.title}
      </a>
      <div className="byline">
        {h.live && <span className="badge new">new</span>}
        <span className="attribution">{h.source.attribution ?? name}</span>
        <span>·</span>
        <time dateTime={h.publishedAt} title={new Date(h.publishedAt).toLocaleString()}>
          {ago(h.publishedAt)}
        </time>
        {h.language && <span className="badge">{h.language}</span>}
        {h.country && <span className="badge">{h.country}</span>}
      </div>
    </div>
  );
}

function SourceSummary({ sources }: { sources: SourceInfo[] }) {
  return (
    <section className="card">
      <h3>Sources</h3>
      <ul className="health-list">
        {sources.map((s) => (
          <li key={s.id}>
            <span className={`status ${s.paused ? 'paused' : s.health.status}`}>{s.paused ? 'paused' : s.health.status}</span> {s.name}
            <span className="muted"> · {s.counts.articles} articles</span>
          </li>
        ))}
        {sources.length === 0 && <li className="muted">no sources</li>}
      </ul>
    </section>
  );
}
