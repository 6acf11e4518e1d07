import { createHash } from "node:crypto";
import { join } from "node:path";
import * as binFileUtils from "@iden3/binfileutils";
import type { BinFile } from "@iden3/binfileutils";
import { WitnessCalculatorBuilder, type WitnessCalculator } from "circom_runtime";
import * as snarkjs from "snarkjs";
import type { Bn128Curve } from "snarkjs";
import { VeritrainError } from "../errors.ts";
import { type FixedBaseTable, type GroupName, loadFixedBaseTables, multiExpTable } from "./fixedBaseTables.ts";
import { type Groth16Proof, proofFromSnarkjs } from "./proofEncoding.ts";

/**
 * snarkjs's bn128 curve (ffjavascript), whose worker pool every proof of this thread shares. It is
 * built once here because ffjavascript builds a new pool for every call that finds none yet:
 * concurrent first proofs would each start one, and all but the last would never be stopped.
 */
let curve: Promise<Bn128Curve> | undefined;
const bn128 = () => (curve ??= snarkjs.curves.getCurveFromName("bn128"));

/** Stops the curve's worker threads (shared by every prover of this thread); a later proof starts them again. */
export async function stopProverThreads(): Promise<void> {
  const running = curve;
  curve = undefined;
  await (await running)?.terminate();
}

const FR_BYTES = 32;
const G1_BYTES = 64;
const G2_BYTES = 128;
const GROTH16 = 1;
/** Section ids of a snarkjs `.zkey` (binfileutils container, version 1). */
const SECTION = { protocol: 1, header: 2, coefficients: 4, a: 5, b1: 6, b2: 7, c: 8, h: 9 } as const;

/** An MSM base set with the points at infinity left out, and which witness entries the rest multiply. */
type SparseBases = { bases: Uint8Array; signals: Uint32Array };

/** The five multi-scalar multiplications of a proof, and their groups. */
const MSMS = { a: "G1", b1: "G1", b2: "G2", c: "G1", h: "G1" } as const satisfies Record<string, GroupName>;
type MsmName = keyof typeof MSMS;

/**
 * Groth16 prover over BN254 for a circom 2 circuit and its snarkjs proving key, computing what
 * `snarkjs.groth16.fullProve` computes (the same zkey, witness generator and ffjavascript curve
 * operations) with everything that does not depend on the witness done once at load: the witness
 * generator is compiled once, the key is parsed once, and the A, B₁ and B₂ multi-scalar
 * multiplications skip the key's points at infinity (signals absent from a matrix), which snarkjs
 * feeds through every bucket pass. Proofs are randomised (fresh r, s) as snarkjs's are.
 *
 * With `fixedBaseTables`, the load also builds the fixed-base table of each MSM's bases
 * (`fixedBaseTables.ts`: a scalar multiplication's worth of work per base, ~100 s of CPU and 336 MB
 * for the storage circuit; with a `cacheDir`, read from there after the first time), which makes
 * every proof's MSMs ~22 % cheaper.
 *
 * @example
 * const prover = await Groth16Prover.load({ wasm, zkey, fixedBaseTables: true });
 * const { proof, publicSignals } = await prover.prove({ a: "3", b: "11" });
 * await stopProverThreads();
 */
export class Groth16Prover {
  readonly #witnessCalculator: WitnessCalculator;
  readonly #key: ProvingKey;
  readonly #tables: Record<MsmName, FixedBaseTable> | undefined;
  /** Serialises witness generation: the generator is one WebAssembly instance. */
  #witnessTurn: Promise<unknown> = Promise.resolve();

  private constructor(witnessCalculator: WitnessCalculator, key: ProvingKey, tables: Record<MsmName, FixedBaseTable> | undefined) {
    this.#witnessCalculator = witnessCalculator;
    this.#key = key;
    this.#tables = tables;
  }

  /**
   * Compiles the witness generator, parses the proving key and, with `fixedBaseTables`, builds the
   * MSM tables (or reads them from `cacheDir`, keyed by the proving key's SHA-256); throws
   * `PROVING_KEY_INVALID` if the generator and key do not belong together.
   */
  static async load({ wasm, zkey, fixedBaseTables = false }: { wasm: Uint8Array; zkey: Uint8Array; fixedBaseTables?: boolean | { cacheDir: string } }): Promise<Groth16Prover> {
    const [witnessCalculator, key] = await Promise.all([WitnessCalculatorBuilder(wasm), readProvingKey(zkey)]);
    if (witnessCalculator.witnessSize !== key.nVars) {
      throw new VeritrainError("the proving key is not for this witness generator", {
        code: "PROVING_KEY_INVALID",
        details: { keySignals: key.nVars, generatorSignals: witnessCalculator.witnessSize },
      });
    }
    if (!fixedBaseTables) return new Groth16Prover(witnessCalculator, key, undefined);
    const names = Object.keys(MSMS) as MsmName[];
    const cacheFile = fixedBaseTables === true ? undefined : join(fixedBaseTables.cacheDir, `groth16-tables-${createHash("sha256").update(zkey).digest("hex").slice(0, 16)}.bin`);
    const tables = await loadFixedBaseTables(await bn128(), names.map((name) => ({ group: MSMS[name], bases: basesOf(key, name) })), cacheFile);
    return new Groth16Prover(witnessCalculator, key, Object.fromEntries(names.map((name, i) => [name, tables[i]!])) as Record<MsmName, FixedBaseTable>);
  }

  /** The circuit's witness for `input`, proven. Throws circom's `Assert Failed` error if `input` violates a constraint. */
  async prove(input: Record<string, unknown>): Promise<{ proof: Groth16Proof; publicSignals: bigint[] }> {
    const witness = await this.#witness(input);
    const curve = await bn128();
    const { Fr, G1, G2 } = curve;
    const key = this.#key;
    const tables = this.#tables;
    const multiExp = (name: MsmName, scalars: Uint8Array, parts = 1) =>
      tables ? multiExpTable(curve, tables[name], scalars, parts) : curve[MSMS[name]].multiExpAffine(basesOf(key, name), scalars);
    // Everything runs on the worker threads, queued in this order: the quotient (A, B and C on the
    // domain, its FFTs), whose chain ends in the H MSM, then the witness MSMs, longest first. H,
    // queued last, is split over all workers so that they finish together.
    const quotient = quotientScalars(curve, key, witness).then((scalarsH) => multiExp("h", scalarsH, curve.tm.concurrency));
    const [b2, a, c, b1, h] = await Promise.all([
      multiExp("b2", gather(witness, key.b2.signals)),
      multiExp("a", gather(witness, key.a.signals)),
      multiExp("c", witness.subarray((key.nPublic + 1) * FR_BYTES)),
      multiExp("b1", gather(witness, key.b1.signals)),
      quotient,
    ]);
    const r = Fr.random();
    const s = Fr.random();
    const piA = G1.add(G1.add(a, key.alpha1), G1.timesFr(key.delta1, r));
    const piB = G2.add(G2.add(b2, key.beta2), G2.timesFr(key.delta2, s));
    const piB1 = G1.add(G1.add(b1, key.beta1), G1.timesFr(key.delta1, s));
    let piC = G1.add(c, h);
    piC = G1.add(piC, G1.timesFr(piA, s));
    piC = G1.add(piC, G1.timesFr(piB1, r));
    piC = G1.add(piC, G1.timesFr(key.delta1, Fr.neg(Fr.mul(r, s))));

    const text = (value: unknown): unknown => (Array.isArray(value) ? value.map(text) : String(value));
    const proof = proofFromSnarkjs({
      pi_a: text(G1.toObject(G1.toAffine(piA))),
      pi_b: text(G2.toObject(G2.toAffine(piB))),
      pi_c: text(G1.toObject(G1.toAffine(piC))),
      protocol: "groth16",
      curve: "bn128",
    });
    const publicSignals = Array.from({ length: key.nPublic }, (_, i) => littleEndian(witness.subarray((i + 1) * FR_BYTES, (i + 2) * FR_BYTES)));
    return { proof, publicSignals };
  }

  /** The full witness, `nVars` field elements of 32 bytes little-endian (standard form), signal 0 being 1. */
  async #witness(input: Record<string, unknown>): Promise<Uint8Array> {
    const turn = this.#witnessTurn.then(() => this.#witnessCalculator.calculateWTNSBin(input, true));
    this.#witnessTurn = turn.catch(() => undefined);
    const wtns = await turn;
    return wtns.subarray(wtns.byteLength - this.#key.nVars * FR_BYTES);
  }
}

/** What a proof needs from the `.zkey`, parsed once. Points in ffjavascript's Montgomery form. */
type ProvingKey = {
  nVars: number;
  nPublic: number;
  domainPower: number;
  alpha1: Uint8Array;
  beta1: Uint8Array;
  beta2: Uint8Array;
  delta1: Uint8Array;
  delta2: Uint8Array;
  /**
   * Coefficients of A and B as the zkey stores them and wasmcurves' `qap_buildABC` reads them:
   * per coefficient the matrix (0 = A, 1 = B), constraint and signal (u32 each), then its value.
   */
  coefficients: { count: number; records: Uint8Array };
  a: SparseBases;
  b1: SparseBases;
  b2: SparseBases;
  /** Bases of the private signals (nPublic + 1 …). */
  c: Uint8Array;
  /** Bases of the quotient polynomial's evaluations. */
  h: Uint8Array;
};

async function readProvingKey(zkey: Uint8Array): Promise<ProvingKey> {
  const invalid = (reason: string) => new VeritrainError(`not a Groth16 proving key of BN254: ${reason}`, { code: "PROVING_KEY_INVALID", details: { reason } });
  let fd: BinFile | undefined;
  try {
    const file = await binFileUtils.readBinFile(zkey, "zkey", 1);
    fd = file.fd;
    const section = async (id: number) => {
      if (!file.sections[id]) throw invalid(`section ${id} is missing`);
      return binFileUtils.readSection(file.fd, file.sections, id);
    };
    const words = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (words(await section(SECTION.protocol)).getUint32(0, true) !== GROTH16) throw invalid("the protocol is not Groth16");

    const header = await section(SECTION.header);
    const view = words(header);
    if (view.getUint32(0, true) !== 32 || view.getUint32(36, true) !== FR_BYTES) throw invalid("the field sizes are not BN254's");
    const [nVars, nPublic, domainSize] = [view.getUint32(72, true), view.getUint32(76, true), view.getUint32(80, true)];
    const domainPower = Math.log2(domainSize);
    if (!Number.isInteger(domainPower) || nPublic >= nVars) throw invalid("the header's sizes are inconsistent");
    let at = 84;
    const point = (bytes: number) => header.slice(at, (at += bytes));
    const [alpha1, beta1, beta2] = [point(G1_BYTES), point(G1_BYTES), point(G2_BYTES)];
    point(G2_BYTES); // γ₂ is the verifier's.
    const [delta1, delta2] = [point(G1_BYTES), point(G2_BYTES)];

    const coefficientBytes = await section(SECTION.coefficients);
    const count = words(coefficientBytes).getUint32(0, true);
    if (coefficientBytes.byteLength !== 4 + count * (12 + FR_BYTES)) throw invalid("the coefficient section has the wrong size");
    const coefficients = { count, records: coefficientBytes.subarray(4) };

    const bases = async (id: number, points: number, bytes: number) => {
      const data = await section(id);
      if (data.byteLength !== points * bytes) throw invalid(`section ${id} does not hold ${points} points`);
      return data;
    };
    return {
      nVars,
      nPublic,
      domainPower,
      alpha1,
      beta1,
      beta2,
      delta1,
      delta2,
      coefficients,
      a: withoutInfinity(await bases(SECTION.a, nVars, G1_BYTES), G1_BYTES),
      b1: withoutInfinity(await bases(SECTION.b1, nVars, G1_BYTES), G1_BYTES),
      b2: withoutInfinity(await bases(SECTION.b2, nVars, G2_BYTES), G2_BYTES),
      c: await bases(SECTION.c, nVars - nPublic - 1, G1_BYTES),
      h: await bases(SECTION.h, domainSize, G1_BYTES),
    };
  } catch (error) {
    throw error instanceof VeritrainError ? error : invalid((error as Error).message);
  } finally {
    await fd?.close();
  }
}

/** The affine bases of one of the proof's MSMs. */
function basesOf(key: ProvingKey, name: MsmName): Uint8Array {
  return name === "c" || name === "h" ? key[name] : key[name].bases;
}

/** The points of `bases` that are not the point at infinity (all-zero bytes in a zkey), with their signal numbers. */
function withoutInfinity(bases: Uint8Array, bytes: number): SparseBases {
  const kept: number[] = [];
  for (let i = 0; i * bytes < bases.byteLength; i++) {
    if (bases.subarray(i * bytes, (i + 1) * bytes).some((byte) => byte !== 0)) kept.push(i);
  }
  const signals = Uint32Array.from(kept);
  return { bases: gather(bases, signals, bytes), signals };
}

/** The `size`-byte entries of `from` at `indices`, concatenated. */
function gather(from: Uint8Array, indices: Uint32Array, size = FR_BYTES): Uint8Array {
  const out = new Uint8Array(indices.length * size);
  indices.forEach((index, k) => out.set(from.subarray(index * size, (index + 1) * size), k * size));
  return out;
}

/**
 * The scalars of the H multi-exponentiation: A·B − C of the circuit's QAP evaluated on the odd
 * coset of the domain (snarkjs's proving key holds H's bases for exactly these), standard form.
 * A, B and C = A·B on the domain are summed from the coefficients by wasmcurves' `qap_buildABC`
 * in one worker task, as snarkjs's own (unused) `buildABC` does: the same field operations as the
 * per-coefficient JavaScript loop `fullProve` runs on the main thread (`buildABC1`), in ~0.27 s
 * of CPU instead of ~0.83 s for this circuit's 1.4M coefficients, 62 MB copied in included.
 */
async function quotientScalars({ Fr, tm }: Bn128Curve, key: ProvingKey, witness: Uint8Array): Promise<Uint8Array> {
  const size = 2 ** key.domainPower;
  const bytes = size * FR_BYTES;
  const [aDomain, bDomain, cDomain] = await tm.queueAction([
    { cmd: "ALLOCSET", var: 0, buff: key.coefficients.records },
    { cmd: "ALLOCSET", var: 1, buff: witness },
    { cmd: "ALLOC", var: 2, len: bytes },
    { cmd: "ALLOC", var: 3, len: bytes },
    { cmd: "ALLOC", var: 4, len: bytes },
    // (coefficients, count, witness, A, B, C, first constraint, constraints, first signal, signals)
    {
      cmd: "CALL",
      fnName: "qap_buildABC",
      params: [{ var: 0 }, { val: key.coefficients.count }, { var: 1 }, { var: 2 }, { var: 3 }, { var: 4 }, { val: 0 }, { val: size }, { val: 0 }, { val: key.nVars }],
    },
    { cmd: "GET", out: 0, var: 2, len: bytes },
    { cmd: "GET", out: 1, var: 3, len: bytes },
    { cmd: "GET", out: 2, var: 4, len: bytes },
  ]);
  if (aDomain === undefined || bDomain === undefined || cDomain === undefined) throw new Error("qap_buildABC returned fewer than three buffers");
  const cosetShift = key.domainPower === Fr.s ? Fr.shift : Fr.w[key.domainPower + 1]!;
  const onCoset = async (domain: Uint8Array) => Fr.fft(await Fr.batchApplyKey(await Fr.ifft(domain), Fr.e(1), cosetShift));
  const [a, b, c] = await Promise.all([onCoset(aDomain), onCoset(bDomain), onCoset(cDomain)]);
  const out = new Uint8Array(size * FR_BYTES);
  for (let at = 0; at < out.byteLength; at += FR_BYTES) {
    const slot = (values: Uint8Array) => values.subarray(at, at + FR_BYTES);
    out.set(Fr.fromMontgomery(Fr.sub(Fr.mul(slot(a), slot(b)), slot(c))), at);
  }
  return out;
}

function littleEndian(bytes: Uint8Array): bigint {
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]!);
  return value;
}
