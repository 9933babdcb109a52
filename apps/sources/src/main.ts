import { bootApp } from '@newsline/lifecycle';
import { setupSources } from './app';

// The sources subgraph: publishers, their feeds and feed health, admin mutations, OPML import.
void bootApp({ name: 'sources', port: (c) => c.SOURCES_PORT, setup: setupSources });
