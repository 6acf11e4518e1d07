import type { PoseidonWasm } from "./poseidonWasm.ts";
import { ELEMENT_BYTES } from "./poseidonWat.ts";
import { ARITY, assertFits, leavesAtDepth } from "./treeDepth.ts";

/** Called for every node the frontier completes: its level (0 = leaves), index in that level, wasm pointer. */
export type NodeObserver = (level: number, position: number, pointer: number) => void;

/** Parameters of {@link MerkleFrontier}. */
export type MerkleFrontierParameters = {
  /** The hasher whose wasm memory holds the nodes. */
  poseidon: PoseidonWasm;
  /** Height of the tree: the root is at this level. */
  depth: number;
  /** Level of the nodes given to {@link MerkleFrontier.push} (0 for leaves, s for subtree roots of height s). */
  baseLevel?: number;
  /** Optional observer, used by proof generation to catch the siblings of one path. */
  onNode?: NodeObserver;
};

/**
 * Streaming fixed-depth 4-ary Poseidon Merkle tree (node = Poseidon4 of its four children): nodes
 * arrive left to right and only the pending left siblings of each level are kept ("frontier"), so
 * memory is O(depth) whatever the column size. Missing nodes on the right are the precomputed
 * empty-subtree hashes zero[l].
 *
 * @example
 * const frontier = new MerkleFrontier({ poseidon, depth: 13 });
 * frontier.push(leafPointer);
 * const root = poseidon.readElement(frontier.finish());
 */
export class MerkleFrontier {
  readonly #poseidon: PoseidonWasm;
  readonly #depth: number;
  readonly #baseLevel: number;
  readonly #onNode: NodeObserver | undefined;
  /** ARITY consecutive elements per level: the children pushed so far of the level's open node. */
  readonly #slots: number;
  readonly #filled: number[];
  readonly #positions: number[];
  readonly #carry: number;
  readonly #zeros: number;
  #count = 0;

  constructor({ poseidon, depth, baseLevel = 0, onNode }: MerkleFrontierParameters) {
    this.#poseidon = poseidon;
    this.#depth = depth;
    this.#baseLevel = baseLevel;
    this.#onNode = onNode;
    this.#slots = poseidon.allocate((depth + 1) * ARITY * ELEMENT_BYTES);
    this.#filled = new Array<number>(depth + 1).fill(0);
    this.#positions = new Array<number>(depth + 1).fill(0);
    this.#carry = poseidon.allocate(ELEMENT_BYTES);
    this.#zeros = zeroHashes(poseidon, depth);
  }

  /** Number of nodes pushed so far. */
  get count(): number {
    return this.#count;
  }

  /** Pointer of zero[level], the root of an empty subtree of height `level`. */
  zero(level: number): number {
    return this.#zeros + level * ELEMENT_BYTES;
  }

  /** Empties the tree so the frontier (and its wasm memory) can be reused for another one. */
  reset(): void {
    this.#filled.fill(0);
    this.#positions.fill(0);
    this.#count = 0;
  }

  /** Appends the next node of the base level (copied from `pointer`). */
  push(pointer: number): void {
    assertFits((this.#count + 1) * leavesAtDepth(this.#baseLevel), this.#depth);
    this.#count++;
    let level = this.#baseLevel;
    let node = pointer;
    for (;;) {
      const filled = this.#filled[level] ?? 0;
      const slot = this.#slot(level, filled);
      this.#poseidon.copyElement(slot, node);
      this.#emit(level, slot);
      this.#filled[level] = filled + 1;
      if (filled + 1 < ARITY || level === this.#depth) return;
      this.#poseidon.hashChildren(this.#carry, this.#carry, this.#slot(level, 0), this.#slot(level, 0));
      this.#filled[level] = 0;
      node = this.#carry;
      level++;
    }
  }

  /** Pads the tree with empty subtrees and returns the pointer of the root (valid until the next call). */
  finish(): number {
    if (this.#filled[this.#depth] === 1) return this.#slot(this.#depth, 0);
    if (this.#count === 0) return this.zero(this.#depth);
    const poseidon = this.#poseidon;
    let carrying = false;
    for (let level = this.#baseLevel; level < this.#depth; level++) {
      let filled = this.#filled[level] ?? 0;
      if (carrying) poseidon.copyElement(this.#slot(level, filled++), this.#carry);
      if (filled === 0) continue;
      for (let k = filled; k < ARITY; k++) poseidon.copyElement(this.#slot(level, k), this.zero(level));
      poseidon.hashChildren(this.#carry, this.#carry, this.#slot(level, 0), this.#slot(level, 0));
      carrying = true;
      this.#emit(level + 1, this.#carry);
    }
    return this.#carry;
  }

  #slot(level: number, child: number): number {
    return this.#slots + (level * ARITY + child) * ELEMENT_BYTES;
  }

  #emit(level: number, pointer: number): void {
    const position = this.#positions[level] ?? 0;
    this.#positions[level] = position + 1;
    this.#onNode?.(level, position, pointer);
  }
}

const zeroCache = new WeakMap<PoseidonWasm, { pointer: number; depth: number }>();

/**
 * Pointer of zero[0..depth] (zero[0] = 0, zero[l + 1] = Poseidon4(zero[l], zero[l], zero[l], zero[l]),
 * the roots of empty subtrees), computed once per hasher up to the largest depth asked.
 *
 * @example
 * const zeroAtLevel3 = zeroHashes(poseidon, 13) + 3 * ELEMENT_BYTES;
 */
export function zeroHashes(poseidon: PoseidonWasm, depth: number): number {
  const cached = zeroCache.get(poseidon);
  if (cached !== undefined && cached.depth >= depth) return cached.pointer;
  const pointer = poseidon.allocate((depth + 1) * ELEMENT_BYTES);
  const children = poseidon.allocate(ARITY * ELEMENT_BYTES);
  poseidon.writeElement(pointer, 0n);
  for (let level = 0; level < depth; level++) {
    const below = pointer + level * ELEMENT_BYTES;
    for (let k = 0; k < ARITY; k++) poseidon.copyElement(children + k * ELEMENT_BYTES, below);
    poseidon.hashChildren(below + ELEMENT_BYTES, below + ELEMENT_BYTES, children, children);
  }
  zeroCache.set(poseidon, { pointer, depth });
  return pointer;
}
