export { ensureStack, runningStack, stopDetached, DEFAULT_DB, type ServiceName, type Stack, type StackOptions } from './stack';
export { stackPaths, repoRoot } from './paths';
export { StackError } from './proc';
export { FERRETDB_VERSION, mongoHealthy } from './ferretdb';
export { redisHealthy } from './redis';
export { testServices } from './test-services';
export { MAILPIT_VERSION, mailpitHealthy } from './mailpit';
