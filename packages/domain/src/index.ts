export * from './queues';
export * from './events';
export * from './urls';
