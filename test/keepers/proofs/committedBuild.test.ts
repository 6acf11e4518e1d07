import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { after, describe, it } from "node:test";
import * as snarkjs from "snarkjs";
import { STORAGE_CIRCUIT_FILES } from "../../../keepers/src/proofs/storageProver.ts";
import { storageVerifierSource } from "../../../scripts/storageVerifierSource.ts";

const root = new URL("../../../", import.meta.url);
const read = (path: string) => readFile(new URL(path, root));

describe("the committed trusted-setup outputs", () => {
  after(async () => (await snarkjs.curves.getCurveFromName("bn128")).terminate());

  it("match circuits/build/SHA256SUMS", async () => {
    const sums = (await read("circuits/build/SHA256SUMS")).toString().trim().split("\n");
    assert.equal(sums.length, 4);
    for (const line of sums) {
      const [digest, path] = line.split(/\s+/);
      assert.equal(createHash("sha256").update(await read(path!)).digest("hex"), digest, path);
    }
  });

  it("the committed verification key and Solidity verifier are what the committed proving key exports", async () => {
    const zkey = await readFile(STORAGE_CIRCUIT_FILES.zkey);
    const committedKey = JSON.parse((await readFile(STORAGE_CIRCUIT_FILES.verificationKey)).toString());
    assert.deepEqual(await snarkjs.zKey.exportVerificationKey(zkey), committedKey);
    const committed = (await read("contracts/proofs/StorageProofVerifierV1.sol")).toString();
    assert.equal(storageVerifierSource(committedKey, "StorageProofVerifierV1"), committed);
    assert.equal(committedKey.nPublic, 3);
  });
});
