import { parseArgs } from 'node:util';
import { loadConfig } from '@newsline/config';
import { ensureStack } from '@newsline/embedded-stack';
import { createLogger } from '@newsline/logger';
import { createStore, takedownModel, takedownNoticeModel } from '@newsline/store';
import { enforcedNotices, mailTransport, queueNotice, startMailWorker } from '@newsline/takedowns';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { startTakedownWorker } from '../../workers/src/takedown/queue';
import { setupCompliance } from '../src/app';
import { checkSubmitRate, confirmTakedown, submitTakedown, sweepTakedowns, type SubmitInput } from '../src/service';

/**
 * `npm run bench -- takedown-abuse [--json]`: abusive takedown traffic against sources with
 * verified contacts (spoofed addresses, forged, re-targeted, replayed and expired links, floods
 * from one client and from many), plus genuine requests confirmed from the mail Mailpit caught.
 */
export async function runTakedownAbuseBench(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { json: { type: 'boolean' }, genuine: { type: 'string', default: '10' } } });
  const say = (m: string) => !values.json && process.stderr.write(`${m}\n`);
  const stack = await ensureStack();
  if (!stack.mailpitUrl) throw new Error('the abuse bench reads mail from the embedded Mailpit: unset SMTP_HOST');
  const run = Date.now().toString(36);
  const db = `bench_abuse_${run}`;
  const mongoUrl = Object.assign(new URL(stack.mongoUrl), { pathname: `/${db}` }).toString();
  const smtp = new URL(stack.smtpUrl);
  const config = loadConfig({
    ...process.env,
    MONGO_URL: mongoUrl,
    REDIS_URL: stack.redisUrl,
    SMTP_HOST: smtp.hostname,
    SMTP_PORT: smtp.port,
    LOG_LEVEL: 'silent',
    TAKEDOWN_SUBMIT_RATE_PER_HOUR: '20',
    TAKEDOWN_EMAIL_RATE_PER_HOUR: '5',
  });
  const store = await createStore(mongoUrl);
  const redis = new Redis(stack.redisUrl, { maxRetriesPerRequest: null });
  const prefix = `bench:abuse-${run}`;
  const c = await setupCompliance({ store, config, redis }, { queuePrefix: prefix, keyPrefix: `${prefix}:` });
  const conn = redis.duplicate({ maxRetriesPerRequest: null });
  const log = createLogger('bench', { level: 'silent' });
  const links = { secret: config.TAKEDOWN_LINK_SECRET, publicUrl: config.TAKEDOWN_PUBLIC_URL };
  const worker = startTakedownWorker(
    { store, redis, log, notify: async (id) => void (await Promise.all((await enforcedNotices(store, id, links)).map((n) => queueNotice(store.conn, c.mail, n)))) },
    conn,
    { prefix },
  );
  const mailer = startMailWorker({ conn: store.conn, transport: mailTransport(config), from: config.MAIL_FROM, log }, conn, { prefix });
  const svc = c.svc;
  const nGenuine = Number(values.genuine);
  const input = (kind: string, value: string, email: string): SubmitInput => ({
    scope: { kind, value },
    reason: 'COPYRIGHT',
    relation: 'PUBLISHER',
    requester: { name: 'Rights', email },
    statement: 'We own this content and never licensed it to anyone.',
    goodFaith: true,
  });
  // As the resolver does: the per-client limit first, then the request.
  const attempt = async (i: SubmitInput, client: string) => {
    await checkSubmitRate(svc, client);
    return submitTakedown(svc, i, client);
  };
  const codeOf = (e: unknown) => (e as { extensions?: { code?: string } }).extensions?.code ?? 'UNTYPED';
  const outcomes: Record<string, number> = {};
  const tally = (k: string) => (outcomes[k] = (outcomes[k] ?? 0) + 1);
  let attempts = 0;
  let untyped = 0;
  let tokenAccepted = 0;

  const sources = [];
  for (let i = 0; i < nGenuine + 10; i++)
    sources.push(
      await store.Source.create({
        key: `abuse-${run}-${i}`,
        name: `Outlet ${i}`,
        homepage: `https://outlet${i}-${run}.example/`,
        attribution: `Outlet ${i}`,
        verifiedContacts: [`editor${i}-${run}@outlet${i}.example`],
      }),
    );
  const contactOf = (i: number) => `editor${i}-${run}@outlet${i}.example`;
  const spoofIds: string[] = [];

  say('spoofed verified addresses (40, from 40 clients)');
  for (let i = 0; i < 40; i++) {
    attempts++;
    const k = nGenuine + (i % 10);
    const scope = i % 2 ? input('SOURCE', String(sources[k]!._id), contactOf(k)) : input('DOMAIN', `outlet${k}-${run}.example`, contactOf(k));
    try {
      spoofIds.push(String((await attempt(scope, `ip:10.1.0.${i}`)).request._id));
      tally('spoof:unconfirmed');
    } catch (e) {
      tally(`spoof:${codeOf(e)}`);
      if (codeOf(e) === 'UNTYPED') untyped++;
    }
  }

  say(`genuine requests (${nGenuine}), confirmed from the mail catcher`);
  const mailApi = async <T>(p: string) => (await (await fetch(new URL(p, stack.mailpitUrl))).json()) as T;
  const confirmCode = async (to: string, requestId: string) => {
    for (let i = 0; i < 300; i++) {
      const list = await mailApi<{ messages: { ID: string }[] }>(`/api/v1/search?query=${encodeURIComponent(`to:"${to}"`)}&limit=50`);
      for (const m of list.messages) {
        const t = (await mailApi<{ Text: string }>(`/api/v1/message/${m.ID}`)).Text;
        if (t.includes(requestId)) {
          const code = /Confirmation code: (\S+)/.exec(t)?.[1];
          if (code) return code;
        }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no confirmation mail to ${to}`);
  };
  const genuine: string[] = [];
  const usedCodes: string[] = [];
  for (let i = 0; i < nGenuine; i++) {
    const r = await attempt(input('SOURCE', String(sources[i]!._id), contactOf(i)), `ip:10.2.0.${i}`);
    const code = await confirmCode(contactOf(i), String(r.request._id));
    await confirmTakedown(svc, code);
    usedCodes.push(code);
    genuine.push(String(r.request._id));
  }

  const tokenAttempt = async (label: string, token: string) => {
    attempts++;
    try {
      await confirmTakedown(svc, token);
      tokenAccepted++;
      tally(`${label}:ACCEPTED`);
    } catch (e) {
      tally(`${label}:${codeOf(e)}`);
      if (codeOf(e) === 'UNTYPED') untyped++;
    }
  };
  say('replayed links (10), forged and re-targeted links (20)');
  for (const code of usedCodes.slice(0, 10)) await tokenAttempt('replay', code);
  for (let i = 0; i < 20; i++) {
    const [body, sig] = usedCodes[i % usedCodes.length]!.split('.');
    const p = JSON.parse(Buffer.from(body!, 'base64url').toString()) as Record<string, unknown>;
    const forged =
      i % 2
        ? `${Buffer.from(JSON.stringify({ ...p, r: spoofIds[i] })).toString('base64url')}.${sig}`
        : `${body}.${Buffer.from(`forged-${i}`.padEnd(32, 'x')).toString('base64url')}`;
    await tokenAttempt('forged', forged);
  }
  say('expired links (10)');
  const expiring: { id: string; to: string }[] = [];
  for (let i = 0; i < 10; i++) {
    const to = `late${i}-${run}@outlet${i}.example`;
    expiring.push({ id: String((await attempt(input('DOMAIN', `late${i}-${run}.example`, to), `ip:10.3.0.${i}`)).request._id), to });
  }
  const codes = await Promise.all(expiring.map((e) => confirmCode(e.to, e.id)));
  await sweepTakedowns(svc, new Date(Date.now() + (config.TAKEDOWN_CONFIRM_HOURS + 1) * 3_600_000));
  for (const code of codes) await tokenAttempt('expired', code);
  say('floods: 30 from one client, 20 clients naming one verified address');
  for (let i = 0; i < 30; i++) {
    attempts++;
    try {
      await attempt(input('URL', `https://outlet${nGenuine}-${run}.example/a/${i}`, `flood-${run}@x.example`), 'ip:10.9.9.9');
      tally('flood-one:unconfirmed');
    } catch (e) {
      tally(`flood-one:${codeOf(e)}`);
    }
  }
  for (let i = 0; i < 20; i++) {
    attempts++;
    try {
      await attempt(input('URL', `https://outlet${nGenuine + 1}-${run}.example/b/${i}`, contactOf(nGenuine + 1)), `ip:10.8.${i}.1`);
      tally('flood-many:unconfirmed');
    } catch (e) {
      tally(`flood-many:${codeOf(e)}`);
    }
  }

  // Genuine: enforced and told (receipt + decision each), awaited from the store.
  const R = takedownModel(store.conn);
  const N = takedownNoticeModel(store.conn);
  const deadline = Date.now() + 60_000;
  let genuineEnforced = 0;
  let noticesSent = 0;
  for (;;) {
    genuineEnforced = await R.countDocuments({ _id: { $in: genuine }, status: 'enforced' });
    noticesSent = await N.countDocuments({ requestId: { $in: genuine }, sentAt: { $ne: null } });
    const told = await N.countDocuments({ requestId: { $in: genuine }, kind: { $in: ['receipt', 'decision'] }, sentAt: { $ne: null } });
    if ((genuineEnforced === genuine.length && told >= 2 * genuine.length) || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const abusive = await R.find({ _id: { $nin: genuine } }, { status: 1 }).lean();
  const spoofedApproved = abusive.filter((d) => ['approved', 'enforced'].includes(d.status)).length + tokenAccepted;
  const pausedByAbuse = await store.Source.countDocuments({ _id: { $in: sources.slice(nGenuine).map((s) => s._id) }, paused: true });
  const result = {
    bench: 'takedown-abuse',
    attempts,
    spoofedApproved,
    pausedByAbuse,
    untypedErrors: untyped,
    genuine: genuine.length,
    genuineEnforced,
    noticesSent,
    outcomes,
  };
  say(JSON.stringify(result, null, 2));
  process.stdout.write(`${JSON.stringify(result)}\n`);

  await worker.close();
  await mailer.close();
  for (const q of ['takedown', 'mail']) await new Queue(q, { connection: conn, prefix }).obliterate({ force: true }).catch(() => undefined);
  conn.disconnect();
  await c.stop();
  await store.conn.dropDatabase().catch(() => undefined);
  await store.close();
  redis.disconnect();
  await stack.stop();
  return spoofedApproved === 0 && genuineEnforced === genuine.length && noticesSent >= 2 * genuine.length ? 0 : 1;
}
