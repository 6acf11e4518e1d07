import type { ContentStore } from "./contentStore.ts";

/**
 * `store` with every `get` bounded by a fresh `bound()` signal: one slow or silent peer costs
 * one bound, not the caller's whole budget (a dataset fetch makes hundreds of gets).
 *
 * @example
 * const source = boundedGets(store, () => AbortSignal.any([signal, AbortSignal.timeout(30_000)]));
 */
export function boundedGets<Store extends ContentStore>(store: Store, bound: () => AbortSignal): Store {
  return { ...store, get: (cid, options) => store.get(cid, { ...options, signal: bound() }) };
}
