import { loadConfigOrExit } from '@newsline/config';
import { createLogger } from '@newsline/logger';
import { startDemoPublisher } from '@newsline/publisher-sim';

// The demo publisher: invented outlets' feeds and article pages for local demos.
// It needs no database: placeholders satisfy the shared schema's required URLs.
const config = loadConfigOrExit({ MONGO_URL: 'mongodb://unused/x', REDIS_URL: 'redis://unused', ...process.env });
const log = createLogger('demo-publisher', { level: config.LOG_LEVEL });

async function main(): Promise<void> {
  const publisher = await startDemoPublisher({
    host: config.DEMO_PUBLISHER_HOST,
    port: config.DEMO_PUBLISHER_PORT,
    publicUrl: config.DEMO_PUBLISHER_PUBLIC_URL,
  });
  log.info(
    {
      url: publisher.url,
      robots: `${publisher.url}/robots.txt`,
      feeds: publisher.sources.flatMap((s) =>
        s.feeds.map((f) => ({ source: s.key, name: s.name, format: f.format, charset: f.charset, url: f.url })),
      ),
    },
    'demo publisher listening',
  );

  // Optional live mode: a new entry every N ms, round-robin over the outlets' feeds.
  const everyMs = config.DEMO_PUBLISHER_PUBLISH_EVERY_MS;
  const timer =
    everyMs > 0
      ? setInterval(() => {
          const e = publisher.publish();
          log.info({ source: e.sourceKey, feed: e.feedUrl, url: e.url, title: e.title }, 'published entry');
        }, everyMs)
      : undefined;

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'demo publisher stopping');
    if (timer) clearInterval(timer);
    publisher.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'close failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  log.fatal({ err }, 'demo publisher failed to start');
  process.exit(1);
});
