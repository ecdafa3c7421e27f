export * from './choices.ts';
export * from './durable-store.ts';
export * from './event-queue.ts';
export * from './machine-engine.ts';
export * from './machine-host.ts';
export * from './trace.ts';
export * from './world.ts';
