export * from './scope';
export * from './canonical';
export * from './audit';
export * from './tombstones';
export * from './events';
export * from './matches';
export * from './links';
export * from './notices';
