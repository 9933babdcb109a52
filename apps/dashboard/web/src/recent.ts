// The chart's data loader: kept free of DOM and React so jest can run it.

/** The API's largest page (apps/articles MAX_PAGE): a larger `first` is rejected with an error. */
export const PAGE = 100;
/** Enough for a busy day of the demo stack; the chart says when it stopped short. */
export const MAX_PAGES = 20;

interface Page<N> {
  headlines: { edges: { node: N }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
}
export type Gql = <T>(query: string, variables: Record<string, unknown>) => Promise<T>;

/**
 * Every headline published since `from` matching `filter`, page by page within the API's limit.
 * Errors propagate: the chart shows them instead of claiming there were no articles.
 */
export async function loadRecent<N>(
  gql: Gql,
  fields: string,
  filter: Record<string, unknown>,
  from: Date,
): Promise<{ items: N[]; truncated: boolean }> {
  const query = `query($f: HeadlineFilter, $after: String) { headlines(first: ${PAGE}, after: $after, filter: $f) {
    edges { node { ${fields} } } pageInfo { hasNextPage endCursor } } }`;
  const items: N[] = [];
  let after: string | null = null;
  for (let i = 0; i < MAX_PAGES; i++) {
    const d: Page<N> = await gql<Page<N>>(query, { f: { ...filter, from: from.toISOString() }, after });
    items.push(...d.headlines.edges.map((e) => e.node));
    if (!d.headlines.pageInfo.hasNextPage || !d.headlines.pageInfo.endCursor) return { items, truncated: false };
    after = d.headlines.pageInfo.endCursor;
  }
  return { items, truncated: true };
}
