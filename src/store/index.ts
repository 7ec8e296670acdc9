export { openStore, SQLITE_FILE, type OpenStoreOptions, type Store } from './open.js';
export { entries, listKeys } from './iterate.js';
export { StoreError, storeFullReason, type StoreErrorCode, type StoreFullReason } from './errors.js';
export type { StoreDurability } from './redis-durability.js';
export { serialize, deserialize } from './serialize.js';
