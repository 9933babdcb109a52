import { bootApp } from '@newsline/lifecycle';
import { setupArticles } from './app';

// The articles subgraph: headlines, search, stories, live headlines (graphql-ws on /graphql).
async function main() {
  let app: Awaited<ReturnType<typeof setupArticles>> | undefined;
  const booted = await bootApp({
    name: 'articles',
    port: (c) => c.ARTICLES_PORT,
    setup: async (ctx) => (app = await setupArticles(ctx)),
  });
  app!.attach(booted.service.server);
}

void main();
