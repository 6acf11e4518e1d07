import {
  BASE_FIELD_MODULUS,
  type Bn254,
  type G1Affine,
  type G2Affine,
  type PointSource,
  assertCoordinate,
  fp2IsLexicographicallyLargest,
  fpIsLexicographicallyLargest,
  fpNegate,
  loadBn254,
  pointError,
  toMclG1,
  toMclG2,
} from "./bn254.ts";

/**
 * The three forms of a Groth16 proof on BN254 (spec: docs/proof-encoding.md):
 *
 * - snarkjs's JSON object (decimal strings, projective z = 1), what `groth16.fullProve` returns;
 * - the on-chain `uint256[8]` of the snarkjs Solidity verifier, G2 coordinates imaginary part first;
 * - 128 compressed bytes A ‖ B ‖ C in gnark-crypto's BN254 point compression, for transport and storage.
 *
 * All go through {@link Groth16Proof}, plain bigint coordinates with (0, 0) for infinity.
 */

/** A G1 point as snarkjs writes it: [x, y, z] in decimal, z = "1" (or ["0", "1", "0"] for infinity). */
export type SnarkjsG1 = [string, string, string];
/** A G2 point as snarkjs writes it: [[x.c0, x.c1], [y.c0, y.c1], ["1", "0"]]. */
export type SnarkjsG2 = [[string, string], [string, string], [string, string]];
/** The proof object of snarkjs `groth16.prove` / `fullProve`. */
export type SnarkjsProof = { pi_a: SnarkjsG1; pi_b: SnarkjsG2; pi_c: SnarkjsG1; protocol: "groth16"; curve: "bn128" };
/** A Groth16 proof as affine points. */
export type Groth16Proof = { a: G1Affine; b: G2Affine; c: G1Affine };
/** `[a.x, a.y, b.x.c1, b.x.c0, b.y.c1, b.y.c0, c.x, c.y]`: the snarkjs Solidity verifier's order. */
export type ProofCalldata = readonly [bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint];

/** Length of {@link compressProof}'s output: A (32) ‖ B (64) ‖ C (32). */
export const COMPRESSED_PROOF_BYTES = 128;

/** Error code for anything that is not a well-formed proof (shape, range, curve, subgroup, bytes). */
export const PROOF_MALFORMED = "PROOF_MALFORMED";
const DECIMAL = /^(0|[1-9][0-9]*)$/;

/** Parses one canonical decimal string (what snarkjs writes) into a coordinate in [0, p). */
function coordinateFromDecimal(value: unknown, source: PointSource): bigint {
  if (typeof value !== "string" || !DECIMAL.test(value)) {
    throw pointError(source, "must hold canonical decimal strings", value);
  }
  const coordinate = BigInt(value);
  assertCoordinate(coordinate, source);
  return coordinate;
}

function isTuple(value: unknown, length: number): value is unknown[] {
  return Array.isArray(value) && value.length === length;
}

/**
 * Reads a snarkjs G1 point [x, y, z]: affine (z = "1") or infinity (exactly ["0", "1", "0"],
 * what snarkjs writes for it). Checks syntax and coordinate range, not curve membership.
 */
export function g1FromSnarkjs(value: unknown, source: PointSource): G1Affine {
  if (!isTuple(value, 3)) throw pointError(source, "must be [x, y, z]", JSON.stringify(value));
  const [x, y, z] = value.map((coordinate) => coordinateFromDecimal(coordinate, source)) as [bigint, bigint, bigint];
  if (z === 0n && x === 0n && y === 1n) return { x: 0n, y: 0n };
  if (z !== 1n) throw pointError(source, 'must be affine (z = "1") or infinity ["0", "1", "0"]', JSON.stringify(value));
  if (x === 0n && y === 0n) throw pointError(source, "is (0, 0) with z = 1, which is not on the curve", JSON.stringify(value));
  return { x, y };
}

/**
 * Reads a snarkjs G2 point [[x.c0, x.c1], [y.c0, y.c1], [z.c0, z.c1]]: affine (z = ["1", "0"])
 * or infinity (exactly [["0", "0"], ["1", "0"], ["0", "0"]]). Checks syntax and range only.
 */
export function g2FromSnarkjs(value: unknown, source: PointSource): G2Affine {
  if (!isTuple(value, 3) || !value.every((pair) => isTuple(pair, 2))) {
    throw pointError(source, "must be [[x.c0, x.c1], [y.c0, y.c1], [z.c0, z.c1]]", JSON.stringify(value));
  }
  const [[x0, x1], [y0, y1], [z0, z1]] = (value as unknown[][]).map((pair) => pair.map((coordinate) => coordinateFromDecimal(coordinate, source))) as [
    [bigint, bigint],
    [bigint, bigint],
    [bigint, bigint],
  ];
  if (z0 === 0n && z1 === 0n && x0 === 0n && x1 === 0n && y0 === 1n && y1 === 0n) return { x: { c0: 0n, c1: 0n }, y: { c0: 0n, c1: 0n } };
  if (z0 !== 1n || z1 !== 0n) throw pointError(source, 'must be affine (z = ["1", "0"]) or infinity', JSON.stringify(value));
  if (x0 === 0n && x1 === 0n && y0 === 0n && y1 === 0n) throw pointError(source, "is (0, 0) with z = 1, which is not on the twist", JSON.stringify(value));
  return { x: { c0: x0, c1: x1 }, y: { c0: y0, c1: y1 } };
}

/**
 * Reads a snarkjs proof object (checks its shape, `protocol`, `curve` and coordinate ranges;
 * curve membership is checked by {@link compressProof} and the verifier).
 *
 * @example
 * const { proof } = await snarkjs.groth16.fullProve(input, wasm, zkey);
 * const calldata = proofToCalldata(proofFromSnarkjs(proof));
 */
export function proofFromSnarkjs(proof: unknown): Groth16Proof {
  const { pi_a, pi_b, pi_c, protocol, curve } = (proof ?? {}) as Partial<Record<keyof SnarkjsProof, unknown>>;
  if (protocol !== "groth16" || curve !== "bn128") {
    throw pointError({ code: PROOF_MALFORMED, field: "proof" }, 'must have protocol "groth16" and curve "bn128"', `${String(protocol)}/${String(curve)}`);
  }
  return {
    a: g1FromSnarkjs(pi_a, { code: PROOF_MALFORMED, field: "pi_a" }),
    b: g2FromSnarkjs(pi_b, { code: PROOF_MALFORMED, field: "pi_b" }),
    c: g1FromSnarkjs(pi_c, { code: PROOF_MALFORMED, field: "pi_c" }),
  };
}

const isInfinityG1 = ({ x, y }: G1Affine) => x === 0n && y === 0n;
const isInfinityG2 = ({ x, y }: G2Affine) => x.c0 === 0n && x.c1 === 0n && y.c0 === 0n && y.c1 === 0n;
const g1ToSnarkjs = (point: G1Affine): SnarkjsG1 => (isInfinityG1(point) ? ["0", "1", "0"] : [`${point.x}`, `${point.y}`, "1"]);
const g2ToSnarkjs = (point: G2Affine): SnarkjsG2 =>
  isInfinityG2(point)
    ? [["0", "0"], ["1", "0"], ["0", "0"]]
    : [[`${point.x.c0}`, `${point.x.c1}`], [`${point.y.c0}`, `${point.y.c1}`], ["1", "0"]];

/**
 * The snarkjs object of a proof (what `snarkjs.groth16.verify` takes).
 *
 * @example
 * await snarkjs.groth16.verify(vk, publicSignals, proofToSnarkjs(await decompressProof(bytes)));
 */
export function proofToSnarkjs({ a, b, c }: Groth16Proof): SnarkjsProof {
  return { pi_a: g1ToSnarkjs(a), pi_b: g2ToSnarkjs(b), pi_c: g1ToSnarkjs(c), protocol: "groth16", curve: "bn128" };
}

/**
 * The `uint256[8]` the snarkjs Solidity verifier takes (`_pA`, `_pB`, `_pC` flattened), with each
 * G2 coordinate written imaginary part first as the EIP-197 pairing precompile expects.
 *
 * @example
 * await storageProofs.write.submitProof([roundId, proofToCalldata(proof)]);
 */
export function proofToCalldata({ a, b, c }: Groth16Proof): ProofCalldata {
  return [a.x, a.y, b.x.c1, b.x.c0, b.y.c1, b.y.c0, c.x, c.y];
}

/**
 * Reads the `uint256[8]` of {@link proofToCalldata} back (each value must be below p).
 *
 * @example
 * const proof = proofFromCalldata(decodedArgs.proof);
 */
export function proofFromCalldata(calldata: readonly bigint[]): Groth16Proof {
  if (calldata?.length !== 8) {
    throw pointError({ code: PROOF_MALFORMED, field: "calldata" }, "must be 8 uint256 values", calldata?.length);
  }
  const names = ["a.x", "a.y", "b.x.c1", "b.x.c0", "b.y.c1", "b.y.c0", "c.x", "c.y"];
  calldata.forEach((value, i) => assertCoordinate(value, { code: PROOF_MALFORMED, field: `calldata[${i}] (${names[i]})` }));
  const [ax, ay, bx1, bx0, by1, by0, cx, cy] = calldata as ProofCalldata;
  return { a: { x: ax, y: ay }, b: { x: { c0: bx0, c1: bx1 }, y: { c0: by0, c1: by1 } }, c: { x: cx, y: cy } };
}

// gnark-crypto's flags in the two top bits of a compressed point's first byte.
const FLAG_MASK = 0b1100_0000;
const FLAG_UNCOMPRESSED = 0b0000_0000;
const FLAG_INFINITY = 0b0100_0000;
const FLAG_SMALLEST = 0b1000_0000;
const FLAG_LARGEST = 0b1100_0000;

function writeBigEndian(out: Uint8Array, offset: number, value: bigint): void {
  let rest = value;
  for (let i = offset + 31; i >= offset; i--) {
    out[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
}

function readBigEndian(bytes: Uint8Array, offset: number): bigint {
  let value = 0n;
  for (let i = offset; i < offset + 32; i++) value = (value << 8n) | BigInt(bytes[i]!);
  return value;
}

/**
 * The 128-byte compressed form of a proof: A (32 bytes) ‖ B (64) ‖ C (32), each point in
 * gnark-crypto's BN254 compression (x big-endian, G2 as x.c1 ‖ x.c0, the two top bits of the
 * first byte 10 = smaller y, 11 = larger y, 01 = infinity). Rejects points off the curve or (B)
 * outside G2, so every output decompresses.
 *
 * @example
 * const bytes = await compressProof(proofFromSnarkjs(proof)); // 128 bytes
 */
export async function compressProof({ a, b, c }: Groth16Proof): Promise<Uint8Array> {
  const bn254 = await loadBn254();
  toMclG1(bn254, a, { code: PROOF_MALFORMED, field: "a" });
  toMclG2(bn254, b, { code: PROOF_MALFORMED, field: "b" });
  toMclG1(bn254, c, { code: PROOF_MALFORMED, field: "c" });
  const out = new Uint8Array(COMPRESSED_PROOF_BYTES);
  for (const [point, offset] of [[a, 0], [c, 96]] as const) {
    if (isInfinityG1(point)) {
      out[offset] = FLAG_INFINITY;
    } else {
      writeBigEndian(out, offset, point.x);
      out[offset]! |= fpIsLexicographicallyLargest(point.y) ? FLAG_LARGEST : FLAG_SMALLEST;
    }
  }
  if (isInfinityG2(b)) {
    out[32] = FLAG_INFINITY;
  } else {
    writeBigEndian(out, 32, b.x.c1);
    writeBigEndian(out, 64, b.x.c0);
    out[32]! |= fp2IsLexicographicallyLargest(b.y) ? FLAG_LARGEST : FLAG_SMALLEST;
  }
  return out;
}

/**
 * Reads the flag of the compressed point at `bytes[offset, offset + length)`: the x coordinates
 * (one per 32 bytes, flag bits cleared) or `undefined` for infinity.
 */
function readCompressed(bytes: Uint8Array, offset: number, length: 32 | 64, source: PointSource): { largest: boolean; xs: bigint[] } | undefined {
  const flag = bytes[offset]! & FLAG_MASK;
  if (flag === FLAG_UNCOMPRESSED) throw pointError(source, "has flag bits 00 (uncompressed); only 10, 11 and 01 are allowed here");
  if (flag === FLAG_INFINITY) {
    const rest = bytes.subarray(offset, offset + length).some((byte, i) => (i === 0 ? byte & ~FLAG_MASK : byte) !== 0);
    if (rest) throw pointError(source, "is flagged as infinity (01) but has non-zero bits");
    return undefined;
  }
  const first = Uint8Array.from(bytes.subarray(offset, offset + 32));
  first[0]! &= ~FLAG_MASK;
  const xs = [readBigEndian(first, 0)];
  if (length === 64) xs.push(readBigEndian(bytes, offset + 32));
  for (const x of xs) assertCoordinate(x, source);
  return { largest: flag === FLAG_LARGEST, xs };
}

function decompressG1(bn254: Bn254, bytes: Uint8Array, offset: number, source: PointSource): G1Affine {
  const read = readCompressed(bytes, offset, 32, source);
  if (read === undefined) return { x: 0n, y: 0n };
  const x = read.xs[0]!;
  const rhs = new bn254.Fp();
  rhs.setStr(`${(x * x * x + 3n) % BASE_FIELD_MODULUS}`, 10);
  const [found, root] = bn254.squareRoot(rhs);
  if (!found) throw pointError(source, "has an x with no point on the curve (x³ + 3 is not a square)", x);
  let y = BigInt(root.getStr(10));
  if (fpIsLexicographicallyLargest(y) !== read.largest) y = fpNegate(y);
  return { x, y };
}

function decompressG2(bn254: Bn254, bytes: Uint8Array, offset: number, source: PointSource): G2Affine {
  const read = readCompressed(bytes, offset, 64, source);
  if (read === undefined) return { x: { c0: 0n, c1: 0n }, y: { c0: 0n, c1: 0n } };
  const [c1, c0] = read.xs as [bigint, bigint];
  const x = new bn254.Fp2();
  x.setStr(`${c0} ${c1}`, 10);
  const [found, root] = bn254.squareRoot(bn254.add(bn254.mul(bn254.sqr(x), x), twistB(bn254)));
  if (!found) throw pointError(source, "has an x with no point on the twist (x³ + b' is not a square)", `(${c0}, ${c1})`);
  let y = { c0: BigInt(root.get_a().getStr(10)), c1: BigInt(root.get_b().getStr(10)) };
  if (fp2IsLexicographicallyLargest(y) !== read.largest) y = { c0: fpNegate(y.c0), c1: fpNegate(y.c1) };
  const point = { x: { c0, c1 }, y };
  toMclG2(bn254, point, source);
  return point;
}

/** b' = 3 / (9 + u), the twist's constant. */
function twistB(bn254: Bn254) {
  const three = new bn254.Fp2();
  three.setInt(3, 0);
  const xi = new bn254.Fp2();
  xi.setInt(9, 1);
  return bn254.div(three, xi);
}

/**
 * Reads the 128 bytes of {@link compressProof}. Rejects a wrong length, flag bits 00, non-zero
 * bits in an infinity encoding, a coordinate ≥ p, an x with no curve point, and a B outside G2.
 *
 * @example
 * const proof = await decompressProof(bytes);
 * verifyGroth16Proof({ verifyingKey, proof, publicSignals });
 */
export async function decompressProof(bytes: Uint8Array): Promise<Groth16Proof> {
  if (!(bytes instanceof Uint8Array) || bytes.length !== COMPRESSED_PROOF_BYTES) {
    const length = bytes instanceof Uint8Array ? bytes.length : typeof bytes;
    throw pointError({ code: PROOF_MALFORMED, field: "compressed proof" }, `must be ${COMPRESSED_PROOF_BYTES} bytes`, length);
  }
  const bn254 = await loadBn254();
  return {
    a: decompressG1(bn254, bytes, 0, { code: PROOF_MALFORMED, field: "a" }),
    b: decompressG2(bn254, bytes, 32, { code: PROOF_MALFORMED, field: "b" }),
    c: decompressG1(bn254, bytes, 96, { code: PROOF_MALFORMED, field: "c" }),
  };
}
