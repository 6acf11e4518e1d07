import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { keccak256, stringToHex, zeroHash } from "viem";
import { deployProtocol, networkHelpers } from "../contracts/fixture.ts";

const role = (name: string) => keccak256(stringToHex(name));

describe("VeritrainLocal Ignition module", () => {
  it("wires every module role to a contract", async () => {
    const p = await networkHelpers.loadFixture(deployProtocol);
    assert.ok(await p.stakeManager.read.hasRole([role("MODULE_ROLE"), p.jobRegistry.address]));
    assert.ok(await p.stakeManager.read.hasRole([role("MODULE_ROLE"), p.committee.address]));
    assert.ok(await p.jobRegistry.read.hasRole([role("DISPUTES_ROLE"), p.disputes.address]));
    assert.ok(await p.stakeManager.read.hasRole([role("MODULE_ROLE"), p.roundJobRegistry.address]));
    assert.ok(await p.roundJobRegistry.read.hasRole([role("DISPUTES_ROLE"), p.disputes.address]));
    assert.equal((await p.disputes.read.roundJobRegistry()).toLowerCase(), p.roundJobRegistry.address.toLowerCase());
    assert.equal((await p.disputes.read.jobRegistry()).toLowerCase(), p.jobRegistry.address.toLowerCase());
    assert.ok(await p.committee.read.hasRole([role("REQUESTER_ROLE"), p.disputes.address]));
    assert.ok(await p.stakeManager.read.hasRole([role("MODULE_ROLE"), p.datasetRegistry.address]));
    assert.ok(await p.datasetRegistry.read.hasRole([role("FAULT_REPORTER_ROLE"), p.storageProofs.address]));
    assert.equal((await p.storageProofs.read.registry()).toLowerCase(), p.datasetRegistry.address.toLowerCase());
    assert.equal((await p.jobRegistry.read.token()).toLowerCase(), p.token.address.toLowerCase());
    assert.equal((await p.roundJobRegistry.read.token()).toLowerCase(), p.token.address.toLowerCase());
    assert.equal((await p.disputes.read.token()).toLowerCase(), p.token.address.toLowerCase());
  });

  it("leaves no account able to grant roles or move escrow and stake", async () => {
    const p = await networkHelpers.loadFixture(deployProtocol);
    const deployer = p.deployer.account.address;
    for (const contract of [p.stakeManager, p.jobRegistry, p.roundJobRegistry, p.committee, p.datasetRegistry, p.storageProofs]) {
      assert.equal(await contract.read.hasRole([zeroHash, deployer]), false);
    }
    assert.equal(await p.datasetRegistry.read.hasRole([role("FAULT_REPORTER_ROLE"), deployer]), false);
    // Verifier versions are registered only through the timelock, which registered nothing beyond version 1.
    assert.equal(await p.storageProofs.read.hasRole([role("VERIFIER_ADMIN_ROLE"), deployer]), false);
    assert.ok(await p.storageProofs.read.hasRole([role("VERIFIER_ADMIN_ROLE"), p.governance.address]));
    assert.equal(await p.storageProofs.read.versionCount(), 1n);
    assert.equal(await p.stakeManager.read.hasRole([role("MODULE_ROLE"), deployer]), false);
    assert.equal(await p.jobRegistry.read.hasRole([role("DISPUTES_ROLE"), deployer]), false);
    assert.equal(await p.roundJobRegistry.read.hasRole([role("DISPUTES_ROLE"), deployer]), false);
  });

  it("registers the committee, DatasetRegistry and StorageProofs as consumers of a funded VRF subscription", async () => {
    const p = await networkHelpers.loadFixture(deployProtocol);
    const { subscriptionId } = await p.committee.read.config();
    for (const consumer of [p.committee, p.datasetRegistry, p.storageProofs]) {
      assert.ok(await p.vrfCoordinator.read.consumerIsAdded([subscriptionId, consumer.address]));
    }
    const subscription = await p.vrfCoordinator.read.getSubscription([subscriptionId]);
    assert.ok(subscription[0] > 0n, "subscription has a LINK balance");
  });
});
