/**
 * Minimal types for the parts of snarkjs 0.7 (untyped JavaScript) the project uses: the prover,
 * the reference verifier in tests and benchmarks, and the ceremonies. Proofs, keys and signals
 * are JSON objects with decimal strings; see `keepers/src/proofs/proofEncoding.ts` for their shape.
 */
declare module "snarkjs" {
  /** A Groth16 proof as snarkjs writes it: projective coordinates as decimal strings. */
  export type Groth16Proof = {
    pi_a: [string, string, string];
    pi_b: [[string, string], [string, string], [string, string]];
    pi_c: [string, string, string];
    protocol: "groth16";
    curve: "bn128";
  };
  /** A Groth16 verification key as `snarkjs zkey export verificationkey` writes it. */
  export type VerificationKey = {
    protocol: "groth16";
    curve: "bn128";
    nPublic: number;
    vk_alpha_1: string[];
    vk_beta_2: string[][];
    vk_gamma_2: string[][];
    vk_delta_2: string[][];
    vk_alphabeta_12: unknown;
    IC: string[][];
  };
  /** A file name, or its bytes. */
  type Source = string | Uint8Array;
  /** A curve built by ffjavascript; multi-threaded builds must be terminated to let Node exit. */
  export type SnarkjsCurve = { terminate(): Promise<void> };
  export const curves: {
    getCurveFromName(name: string, options?: { singleThread?: boolean }): Promise<SnarkjsCurve>;
  };
  export const groth16: {
    verify(verificationKey: object, publicSignals: readonly (string | bigint)[], proof: object): Promise<boolean>;
    fullProve(input: Record<string, unknown>, wasm: Source, zkey: Source): Promise<{ proof: Groth16Proof; publicSignals: string[] }>;
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
    exportVerificationKey(zkey: Source): Promise<VerificationKey>;
    exportSolidityVerifier(zkey: Source, templates: { groth16: string }): Promise<string>;
  };
}
