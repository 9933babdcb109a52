export { DEMO_SOURCES, type DemoSource, type DemoFeed, type FeedFormat } from './catalog';
export {
  startDemoPublisher,
  type DemoPublisher,
  type DemoPublisherOptions,
  type ResolvedSource,
  type ResolvedFeed,
  type PublishedEntry,
  type RequestRecord,
} from './demo';
export {
  startPublisherFarm,
  defaultLoopbackAddresses,
  isLoopbackV4,
  type PublisherFarm,
  type FarmOptions,
  type FarmHost,
  type FarmEntry,
  type FarmStats,
  type FarmHostStats,
  type FaultMode,
} from './farm';
export { ROBOTS_TXT } from './http';
export {
  createWebSubHub,
  startWebSubHub,
  type WebSubHub,
  type WebSubHubOptions,
  type HubSubscription,
  type HubStats,
  type TopicContent,
} from './hub';
