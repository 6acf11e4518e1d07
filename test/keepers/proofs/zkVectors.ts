import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as snarkjs from "snarkjs";
import { BASE_FIELD_MODULUS, type G2Affine, loadBn254 } from "../../../keepers/src/proofs/bn254.ts";
import type { SnarkjsProof } from "../../../keepers/src/proofs/proofEncoding.ts";
import type { SnarkjsVerificationKey } from "../../../keepers/src/proofs/groth16Verifier.ts";

/** One vector file of `test/fixtures/zk/vectors/` (written by `test/fixtures/zk/makeFixtures.ts`). */
export type ZkVectorFile = {
  file: string;
  circuit: string;
  verificationKey: SnarkjsVerificationKey;
  proofs: { proof: SnarkjsProof; publicSignals: string[] }[];
};

const VECTORS = new URL("../../fixtures/zk/vectors/", import.meta.url).pathname;

/** Every committed vector file: the tests loop over all of them, whatever circuit they come from. */
export const zkVectorFiles: ZkVectorFile[] = readdirSync(VECTORS)
  .filter((name) => name.endsWith(".json"))
  .sort()
  .map((file) => ({ file, ...(JSON.parse(readFileSync(join(VECTORS, file), "utf8")) as Omit<ZkVectorFile, "file">) }));

/** snarkjs's verdict, with a throw counted as a rejection (it throws on some malformed inputs). */
export async function snarkjsAccepts(verificationKey: object, publicSignals: readonly (string | bigint)[], proof: object): Promise<boolean> {
  try {
    return await snarkjs.groth16.verify(verificationKey, publicSignals, proof);
  } catch {
    return false;
  }
}

/** Stops snarkjs's worker threads so the test process can exit. */
export async function stopSnarkjs(): Promise<void> {
  await (await snarkjs.curves.getCurveFromName("bn128")).terminate();
}

/** First x = (k, 0), k = 1, 2, … that is on the twist (picking the square root mcl returns). */
async function twistPointsWithRealX(): Promise<Array<{ point?: G2Affine; x: bigint }>> {
  const bn254 = await loadBn254();
  const b = bn254.div(fp2(bn254, 3, 0), fp2(bn254, 9, 1));
  return Array.from({ length: 40 }, (_, i) => {
    const x = fp2(bn254, i + 1, 0);
    const [found, y] = bn254.squareRoot(bn254.add(bn254.mul(bn254.sqr(x), x), b));
    if (!found) return { x: BigInt(i + 1) };
    return { x: BigInt(i + 1), point: { x: { c0: BigInt(i + 1), c1: 0n }, y: { c0: BigInt(y.get_a().getStr(10)), c1: BigInt(y.get_b().getStr(10)) } } };
  });
}

function fp2(bn254: Awaited<ReturnType<typeof loadBn254>>, c0: number, c1: number) {
  const value = new bn254.Fp2();
  value.setInt(c0, c1);
  return value;
}

const twistSamples = await twistPointsWithRealX();

/** A point on the twist outside the order-r subgroup G2 (the twist's order is r·(2p − r)). */
export const nonSubgroupTwistPoint: G2Affine = (() => {
  const found = twistSamples.find(({ point }) => point !== undefined)?.point;
  if (found === undefined) throw new Error("no twist point with a small real x");
  return found;
})();

/** An x = (k, 0) with no point on the twist. */
export const xOffTwist: bigint = (() => {
  const found = twistSamples.find(({ point }) => point === undefined)?.x;
  if (found === undefined) throw new Error("every small real x is on the twist");
  return found;
})();

/** The smallest x ≥ 1 with no point on the G1 curve (x³ + 3 not a square mod p). */
export const xOffG1: bigint = await (async () => {
  const bn254 = await loadBn254();
  for (let x = 1n; ; x++) {
    const rhs = new bn254.Fp();
    rhs.setStr(`${(x * x * x + 3n) % BASE_FIELD_MODULUS}`, 10);
    if (!bn254.squareRoot(rhs)[0]) return x;
  }
})();
