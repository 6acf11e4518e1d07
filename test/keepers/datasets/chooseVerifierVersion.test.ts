import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { getAddress, keccak256, parseEther, stringToHex } from "viem";
import type { ProtocolConnection } from "../../../keepers/src/chain/protocolContracts.ts";
import { chooseVerifierVersion } from "../../../keepers/src/datasets/chooseVerifierVersion.ts";
import { VeritrainError } from "../../../keepers/src/errors.ts";
import { DEVELOPMENT_VERIFYING_KEY_HASH } from "../../../ignition/modules/developmentVerifier.ts";
import { deployProtocol, networkHelpers, viem } from "../../contracts/fixture.ts";

const KEY_HASH = keccak256(stringToHex("a real ceremony's key"));

/** The local protocol (the development verifier is version 1) with a chain connection reading its StorageProofs. */
async function withLocalProtocol() {
  const p = await deployProtocol();
  const chain = { contracts: { StorageProofs: p.storageProofs } } as unknown as ProtocolConnection;
  return { ...p, chain };
}

const refusedWith = (code: string) => (error: unknown) => error instanceof VeritrainError && error.code === code;

describe("chooseVerifierVersion", () => {
  it("refuses the development key unless allowed, and names it when allowed", async () => {
    const p = await networkHelpers.loadFixture(withLocalProtocol);
    await assert.rejects(chooseVerifierVersion({ chain: p.chain }), refusedWith("VERIFIER_VERSION_DEVELOPMENT"));
    assert.deepEqual(await chooseVerifierVersion({ chain: p.chain, allowDevelopmentKeys: true }), {
      version: 1n,
      verifier: getAddress(p.storageProofVerifier.address),
      verifyingKeyHash: DEVELOPMENT_VERIFYING_KEY_HASH,
      development: true,
    });
  });

  it("defaults to the latest version and refuses versions that do not exist", async () => {
    const p = await networkHelpers.loadFixture(withLocalProtocol);
    const second = await viem.deployContract("StorageProofVerifierV1");
    await networkHelpers.impersonateAccount(p.governance.address);
    await networkHelpers.setBalance(p.governance.address, parseEther("1"));
    await p.storageProofs.write.addVerifier([second.address, KEY_HASH], { account: p.governance.address });
    assert.deepEqual(await chooseVerifierVersion({ chain: p.chain }), { version: 2n, verifier: getAddress(second.address), verifyingKeyHash: KEY_HASH, development: false });
    await assert.rejects(chooseVerifierVersion({ chain: p.chain, version: 1n }), refusedWith("VERIFIER_VERSION_DEVELOPMENT"));
    for (const version of [0n, 3n]) {
      await assert.rejects(chooseVerifierVersion({ chain: p.chain, version, allowDevelopmentKeys: true }), refusedWith("VERIFIER_VERSION_UNKNOWN"));
    }
  });
});
