import { useEffect, useState } from 'react';
import type { Client } from 'graphql-ws';
import { apiKey, gql, liveClient, SOURCES_QUERY, type SourceInfo } from './api';
import { Headlines } from './Headlines';
import { Sources } from './Sources';
import { Takedowns } from './Takedowns';

type Tab = 'headlines' | 'sources' | 'takedowns';

export function App() {
  const [tab, setTab] = useState<Tab>(() => (location.hash.slice(1) as Tab) || 'headlines');
  const [key, setKey] = useState(apiKey.get());
  const [draft, setDraft] = useState(key);
  const [status, setStatus] = useState<'connecting' | 'live' | 'down'>('connecting');
  const [sources, setSources] = useState<SourceInfo[]>([]);
  const [sourcesError, setSourcesError] = useState('');

  // A new key means a new identity on the socket: reconnect with it. Created in an effect so
  // React's StrictMode double-mount disposes and recreates it instead of keeping a dead one.
  const [client, setClient] = useState<Client | null>(null);
  useEffect(() => {
    const c = liveClient(key, setStatus);
    setClient(c);
    return () => void c.dispose();
  }, [key]);

  const loadSources = () =>
    gql<{ sources: SourceInfo[] }>(SOURCES_QUERY).then(
      (d) => {
        setSources(d.sources);
        setSourcesError('');
      },
      (e: Error) => setSourcesError(e.message),
    );
  useEffect(() => {
    void loadSources();
    const t = setInterval(() => void loadSources(), 15_000);
    return () => clearInterval(t);
  }, [key]);

  const go = (t: Tab) => {
    setTab(t);
    history.replaceState(null, '', `#${t}`);
  };

  return (
    <div className="app">
      <header className="top">
        <div className="brand">
          <span className="logo">N</span> Newsline
        </div>
        <nav>
          {(['headlines', 'sources', 'takedowns'] as Tab[]).map((t) => (
            <button key={t} className={tab === t ? 'tab active' : 'tab'} onClick={() => go(t)}>
              {t === 'takedowns' ? 'Takedowns (admin)' : t[0]!.toUpperCase() + t.slice(1)}
            </button>
          ))}
          <a className="tab" href="/admin/queues" target="_blank" rel="noopener">
            Queues ↗
          </a>
        </nav>
        <div className={`live ${status}`} title="graphql-ws connection to the gateway" data-testid="live-status">
          <span className="dot" /> {status === 'live' ? 'live' : status === 'connecting' ? 'connecting…' : 'offline'}
        </div>
        <form
          className="key"
          onSubmit={(e) => {
            e.preventDefault();
            apiKey.set(draft.trim());
            setKey(draft.trim());
          }}
        >
          <input
            type="password"
            placeholder="API key (for admin actions)"
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            aria-label="API key"
          />
          <button type="submit">{key ? 'Update key' : 'Use key'}</button>
        </form>
      </header>
      {sourcesError && <div className="banner error">Sources: {sourcesError}</div>}
      <main>
        {client && tab === 'headlines' && <Headlines client={client} sources={sources} />}
        {tab === 'sources' && <Sources sources={sources} reload={loadSources} />}
        {client && tab === 'takedowns' && <Takedowns client={client} hasKey={!!key} />}
      </main>
      <footer>Every headline links to its publisher’s page. Content belongs to the publishers named with it.</footer>
    </div>
  );
}
