import { hostOf } from '@newsline/domain';
import { takedownModel, takedownNoticeModel, type NOTICE_KIND, type Store } from '@newsline/store';
import { Queue, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Connection } from 'mongoose';
import { createTransport, type Transporter } from 'nodemailer';
import { signLink } from './links';
import type { MatchScope } from './scope';

/** Every notice to a requester or contact goes through this BullMQ queue. */
export const MAIL_QUEUE = 'mail';
/** ~20 attempts over about a day and a half of backoff: an SMTP outage delays a notice, it does not drop it. */
export const MAIL_JOB_OPTS = {
  attempts: 20,
  backoff: { type: 'exponential', delay: 500 },
  removeOnComplete: true,
  removeOnFail: { count: 5000 },
} as const;

export type NoticeKind = (typeof NOTICE_KIND)[number];

export interface NoticeInput {
  requestId: string;
  kind: NoticeKind;
  to: string;
  subject: string;
  text: string;
}

export interface MailSettings {
  SMTP_HOST: string;
  SMTP_PORT: number;
  SMTP_SECURE: boolean;
  SMTP_USER?: string;
  SMTP_PASS?: string;
  MAIL_FROM: string;
}

export function mailTransport(c: MailSettings): Transporter {
  return createTransport({
    host: c.SMTP_HOST,
    port: c.SMTP_PORT,
    secure: c.SMTP_SECURE,
    auth: c.SMTP_USER ? { user: c.SMTP_USER, pass: c.SMTP_PASS ?? '' } : undefined,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
}

export function createMailQueue(connection: ConnectionOptions, prefix?: string) {
  return new Queue(MAIL_QUEUE, { connection, prefix, defaultJobOptions: MAIL_JOB_OPTS });
}

/** Records the notice, then queues it (job id = notice id, so a re-drive never sends twice). */
export async function queueNotice(conn: Connection, queue: Queue, n: NoticeInput): Promise<string> {
  const doc = await takedownNoticeModel(conn).create({ ...n, queuedAt: new Date() });
  const id = String(doc._id);
  await queue.add('send', { noticeId: id }, { jobId: `notice-${id}` });
  return id;
}

/** Re-queues notices still unsent after `olderThanMs` whose job is gone (Redis lost, retries exhausted). */
export async function redriveNotices(conn: Connection, queue: Queue, olderThanMs = 10 * 60_000): Promise<number> {
  const stale = await takedownNoticeModel(conn)
    .find({ sentAt: null, queuedAt: { $lt: new Date(Date.now() - olderThanMs) } }, { _id: 1 })
    .limit(500)
    .lean();
  let n = 0;
  for (const s of stale) {
    const jobId = `notice-${String(s._id)}`;
    const job = await queue.getJob(jobId);
    if (job && !(await job.isFailed())) continue;
    if (job) await job.retry();
    else await queue.add('send', { noticeId: String(s._id) }, { jobId });
    n++;
  }
  return n;
}

export function startMailWorker(
  deps: { conn: Connection; transport: Transporter; from: string; log: { warn(o: object, m: string): void } },
  connection: ConnectionOptions,
  opts: { prefix?: string; concurrency?: number } = {},
) {
  const Notice = takedownNoticeModel(deps.conn);
  const worker = new Worker(
    MAIL_QUEUE,
    async (job: Job<{ noticeId: string }>) => {
      const n = await Notice.findById(job.data.noticeId).lean();
      if (!n || n.sentAt) return;
      await Notice.updateOne({ _id: n._id }, { $inc: { attempts: 1 } });
      try {
        const info = await deps.transport.sendMail({
          from: deps.from,
          to: n.to,
          subject: n.subject,
          text: n.text,
          headers: { 'X-Newsline-Takedown': n.requestId, 'X-Newsline-Notice': n.kind },
        });
        await Notice.updateOne({ _id: n._id }, { $set: { sentAt: new Date(), messageId: info.messageId }, $unset: { lastError: 1 } });
      } catch (e) {
        await Notice.updateOne({ _id: n._id }, { $set: { lastError: (e as Error).message.slice(0, 500) } });
        throw e;
      }
    },
    { connection, prefix: opts.prefix, concurrency: opts.concurrency ?? 4 },
  );
  worker.on('failed', (job, err) => deps.log.warn({ queue: MAIL_QUEUE, jobId: job?.id, attempt: job?.attemptsMade, err: err.message }, 'mail job failed'));
  worker.on('error', (err) => deps.log.warn({ queue: MAIL_QUEUE, err: err.message }, 'mail worker error'));
  return worker;
}

/** Whether a source (by id, or by homepage host and its subdomains) is covered by a scope. */
export function sourceInScope(src: { _id: unknown; homepage: string }, s: MatchScope): boolean {
  if (s.kind === 'SOURCE') return String(src._id) === s.key;
  const host = s.kind === 'DOMAIN' ? s.key : s.key.split('/')[0]!.split(':')[0]!;
  let home: string;
  try {
    home = hostOf(src.homepage).replace(/^(amp|m)\./, '');
  } catch {
    return false;
  }
  return host === home || host.endsWith(`.${home}`);
}

/** The verified contacts of every source the scope covers: they get the statement of reasons and may counter-notice. */
export async function contactsForScope(store: Store, s: MatchScope): Promise<string[]> {
  const q = s.kind === 'SOURCE' ? { _id: s.key } : { 'verifiedContacts.0': { $exists: true } };
  const sources = await store.Source.find(q, { _id: 1, homepage: 1, verifiedContacts: 1 }).limit(100_000).lean();
  return [...new Set(sources.filter((src) => sourceInScope(src, s)).flatMap((src) => src.verifiedContacts ?? []))];
}

/**
 * The decision on an enforced request (DSA Art. 16(5)/17, DMCA 512(g) shape): to the proven
 * requester, and the statement of reasons to the affected source's contacts with how to contest.
 */
export async function enforcedNotices(
  store: Store,
  requestId: string,
  o: { secret: string; publicUrl: string },
): Promise<NoticeInput[]> {
  const r = await takedownModel(store.conn).findById(requestId).lean();
  if (!r || r.status !== 'enforced') return [];
  const sc = r.scope as { kind: MatchScope['kind']; value: string; key: string };
  const base = o.publicUrl.replace(/\/$/, '');
  const status = `${base}/takedowns/status?token=${encodeURIComponent(signLink(o.secret, requestId, 'status', undefined).token)}`;
  const facts =
    `Request ${requestId}\nAction: removed ${r.enforcement?.removed ?? 0} article(s) and blocked further ingestion\n` +
    `Scope: ${sc.kind} ${sc.value}\nGround: ${r.reason}\n` +
    `Automated decision: ${r.autoApproved ? 'yes (the sender proved control of a verified contact address or the site)' : `no (decided by ${r.decidedBy})`}\n` +
    `Received: ${r.receivedAt.toISOString()}  Confirmed: ${r.proof?.confirmedAt?.toISOString() ?? '-'}  Decided: ${r.decidedAt?.toISOString() ?? '-'}  Enforced: ${r.enforcedAt?.toISOString() ?? '-'}`;
  const out: NoticeInput[] = [];
  if (r.proof?.confirmedAt)
    out.push({
      requestId,
      kind: 'decision',
      to: (r.requester as { email: string }).email,
      subject: `Takedown request ${requestId}: content removed`,
      text:
        `Decision: APPROVED and enforced.\n\n${facts}\n\n` +
        `The publisher may contest this with a counter-notice; you will be told and may object before any reinstatement.\nStatus: ${status}`,
    });
  for (const to of await contactsForScope(store, { kind: sc.kind, key: sc.key }))
    out.push({
      requestId,
      kind: 'decision',
      to,
      subject: `Statement of reasons: content of yours removed (takedown ${requestId})`,
      text:
        `${facts}\nRequester's relation: ${r.relation}\n\n` +
        `How to contest: call fileCounterNotice(id: "${requestId}", ...) with this address (you will get a confirmation link); ` +
        `unless the requester objects, the content is reinstated after the waiting period. You may also use out-of-court dispute settlement or the courts.`,
    });
  return out;
}
