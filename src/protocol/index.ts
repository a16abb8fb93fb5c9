export * from './types.ts';
export * from './builtin.ts';
export * from './schema.ts';
export * from './resolve.ts';
