import { sha256 } from "@noble/hashes/sha2.js";
import { concatBytes, utf8ToBytes } from "@noble/hashes/utils.js";
import { uint32le } from "./bytes.ts";
import type { SecAggConfig } from "./secAggConfig.ts";

const ORDER_LABEL = utf8ToBytes("veritrain/secagg/v1/neighbour-order");

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/**
 * The participants in ring order: sorted by SHA-256(label ‖ roundSeed ‖ uint32le(id)) as a
 * big-endian number, ties (never met in practice) broken by the smaller id. Public and fixed by
 * the round seed, which nobody knows before the round is set up.
 *
 * @example
 * ringOrder(config); // e.g. [11, 3, 7, 0, …], a permutation of 0 … n − 1
 */
export function ringOrder({ roundSeed, participants }: SecAggConfig): number[] {
  const keyed = Array.from({ length: participants }, (_, id) => ({ id, key: sha256(concatBytes(ORDER_LABEL, roundSeed, uint32le(id))) }));
  keyed.sort((a, b) => compareBytes(a.key, b.key) || a.id - b.id);
  return keyed.map(({ id }) => id);
}

/**
 * SecAgg+'s k-regular neighbour graph (Bell et al. 2020 as Flower builds it, but ordered by the
 * round seed instead of a server-side shuffle): with the {@link ringOrder} π and h = (k − 1)/2,
 * N(u) = { π[(pos(u) + d) mod n] : −h ≤ d ≤ h }, u itself included; when k = n, everyone.
 * The relation is symmetric. Entry u of the result is N(u) in ascending id order.
 *
 * @example
 * neighbourGraph(secAggConfig({ roundSeed, participants: 16, vectorLength: 1 }))[0].length; // 11
 */
export function neighbourGraph(config: SecAggConfig): number[][] {
  const { participants: n, neighbourhood: k } = config;
  if (k === n) return Array.from({ length: n }, () => Array.from({ length: n }, (_, id) => id));
  const order = ringOrder(config);
  const half = (k - 1) / 2;
  const graph: number[][] = new Array(n);
  order.forEach((id, position) => {
    const neighbours: number[] = [];
    for (let d = -half; d <= half; d++) neighbours.push(order[(position + d + n) % n]!);
    graph[id] = neighbours.sort((a, b) => a - b);
  });
  return graph;
}
