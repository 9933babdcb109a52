import { randomBytes } from 'node:crypto';
import { runningStack } from './stack';

/**
 * Connection URLs for a test: from MONGO_URL/REDIS_URL (set by `npm test`'s launcher) or the
 * stack `services up` left running. Each call gets its own database name, so suites never
 * see each other's documents.
 */
export function testServices(prefix = 'test'): {
  mongoUrl: string;
  redisUrl: string;
  dbName: string;
  /** SMTP_* for a config and the mail catcher's API, when one runs (tests that send mail need it). */
  smtp: { host: string; port: number } | undefined;
  mailpitUrl: string | undefined;
} {
  const running = runningStack();
  const mongo = process.env.MONGO_URL ?? running.mongoUrl;
  const redisUrl = process.env.REDIS_URL ?? running.redisUrl;
  if (!mongo || !redisUrl) {
    throw new Error('No MongoDB/Redis for tests: run them through `npm test`, or start the stack with `npm run services -- up`.');
  }
  const dbName = `${prefix}_${randomBytes(4).toString('hex')}`;
  const u = new URL(mongo);
  u.pathname = `/${dbName}`;
  const smtpUrl = process.env.SMTP_HOST ? `smtp://${process.env.SMTP_HOST}:${process.env.SMTP_PORT ?? 587}` : running.smtpUrl;
  const smtp = smtpUrl ? { host: new URL(smtpUrl).hostname, port: Number(new URL(smtpUrl).port) } : undefined;
  return { mongoUrl: u.toString(), redisUrl, dbName, smtp, mailpitUrl: process.env.NEWSLINE_MAILPIT_URL ?? running.mailpitUrl };
}
