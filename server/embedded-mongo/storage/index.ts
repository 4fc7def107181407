/**
 * The durability layer of the embedded engine: a lock-protected data directory holding the newest
 * snapshot and an append-only, CRC-checked journal with group commit. See durable-store.types.ts for the
 * contract and docs/embedded-mongo.md ("Durability") for the design.
 */
export { openDurableStore } from './open-durable-store';
export type { DurabilityMode, DurableStore, DurableStoreOptions } from './durable-store.types';
export type {
  CompactionStep,
  DurableStoreHandle,
  DurableStoreStats,
  OpenDurableStoreOptions,
} from './store-options';
export { crc32c } from './crc32c';
