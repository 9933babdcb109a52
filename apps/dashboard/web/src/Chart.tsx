import type { Headline } from './api';

const COLORS = ['#2563eb', '#db2777', '#16a34a', '#ea580c', '#7c3aed', '#0891b2', '#ca8a04', '#dc2626', '#4b5563', '#65a30d'];
const HOURS = 24;

/** Stacked bars: articles per hour per source over the last 24 hours of the loaded headlines. */
export function PerHourChart({ items, names, error }: { items: Headline[]; names: Map<string, string>; error?: string }) {
  const now = Date.now();
  const start = Math.floor(now / 3_600_000) * 3_600_000 - (HOURS - 1) * 3_600_000;
  const bySource = new Map<string, number[]>();
  for (const h of items) {
    const i = Math.floor((Date.parse(h.publishedAt) - start) / 3_600_000);
    if (i < 0 || i >= HOURS) continue;
    const row = bySource.get(h.source.id) ?? new Array<number>(HOURS).fill(0);
    row[i]! += 1;
    bySource.set(h.source.id, row);
  }
  const series = [...bySource.entries()].sort((a, b) => b[1].reduce((x, y) => x + y) - a[1].reduce((x, y) => x + y));
  const totals = Array.from({ length: HOURS }, (_, i) => series.reduce((n, [, r]) => n + r[i]!, 0));
  const max = Math.max(1, ...totals);
  const W = 480;
  const H = 120;
  const bw = W / HOURS;
  return (
    <figure className="chart" data-testid="chart">
      <figcaption>Articles per hour per source (last 24 h)</figcaption>
      <svg viewBox={`0 0 ${W} ${H + 16}`} role="img" aria-label="articles per hour per source">
        <line x1={0} y1={H} x2={W} y2={H} stroke="#d1d5db" />
        {Array.from({ length: HOURS }, (_, i) => {
          let y = H;
          return (
            <g key={i}>
              {series.map(([id, row], s) => {
                const h = (row[i]! / max) * (H - 8);
                y -= h;
                return h > 0 ? (
                  <rect key={id} x={i * bw + 1} y={y} width={bw - 2} height={h} fill={COLORS[s % COLORS.length]}>
                    <title>{`${names.get(id) ?? id}: ${row[i]} at ${new Date(start + i * 3_600_000).getHours()}:00`}</title>
                  </rect>
                ) : null;
              })}
              {i % 6 === 0 && (
                <text x={i * bw + 1} y={H + 12} fontSize={9} fill="#6b7280">
                  {String(new Date(start + i * 3_600_000).getHours()).padStart(2, '0')}:00
                </text>
              )}
            </g>
          );
        })}
        <text x={W - 2} y={10} fontSize={9} fill="#6b7280" textAnchor="end">
          max {max}/h
        </text>
      </svg>
      <ul className="legend">
        {series.slice(0, 8).map(([id, row], s) => (
          <li key={id}>
            <span className="swatch" style={{ background: COLORS[s % COLORS.length] }} /> {names.get(id) ?? id} (
            {row.reduce((a, b) => a + b)})
          </li>
        ))}
        {error && (
          <li className="error" role="alert">
            {error}
          </li>
        )}
        {series.length === 0 && !error && <li className="muted">no articles in the last 24 h</li>}
      </ul>
    </figure>
  );
}
