export * from './identity';
export * from './auth';
export * from './federation';
export * from './http';
export * from './cursor';
