import { testServices } from '@newsline/embedded-stack';

/** Reads what the embedded Mailpit received (its REST API): the notices tests and benches assert on. */
export interface Mail {
  id: string;
  subject: string;
  text: string;
  kind: string;
}

export function mailpitUrl(): string {
  const u = testServices('mailbox').mailpitUrl;
  if (!u) throw new Error('No Mailpit: run under `npm test` or `npm run services -- up` (or set NEWSLINE_MAILPIT_URL).');
  return u;
}

async function api<T>(path: string): Promise<T> {
  const res = await fetch(new URL(path, mailpitUrl()));
  if (!res.ok) throw new Error(`Mailpit ${path}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

/** Every message to `to`, oldest first. */
export async function mailsTo(to: string): Promise<Mail[]> {
  const q = encodeURIComponent(`to:"${to}"`);
  const list = await api<{ messages: { ID: string; Subject: string }[] }>(`/api/v1/search?query=${q}&limit=200`);
  const out: Mail[] = [];
  for (const m of list.messages.reverse()) {
    const full = await api<{ Text: string }>(`/api/v1/message/${m.ID}`);
    const headers = await api<Record<string, string[]>>(`/api/v1/message/${m.ID}/headers`);
    out.push({ id: m.ID, subject: m.Subject, text: full.Text, kind: headers['X-Newsline-Notice']?.[0] ?? '' });
  }
  return out;
}

/**
 * Waits until `to` has a notice of `kind` (delivery is asynchronous: compliance → BullMQ →
 * worker → SMTP → Mailpit). Mailpit offers no per-address push, so this asks it every 100 ms.
 */
export async function waitForMail(to: string, kind: string, timeoutMs = 20_000, text?: RegExp): Promise<Mail> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    // One address can get two notices of a kind (the requester's decision and, as the source's
    // contact, the statement of reasons), in either order: `text` picks one.
    const hit = (await mailsTo(to)).find((m) => m.kind === kind && (!text || text.test(m.text)));
    if (hit) return hit;
    if (Date.now() > until) throw new Error(`no "${kind}" mail${text ? ` matching ${text}` : ''} to ${to} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The confirmation code in a confirm mail (also the `token` of its link). */
export function codeIn(m: Mail): string {
  const code = /(?:Confirmation code|Code): (\S+)/.exec(m.text)?.[1];
  if (!code) throw new Error(`no code in mail "${m.subject}"`);
  return code;
}

export function linkIn(m: Mail, path: string): string {
  const l = new RegExp(`(https?://\\S+${path.replace(/\//g, '\\/')}\\?token=\\S+)`).exec(m.text)?.[1];
  if (!l) throw new Error(`no ${path} link in mail "${m.subject}"`);
  return l;
}
