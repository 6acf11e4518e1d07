/** Minimal types for the parts of circomlibjs (untyped JavaScript) used as a reference in tests and benchmarks. */
declare module "circomlibjs" {
  /** The field of the returned hasher; `toObject` turns its internal representation into a bigint. */
  export type PoseidonField = { toObject(value: Uint8Array): bigint; p: bigint };
  /** circomlibjs Poseidon: 1 to 16 inputs, returns a field element in the internal representation. */
  export type ReferencePoseidon = ((inputs: ReadonlyArray<bigint | number>) => Uint8Array) & { F: PoseidonField };
  export function buildPoseidon(): Promise<ReferencePoseidon>;
}
