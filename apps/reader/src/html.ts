// Tagged-template HTML: every interpolation is escaped unless it is already Html (a trusted fragment).

export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escape = (s: string): string => s.replace(/[&<>"']/g, (c) => ESC[c]!);

/** Trusts `s` as HTML: only for the store's sanitized bodies and our own fragments. */
export const raw = (s: string): Html => new Html(s);

type Part = string | number | Html | null | undefined | false | Part[];
const part = (v: Part): string =>
  v === null || v === undefined || v === false ? '' : v instanceof Html ? v.value : Array.isArray(v) ? v.map(part).join('') : escape(String(v));

export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += part(values[i]!) + strings[i + 1]!;
  return new Html(out);
}

/** JSON inside <script>: `<` escaped so a title cannot close the script element. */
export const jsonLd = (v: unknown): Html => raw(JSON.stringify(v).replace(/</g, '\\u003c'));

const RTL = new Set(['ar', 'he', 'fa', 'ur', 'ps', 'sd', 'yi', 'dv', 'ug', 'ku']);
export const dirOf = (lang: string | null | undefined): 'rtl' | 'ltr' => (RTL.has((lang ?? '').split('-')[0]!.toLowerCase()) ? 'rtl' : 'ltr');

/** A language-safe BCP 47-ish tag for lang=""; anything else falls back to "und". */
export const langTag = (lang: string | null | undefined): string => (lang && /^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$/.test(lang) ? lang : 'und');

// CJK fonts named per language so Han characters get the right regional glyphs.
const CSS = `body{font:17px/1.6 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:46rem;margin:0 auto;padding:1rem;color:#111}
:lang(ja){font-family:"Hiragino Sans","Noto Sans JP","Yu Gothic",sans-serif}
:lang(zh){font-family:"PingFang SC","Noto Sans SC","Microsoft YaHei",sans-serif}
:lang(ko){font-family:"Apple SD Gothic Neo","Noto Sans KR","Malgun Gothic",sans-serif}
:lang(ar),:lang(fa),:lang(ur){font-family:"Noto Naskh Arabic","Geeza Pro",Tahoma,sans-serif}
:lang(he){font-family:"Noto Sans Hebrew",Arial,sans-serif}
a{color:#1d4ed8}header a{text-decoration:none;font-weight:700}.meta{color:#555;font-size:.9em}
.original{display:inline-block;margin:1rem 0;padding:.6rem 1rem;background:#1d4ed8;color:#fff;border-radius:6px;font-weight:700;text-decoration:none}
.notice{border-top:1px solid #ddd;margin-top:2rem;padding-top:1rem;font-size:.9em;color:#444}
ol.list li{margin:.5rem 0}article img{max-width:100%;height:auto}label{display:block;margin:.6rem 0}input,textarea,select{font:inherit;width:100%}`;

export function page(o: { title: string; lang?: string | null; head?: Html; body: Html }): string {
  const lang = langTag(o.lang ?? 'en');
  return `<!doctype html>${html`<html lang="${lang}" dir="${dirOf(lang)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${o.title} · Newsline</title><style>${raw(CSS)}</style>${o.head}</head>
<body><header><a href="/">Newsline</a></header><main>${o.body}</main></body></html>`.value}`;
}
