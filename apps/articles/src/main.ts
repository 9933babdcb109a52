import { bootApp } from '@newsline/lifecycle';

// The articles subgraph: GraphQL over the article store (schema arrives with the API issue).
void bootApp({
  name: 'articles',
  port: (c) => c.ARTICLES_PORT,
  setup: async ({ store }) => {
    await store.ensureIndexes();
    return {};
  },
});
