#!/usr/bin/env node
import { spawn } from 'node:child_process';
import { APPS, startApp, stopApps, waitAppReady, type RunningApp } from './apps';
import { stackPaths } from './paths';
import { StackError } from './proc';
import { ensureStack, runningStack, stopDetached, type Stack } from './stack';

const USAGE = `usage: services <command>
  up              start PostgreSQL, FerretDB, Redis and Mailpit in the background (reused by every later command)
  down            stop what \`up\` started
  status          show what is running
  env             print MONGO_URL/REDIS_URL exports for the running stack
  run -- CMD...   run CMD with MONGO_URL/REDIS_URL set, starting (and afterwards stopping) what is missing
  start-all       start the stack and every app, wait until all are ready, run until Ctrl-C`;

/** SMTP_* for the apps (the notices' transport) and the inbox's API for tests, like MONGO_URL/REDIS_URL. */
function mailEnv(smtpUrl: string | undefined, mailpitUrl: string | undefined): Record<string, string> {
  if (!smtpUrl) return {};
  const u = new URL(smtpUrl);
  return { SMTP_HOST: u.hostname, SMTP_PORT: u.port, ...(mailpitUrl ? { NEWSLINE_MAILPIT_URL: mailpitUrl } : {}) };
}

function die(e: unknown): never {
  process.stderr.write(`${e instanceof StackError ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
}

async function withSignals(stop: () => Promise<void>): Promise<void> {
  let stopping = false;
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      if (stopping) return;
      stopping = true;
      void stop().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
    });
  }
}

async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'up': {
      const s = await ensureStack({ detached: true });
      process.stdout.write(`MONGO_URL=${s.mongoUrl}\nREDIS_URL=${s.redisUrl}\n`);
      for (const [k, v] of Object.entries(mailEnv(s.smtpUrl, s.mailpitUrl))) process.stdout.write(`${k}=${v}\n`);
      return;
    }
    case 'down':
      await stopDetached();
      return;
    case 'status':
    case 'env': {
      const r = runningStack();
      if (cmd === 'env') {
        if (r.mongoUrl) process.stdout.write(`export MONGO_URL=${r.mongoUrl}\n`);
        if (r.redisUrl) process.stdout.write(`export REDIS_URL=${r.redisUrl}\n`);
        for (const [k, v] of Object.entries(mailEnv(r.smtpUrl, r.mailpitUrl))) process.stdout.write(`export ${k}=${v}\n`);
      } else {
        process.stdout.write(
          `postgres: ${r.postgresUrl ?? 'not running'}\nferretdb: ${r.mongoUrl ?? 'not running'}\nredis: ${r.redisUrl ?? 'not running'}\nmailpit: ${r.mailpitUrl ?? 'not running'}\n`,
        );
      }
      return;
    }
    case 'run': {
      const args = rest[0] === '--' ? rest.slice(1) : rest;
      if (args.length === 0) throw new StackError(USAGE);
      const stack = await ensureStack();
      const child = spawn(args[0]!, args.slice(1), {
        stdio: 'inherit',
        shell: false,
        env: { ...process.env, MONGO_URL: stack.mongoUrl, REDIS_URL: stack.redisUrl, ...mailEnv(stack.smtpUrl, stack.mailpitUrl) },
      });
      await withSignals(async () => {
        child.kill('SIGTERM');
        await stack.stop();
      });
      const code = await new Promise<number>((resolve) => child.on('exit', (c, s) => resolve(c ?? (s ? 1 : 0))));
      await stack.stop();
      process.exit(code);
    }
    // eslint-disable-next-line no-fallthrough
    case 'start-all': {
      const stack: Stack = await ensureStack();
      // The demo publisher lives on loopback, which the SSRF guard refuses unless allow-listed.
      const env = {
        HTTP_ALLOW_HOSTS: '127.0.0.1',
        DEMO_PUBLISHER_PUBLISH_EVERY_MS: '20000',
        // The demo outlets advertise the demo publisher's WebSub hub: the workers subscribe on this callback.
        WEBSUB_CALLBACK_URL: `http://127.0.0.1:${process.env.WORKERS_PORT ?? 4010}`,
        ...process.env,
        MONGO_URL: stack.mongoUrl,
        REDIS_URL: stack.redisUrl,
        ...mailEnv(stack.smtpUrl, stack.mailpitUrl),
      };
      const apps: RunningApp[] = [];
      const stopAll = async () => {
        await stopApps(apps);
        await stack.stop();
      };
      await withSignals(stopAll);
      try {
        for (const a of APPS) apps.push(startApp(stackPaths().root, a, env));
        await Promise.all(apps.map((a) => waitAppReady(a)));
      } catch (e) {
        await stopAll();
        throw e;
      }
      process.stdout.write(
        `\nNewsline is up:\n${apps.map((a) => `  ${a.name.padEnd(15)} ${a.url}  (${a.readyPath} answered)`).join('\n')}\n  GraphQL     http://127.0.0.1:${process.env.GATEWAY_PORT ?? 4000}/graphql\n${stack.mailpitUrl ? `  Mail inbox  ${stack.mailpitUrl}  (every notice sent, Mailpit)\n` : ''}Ctrl-C stops everything.\n`,
      );
      for (const a of apps) {
        a.child.on('exit', (c, s) => {
          process.stderr.write(`${a.name} exited (${s ?? c}); stopping the rest\n`);
          void stopAll().finally(() => process.exit(1));
        });
      }
      return;
    }
    default:
      process.stdout.write(`${USAGE}\n`);
      if (cmd && cmd !== 'help' && cmd !== '--help') process.exit(2);
  }
}

main(process.argv.slice(2)).catch(die);
