/**
 * The extraction-bench metric, exactly as the corpus README defines it: 4-token shingles as
 * multisets, TP/FP/FN normalized per page, per-page P/R, then F1 of the two means.
 */
const TOKEN = /[\p{L}\p{N}_]+/gu;

export function shingles(text: string): Map<string, number> {
  const tokens = text.match(TOKEN) ?? [];
  const out = new Map<string, number>();
  if (tokens.length === 0) return out;
  if (tokens.length < 4) {
    out.set(tokens.join(' '), 1);
    return out;
  }
  for (let i = 0; i + 4 <= tokens.length; i++) {
    const key = `${tokens[i]} ${tokens[i + 1]} ${tokens[i + 2]} ${tokens[i + 3]}`;
    out.set(key, (out.get(key) ?? 0) + 1);
  }
  return out;
}

export interface PageScore {
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
  f1: number;
}

export function scorePage(truth: string, predicted: string): PageScore {
  const t = shingles(truth);
  const p = shingles(predicted);
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const [k, ct] of t) {
    const cp = p.get(k) ?? 0;
    tp += Math.min(ct, cp);
    fn += Math.max(0, ct - cp);
  }
  for (const [k, cp] of p) fp += Math.max(0, cp - (t.get(k) ?? 0));
  const sum = tp + fp + fn;
  if (sum > 0) {
    tp /= sum;
    fp /= sum;
    fn /= sum;
  }
  const precision = fp === 0 && fn === 0 ? 1 : tp === 0 && fp === 0 ? 0 : tp / (tp + fp);
  const recall = fp === 0 && fn === 0 ? 1 : tp === 0 && fn === 0 ? 0 : tp / (tp + fn);
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { tp, fp, fn, precision, recall, f1 };
}

export interface Aggregate {
  f1: number;
  precision: number;
  recall: number;
  medianF1: number;
  p10F1: number;
  minF1: number;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export function aggregate(scores: PageScore[]): Aggregate {
  const ps = scores.filter((s) => s.tp + s.fp > 0).map((s) => s.precision);
  const rs = scores.filter((s) => s.tp + s.fn > 0).map((s) => s.recall);
  const mean = (xs: number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  const precision = mean(ps);
  const recall = mean(rs);
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  const f1s = scores.map((s) => s.f1).sort((a, b) => a - b);
  return { f1, precision, recall, medianF1: quantile(f1s, 0.5), p10F1: quantile(f1s, 0.1), minF1: f1s[0] ?? 0 };
}
