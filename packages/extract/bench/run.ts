/**
 * Extraction benchmark: our extractor vs @mozilla/readability 0.6 over linkedom, same pages,
 * same process, single-threaded. Metric: see ./metric.ts (the corpus README's definition).
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { performance } from 'node:perf_hooks';
import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';
import { extractArticle } from '../src/index';
import { aggregate, scorePage, type PageScore } from './metric';

interface Page {
  id: string;
  url: string;
  truth: string;
  html: string;
}

interface Manifest {
  pages: Record<string, { source?: string; lang?: string; group?: string }>;
}

interface SnippetPage {
  id: string;
  url: string;
  html: string;
  with: string[];
  without: string[];
}

/** Snippet counts as trafilatura's tests/eval_common.py scores them (see the v2 corpus README). */
export interface SnippetCounts {
  tp: number;
  fn: number;
  fp: number;
  tn: number;
}

const collapse = (s: string): string => s.replace(/\s+/gu, ' ').trim();

export function scoreSnippets(output: string, withs: string[], withouts: string[], acc: SnippetCounts): void {
  const text = collapse(output);
  for (const w of withs) {
    if (text.includes(collapse(w))) acc.tp++;
    else acc.fn++;
  }
  for (const w of withouts) {
    if (text.includes(collapse(w))) acc.fp++;
    else acc.tn++;
  }
}

export function snippetSummary(c: SnippetCounts): { f1: number; precision: number; recall: number; accuracy: number } {
  const precision = c.tp + c.fp > 0 ? c.tp / (c.tp + c.fp) : 0;
  const recall = c.tp + c.fn > 0 ? c.tp / (c.tp + c.fn) : 0;
  const f1 = 2 * c.tp + c.fp + c.fn > 0 ? (2 * c.tp) / (2 * c.tp + c.fp + c.fn) : 0;
  const all = c.tp + c.fn + c.fp + c.tn;
  const accuracy = all > 0 ? (c.tp + c.tn) / all : 0;
  return { f1, precision, recall, accuracy };
}

function loadManifest(dir: string): Manifest | undefined {
  const file = join(dir, 'manifest.json');
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as Manifest;
}

function loadSnippets(dir: string): SnippetPage[] {
  const file = join(dir, 'snippets', 'snippets.json');
  if (!existsSync(file)) return [];
  const spec = JSON.parse(readFileSync(file, 'utf8')) as Record<string, { with?: string[]; without?: string[]; url?: string }>;
  const files = new Set(readdirSync(join(dir, 'snippets', 'html')));
  const out: SnippetPage[] = [];
  for (const id of Object.keys(spec).sort()) {
    const f = `${id}.html.gz`;
    if (!files.has(f)) continue;
    const e = spec[id]!;
    const html = gunzipSync(readFileSync(join(dir, 'snippets', 'html', f))).toString('utf8');
    out.push({ id, url: e.url ?? 'https://example.invalid/', html, with: e.with ?? [], without: e.without ?? [] });
  }
  return out;
}

interface Args {
  corpus?: string;
  json: boolean;
  out?: string;
  page?: string;
  noSnippets: boolean;
  help: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { json: false, noSnippets: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.indexOf('=');
    const [name, inline] = a.startsWith('--') && eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    if (name === '--corpus') args.corpus = value();
    else if (name === '--json') args.json = true;
    else if (name === '--out') args.out = value();
    else if (name === '--page') args.page = value();
    else if (name === '--no-snippets') args.noSnippets = true;
    else if (name === '--help' || name === '-h') args.help = true;
    else if (name === 'extract' || name === '--') continue;
    else throw new Error(`unknown argument: ${a}`);
  }
  return args;
}

function loadCorpus(dir: string, only?: string): Page[] {
  const truth = JSON.parse(readFileSync(join(dir, 'ground-truth.json'), 'utf8')) as Record<string, { articleBody?: string; url?: string }>;
  const files = new Set(readdirSync(join(dir, 'html')));
  const pages: Page[] = [];
  for (const id of Object.keys(truth).sort()) {
    if (only && id !== only) continue;
    const file = `${id}.html.gz`;
    if (!files.has(file)) continue;
    const entry = truth[id]!;
    const html = gunzipSync(readFileSync(join(dir, 'html', file))).toString('utf8');
    pages.push({ id, url: entry.url ?? 'https://example.invalid/', truth: entry.articleBody ?? '', html });
  }
  return pages;
}

function ours(page: Page): string {
  const r = extractArticle(page.html, page.url);
  return r.ok ? r.article.text : '';
}

function baseline(page: Page): string {
  try {
    const { document } = parseHTML(page.html);
    return new Readability(document as unknown as ConstructorParameters<typeof Readability>[0]).parse()?.textContent ?? '';
  } catch {
    return '';
  }
}

const round = (x: number, d = 4): number => Math.round(x * 10 ** d) / 10 ** d;

export async function runExtractBench(argv: string[]): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 2;
  }
  if (args.help || !args.corpus) {
    process.stderr.write('usage: bench extract --corpus DIR [--json] [--out FILE] [--page ID] [--no-snippets]\n');
    return args.help ? 0 : 2;
  }
  const pages = loadCorpus(args.corpus, args.page);
  if (pages.length === 0) {
    process.stderr.write(`no pages found under ${args.corpus}\n`);
    return 1;
  }
  const log = (s: string): void => {
    if (!args.json) process.stdout.write(`${s}\n`);
  };

  // Warm-up pass (JIT, lazy module state); its results are discarded.
  for (const p of pages) {
    ours(p);
    baseline(p);
  }

  // Timed pass, alternating the order per page so load spikes on a shared machine hit both.
  const predOurs = new Map<string, string>();
  const predBase = new Map<string, string>();
  let tOurs = 0;
  let tBase = 0;
  pages.forEach((p, i) => {
    const runOurs = (): void => {
      const t0 = performance.now();
      const text = ours(p);
      tOurs += performance.now() - t0;
      predOurs.set(p.id, text);
    };
    const runBase = (): void => {
      const t0 = performance.now();
      const text = baseline(p);
      tBase += performance.now() - t0;
      predBase.set(p.id, text);
    };
    if (i % 2 === 0) {
      runOurs();
      runBase();
    } else {
      runBase();
      runOurs();
    }
  });

  const scoresOurs: Array<PageScore & { id: string }> = pages.map((p) => ({ id: p.id, ...scorePage(p.truth, predOurs.get(p.id) ?? '') }));
  const scoresBase = pages.map((p) => scorePage(p.truth, predBase.get(p.id) ?? ''));
  const a = aggregate(scoresOurs);
  const b = aggregate(scoresBase);
  const pps = pages.length / (tOurs / 1000);
  const bpps = pages.length / (tBase / 1000);

  if (args.out) {
    const out: Record<string, { articleBody: string }> = {};
    for (const p of pages) out[p.id] = { articleBody: predOurs.get(p.id) ?? '' };
    writeFileSync(args.out, JSON.stringify(out, null, 1));
  }

  // v2 layout: per-source F1 from manifest.json.
  const manifest = loadManifest(args.corpus);
  const bySource: Record<string, { pages: number; f1: number; precision: number; recall: number; baselineF1: number; medianF1: number; minF1: number }> = {};
  if (manifest) {
    const groups = new Map<string, number[]>();
    pages.forEach((p, i) => {
      const src = manifest.pages[p.id]?.source ?? 'unknown';
      if (!groups.has(src)) groups.set(src, []);
      groups.get(src)!.push(i);
    });
    for (const [src, idx] of [...groups.entries()].sort()) {
      const ga = aggregate(idx.map((i) => scoresOurs[i]!));
      const gb = aggregate(idx.map((i) => scoresBase[i]!));
      bySource[src] = {
        pages: idx.length,
        f1: round(ga.f1),
        precision: round(ga.precision),
        recall: round(ga.recall),
        baselineF1: round(gb.f1),
        medianF1: round(ga.medianF1),
        minF1: round(ga.minF1),
      };
    }
  }

  // v2 layout: snippet evaluation (snippets/), trafilatura's scoring, summed over all pages.
  let snippets: Record<string, number> | undefined;
  const snippetPages = args.noSnippets || args.page ? [] : loadSnippets(args.corpus);
  if (snippetPages.length > 0) {
    const co: SnippetCounts = { tp: 0, fn: 0, fp: 0, tn: 0 };
    const cb: SnippetCounts = { tp: 0, fn: 0, fp: 0, tn: 0 };
    for (const sp of snippetPages) {
      const page: Page = { id: sp.id, url: sp.url, truth: '', html: sp.html };
      scoreSnippets(ours(page), sp.with, sp.without, co);
      scoreSnippets(baseline(page), sp.with, sp.without, cb);
    }
    const so = snippetSummary(co);
    const sb = snippetSummary(cb);
    snippets = {
      pages: snippetPages.length,
      f1: round(so.f1),
      precision: round(so.precision),
      recall: round(so.recall),
      accuracy: round(so.accuracy),
      baselineF1: round(sb.f1),
      baselinePrecision: round(sb.precision),
      baselineRecall: round(sb.recall),
      baselineAccuracy: round(sb.accuracy),
    };
  }

  const worst = [...scoresOurs].sort((x, y) => x.f1 - y.f1).slice(0, 10);
  log(`pages: ${pages.length}`);
  log(
    `ours:     F1 ${a.f1.toFixed(4)}  P ${a.precision.toFixed(4)}  R ${a.recall.toFixed(4)}  per-page F1 median ${a.medianF1.toFixed(4)} p10 ${a.p10F1.toFixed(4)} min ${a.minF1.toFixed(4)}  ${pps.toFixed(1)} pages/s`,
  );
  log(
    `baseline: F1 ${b.f1.toFixed(4)}  P ${b.precision.toFixed(4)}  R ${b.recall.toFixed(4)}  per-page F1 median ${b.medianF1.toFixed(4)} p10 ${b.p10F1.toFixed(4)} min ${b.minF1.toFixed(4)}  ${bpps.toFixed(1)} pages/s  (@mozilla/readability 0.6 over linkedom)`,
  );
  log(`speed-up: ${(pps / bpps).toFixed(2)}x`);
  log('worst pages (ours):');
  for (const w of worst) log(`  ${w.id}  F1 ${w.f1.toFixed(4)}  P ${w.precision.toFixed(4)}  R ${w.recall.toFixed(4)}`);
  for (const [src, g] of Object.entries(bySource)) {
    log(`  ${src.padEnd(12)} n=${String(g.pages).padStart(4)}  F1 ${g.f1.toFixed(4)}  P ${g.precision.toFixed(4)}  R ${g.recall.toFixed(4)}  baseline F1 ${g.baselineF1.toFixed(4)}`);
  }
  if (snippets) {
    log(`snippets n=${snippets.pages}  F1 ${snippets.f1!.toFixed(4)}  P ${snippets.precision!.toFixed(4)}  R ${snippets.recall!.toFixed(4)}  baseline F1 ${snippets.baselineF1!.toFixed(4)}`);
  }
  const final = {
    f1: round(a.f1),
    precision: round(a.precision),
    recall: round(a.recall),
    pagesPerSec: round(pps, 1),
    baselineF1: round(b.f1),
    baselinePagesPerSec: round(bpps, 1),
    baselinePrecision: round(b.precision),
    baselineRecall: round(b.recall),
    medianF1: round(a.medianF1),
    p10F1: round(a.p10F1),
    minF1: round(a.minF1),
    pages: pages.length,
    worst: worst.map((w) => ({ id: w.id, f1: round(w.f1) })),
    ...(manifest ? { bySource } : {}),
    ...(snippets ? { snippets } : {}),
  };
  process.stdout.write(`${JSON.stringify(final)}\n`);
  return 0;
}
