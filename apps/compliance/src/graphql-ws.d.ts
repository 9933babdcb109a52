// graphql-ws exposes `use/ws` through package exports, which moduleResolution node10 cannot see.
declare module 'graphql-ws/use/ws' {
  export * from 'graphql-ws/dist/use/ws';
}
