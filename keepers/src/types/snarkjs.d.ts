/** Minimal types for the parts of snarkjs (untyped JavaScript) the keepers use. */
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
  type Input = Record<string, unknown>;
  type Source = string | Uint8Array;
  export const groth16: {
    fullProve(input: Input, wasm: Source, zkey: Source): Promise<{ proof: Groth16Proof; publicSignals: string[] }>;
    verify(verificationKey: VerificationKey, publicSignals: readonly string[], proof: Groth16Proof): Promise<boolean>;
  };
  export const zKey: {
    exportVerificationKey(zkey: Source): Promise<VerificationKey>;
    exportSolidityVerifier(zkey: Source, templates: { groth16: string }): Promise<string>;
  };
}
