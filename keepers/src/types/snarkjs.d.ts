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
  /**
   * ffjavascript's BN254 as the Groth16 prover uses it. Field elements are 32-byte little-endian
   * Montgomery forms; points are affine (2 coordinates) or Jacobian (3), Montgomery form.
   */
  export type Bn128Curve = SnarkjsCurve & {
    Fr: {
      /** 2-adicity of r − 1; `w[k]` a primitive 2^k-th root of unity; `shift` the coset generator used at k = s. */
      s: number;
      w: Uint8Array[];
      shift: Uint8Array;
      e(value: number | bigint): Uint8Array;
      add(a: Uint8Array, b: Uint8Array): Uint8Array;
      sub(a: Uint8Array, b: Uint8Array): Uint8Array;
      mul(a: Uint8Array, b: Uint8Array): Uint8Array;
      neg(a: Uint8Array): Uint8Array;
      random(): Uint8Array;
      fromMontgomery(a: Uint8Array): Uint8Array;
      fft(values: Uint8Array): Promise<Uint8Array>;
      ifft(values: Uint8Array): Promise<Uint8Array>;
      /** values[i] · first · inc^i */
      batchApplyKey(values: Uint8Array, first: Uint8Array, inc: Uint8Array): Promise<Uint8Array>;
    };
    G1: Bn128Group;
    G2: Bn128Group;
    /** ffjavascript's worker pool (`concurrency` workers): runs one task (commands on a worker's wasmcurves instance) and resolves with its GET outputs. */
    tm: { concurrency: number; queueAction(task: readonly WorkerCommand[]): Promise<Uint8Array[]> };
  };
  /** A command of an ffjavascript worker task; `var` numbers the task's buffers in the worker's memory. */
  export type WorkerCommand =
    | { cmd: "ALLOCSET"; var: number; buff: Uint8Array }
    | { cmd: "ALLOC"; var: number; len: number }
    | { cmd: "CALL"; fnName: string; params: ({ var: number; offset?: number } | { val: number })[] }
    | { cmd: "GET"; out: number; var: number; len: number };
  /** One group of {@link Bn128Curve}; `toObject` gives bigint coordinates (G2: pairs `[c0, c1]`). */
  export type Bn128Group = {
    /** The generator and the point at infinity (Jacobian), the point at infinity (affine). */
    g: Uint8Array;
    zero: Uint8Array;
    zeroAffine: Uint8Array;
    eq(a: Uint8Array, b: Uint8Array): boolean;
    add(a: Uint8Array, b: Uint8Array): Uint8Array;
    timesFr(point: Uint8Array, scalar: Uint8Array): Uint8Array;
    toAffine(point: Uint8Array): Uint8Array;
    toObject(point: Uint8Array): unknown[];
    /** Σ scalars[i] · bases[i]: affine bases, scalars 32-byte little-endian standard form. */
    multiExpAffine(bases: Uint8Array, scalars: Uint8Array): Promise<Uint8Array>;
  };
  export const curves: {
    getCurveFromName(name: "bn128", options?: { singleThread?: boolean }): Promise<Bn128Curve>;
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
