/**
 * Minimal types for the parts of snarkjs 0.7 (untyped JavaScript) the project uses: the prover,
 * the reference verifier in tests and benchmarks, and the ceremonies. Proofs, keys and signals
 * are JSON objects with decimal strings; see `keepers/src/proofs/proofEncoding.ts` for their shape.
 */
declare module "snarkjs" {
  /** A file name, or its bytes. */
  type Source = string | Uint8Array;
  /** A curve built by ffjavascript; multi-threaded builds must be terminated to let Node exit. */
  export type SnarkjsCurve = { terminate(): Promise<void> };
  export const curves: {
    getCurveFromName(name: string, options?: { singleThread?: boolean }): Promise<SnarkjsCurve>;
  };
  export const groth16: {
    verify(verificationKey: object, publicSignals: readonly (string | bigint)[], proof: object): Promise<boolean>;
    fullProve(input: Record<string, unknown>, wasm: Source, zkey: Source): Promise<{ proof: object; publicSignals: string[] }>;
    /** The Solidity verifier's arguments as text: `[a], [[b]], [c], [signals]` in 0x-hex. */
    exportSolidityCallData(proof: object, publicSignals: readonly (string | bigint)[]): Promise<string>;
  };
  export const powersOfTau: {
    newAccumulator(curve: SnarkjsCurve, power: number, fileName: string): Promise<unknown>;
    beacon(oldFile: string, newFile: string, name: string, beaconHash: string, iterationsExp: number): Promise<unknown>;
    preparePhase2(oldFile: string, newFile: string): Promise<unknown>;
  };
  export const zKey: {
    newZKey(r1csFile: string, ptauFile: string, zkeyFile: string): Promise<unknown>;
    beacon(oldFile: string, newFile: string, name: string, beaconHash: string, iterationsExp: number): Promise<unknown>;
    exportVerificationKey(zkey: Source): Promise<object>;
    exportSolidityVerifier(zkey: Source, templates: { groth16: string }): Promise<string>;
  };
}
