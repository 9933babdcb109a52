/**
 * Extraction benchmark: our extractor vs @mozilla/readability 0.6 over linkedom, same pages,
 * same process, single-threaded. Metric: see ./metric.ts (the corpus README's definition).
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
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

interface Args {
  corpus?: string;
  json: boolean;
  out?: string;
  page?: string;
  help: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { json: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.indexOf('=');
    const [name, inline] = a.startsWith('--') && eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    if (name === '--corpus') args.corpus = value();
    else if (name === '--json') args.json = true;
    else if (name === '--out') args.out = value();
    else if (name === '--page') args.page = value();
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
    process.stderr.write('usage: bench extract --corpus DIR [--json] [--out FILE] [--page ID]\n');
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
  };
  process.stdout.write(`${JSON.stringify(final)}\n`);
  return 0;
}
