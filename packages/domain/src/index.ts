export * from './queues';
export * from './events';
export * from './urls';
export * from './cursor';
