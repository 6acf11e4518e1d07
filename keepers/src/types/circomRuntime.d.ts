/** Minimal types for circom_runtime (untyped JavaScript): the witness generator of a circom 2 circuit's WebAssembly build. */
declare module "circom_runtime" {
  export type WitnessCalculator = {
    /** Signals in the witness, the constant 1 included. */
    witnessSize: number;
    /** The witness as a `.wtns` file: header, then `witnessSize` 32-byte little-endian elements. Throws `Assert Failed …` on a violated constraint. */
    calculateWTNSBin(input: Record<string, unknown>, sanityCheck?: boolean): Promise<Uint8Array>;
  };
  export function WitnessCalculatorBuilder(wasm: Uint8Array, options?: { sanityCheck?: boolean }): Promise<WitnessCalculator>;
}
