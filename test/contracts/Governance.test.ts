import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { encodeFunctionData, getAddress, getContract, keccak256, parseAbi, parseEther, stringToHex, zeroAddress, zeroHash, type Abi, type Address, type Hex } from "viem";
import { TIMING_DEFAULTS } from "../../ignition/modules/protocol.ts";
import {
  deployProtocol,
  joinValidators,
  networkHelpers,
  ORDER,
  postJob,
  postRoundJob,
  RESULT_DIGEST,
  stake,
  TRACE_ROOT,
  viem,
  withDataset,
  withStakedProviders,
  withSubmittedJob,
  type Protocol,
} from "./fixture.ts";

const CommitteeStatus = { None: 0, Requested: 1, RequestFailed: 2, Drawn: 3, Drawing: 4 } as const;

const SALT = keccak256(stringToHex("governance test"));
/** test/contracts/utils/VrfCoordinatorDouble.sol: the coordinator a consumer is repointed to. */
const COORDINATOR_DOUBLE_ABI = parseAbi([
  "function answer(uint256 requestId, uint256 word)",
  "function setRefusing(bool refusing)",
  "error VrfCoordinatorDoubleRefused()",
]);

/** Schedules `data` on `target` through the timelock as its proposer (the deployer locally); returns execute(). */
async function schedule(p: Protocol, target: Address, data: Hex, salt: Hex = SALT) {
  const delay = await p.governance.read.getMinDelay();
  await p.governance.write.schedule([target, 0n, data, zeroHash, salt, delay]);
  return {
    delay,
    execute: () => p.governance.write.execute([target, 0n, data, zeroHash, salt]),
  };
}

/**
 * A change of the committee's coordinator to a {@link VrfCoordinatorDouble} scheduled, then job 1 posted, assigned and
 * submitted ten minutes before the change is ready, validators joined: a challenge now is answered after the change.
 */
async function withCoordinatorChangePending() {
  const p = await withStakedProviders();
  await joinValidators(p);
  const { address }: { address: Address } = await viem.deployContract("VrfCoordinatorDouble");
  const successor = getContract({ address, abi: COORDINATOR_DOUBLE_ABI, client: { public: await viem.getPublicClient(), wallet: p.deployer } });
  const repoint = await schedule(p, p.committee.address, encodeFunctionData({ abi: p.committee.abi, functionName: "setCoordinator", args: [successor.address] }));
  await networkHelpers.time.increase(repoint.delay - BigInt(ORDER.biddingPeriod) - 600n);
  const jobId = await postJob(p);
  await p.jobRegistry.write.bid([jobId, parseEther("600")], { account: p.providerA.account });
  await networkHelpers.time.increase(ORDER.biddingPeriod);
  await p.jobRegistry.write.settleAuction([jobId]);
  await p.jobRegistry.write.submitResult([jobId, RESULT_DIGEST, TRACE_ROOT, 9912], { account: p.providerA.account });
  return { ...p, jobId, successor, repoint };
}

/** The three VRF consumers, each with the ABI of its contract. */
function consumers(p: Protocol) {
  return [p.committee, p.datasetRegistry, p.storageProofs, p.roundJobRegistry] as const;
}

describe("governance", () => {
  describe("the VRF coordinator", () => {
    it("cannot be repointed by the deployer, anyone else or the coordinator itself", async () => {
      const p = await networkHelpers.loadFixture(deployProtocol);
      const impostor = await viem.deployContract("VRFCoordinatorV2_5Mock", [0n, 0n, 1n]);
      // Chainlink's base let the coordinator repoint its consumers (a migration) without any delay.
      await networkHelpers.impersonateAccount(p.vrfCoordinator.address);
      await networkHelpers.setBalance(p.vrfCoordinator.address, 10n ** 18n);
      for (const consumer of consumers(p)) {
        for (const caller of [p.deployer.account.address, p.outsider.account.address, p.vrfCoordinator.address]) {
          await viem.assertions.revertWithCustomErrorWithArgs(
            (consumer as typeof p.committee).write.setCoordinator([impostor.address], { account: caller }),
            consumer,
            "VrfConsumerOnlyGovernance",
            [getAddress(caller), getAddress(p.governance.address)],
          );
        }
        // No Chainlink owner is left behind: the ABI has no owner, transferOwnership or acceptOwnership.
        const names = (consumer.abi as Abi).filter((item) => item.type === "function").map((item) => item.name);
        for (const name of ["owner", "transferOwnership", "acceptOwnership"]) assert.ok(!names.includes(name), name);
        assert.equal(getAddress(await consumer.read.vrfCoordinator()), getAddress(p.vrfCoordinator.address));
      }
    });

    it("changes only through the timelock, after its delay, in public", async () => {
      const p = await networkHelpers.loadFixture(deployProtocol);
      const successor = await viem.deployContract("VRFCoordinatorV2_5Mock", [0n, 0n, 1n]);
      for (const consumer of consumers(p)) {
        const data = encodeFunctionData({ abi: consumer.abi as Abi, functionName: "setCoordinator", args: [successor.address] });
        const { delay, execute } = await schedule(p, consumer.address, data);
        const [scheduled] = await p.governance.getEvents.CallScheduled();
        assert.equal(getAddress(scheduled!.args.target!), getAddress(consumer.address), "the pending change is an event");
        assert.equal(scheduled!.args.delay, delay);
        await assert.rejects(execute(), /TimelockUnexpectedOperationState/);
        await networkHelpers.time.increase(delay);
        await execute();
        const [set] = await (consumer as typeof p.committee).getEvents.CoordinatorSet();
        assert.equal(getAddress(set!.args.vrfCoordinator!), getAddress(successor.address));
        assert.equal(getAddress(await consumer.read.vrfCoordinator()), getAddress(successor.address));
      }
    });

    it("lasts longer than any challenge window and verdict period in every parameter file", () => {
      const directory = new URL("../../ignition/parameters/", import.meta.url);
      const files = readdirSync(directory).filter((name) => name.endsWith(".json"));
      assert.ok(files.length >= 5, "local, devnet and the three testnets");
      for (const file of files) {
        const parameters = Object.values(JSON.parse(readFileSync(new URL(file, directory), "utf8")) as Record<string, Record<string, unknown>>)[0]!;
        const value = (name: keyof typeof TIMING_DEFAULTS) => BigInt((parameters[name] as number | undefined) ?? TIMING_DEFAULTS[name]);
        assert.ok(
          value("governanceDelay") > value("maxChallengeWindow") + value("verdictPeriod"),
          `${file}: governanceDelay must exceed maxChallengeWindow + verdictPeriod`,
        );
        assert.ok(value("validatorExitDelay") > value("verdictPeriod"), `${file}: validatorExitDelay must exceed verdictPeriod`);
      }
    });

    it("holds a deployed protocol to the same rule, and orders to the window cap", async () => {
      const p = await networkHelpers.loadFixture(deployProtocol);
      const delay = await p.governance.read.getMinDelay();
      const window = await p.jobRegistry.read.maxChallengeWindow();
      assert.ok(delay > BigInt(window) + BigInt(await p.disputes.read.verdictPeriod()));
      await viem.assertions.revertWithCustomErrorWithArgs(
        postJob(p, { challengeWindow: window + 1 }),
        p.jobRegistry,
        "JobRegistryInvalidOrder",
        ["challengeWindow"],
      );
    });

    it("holds distributed jobs (RoundJobRegistry) to the same window cap", async () => {
      const p = await networkHelpers.loadFixture(withDataset);
      const window = await p.roundJobRegistry.read.maxChallengeWindow();
      assert.equal(window, await p.jobRegistry.read.maxChallengeWindow());
      await viem.assertions.revertWithCustomErrorWithArgs(
        postRoundJob(p, { challengeWindow: window + 1 }),
        p.roundJobRegistry,
        "RoundJobRegistryInvalidOrder",
        ["challengeWindow"],
      );
      await postRoundJob(p, { challengeWindow: window });
    });

    it("leaves no account with a role on RoundJobRegistry but Disputes", async () => {
      const p = await networkHelpers.loadFixture(deployProtocol);
      const [admin, disputesRole] = [zeroHash, keccak256(stringToHex("DISPUTES_ROLE"))];
      for (const account of [p.deployer.account.address, p.governance.address, p.consumer.account.address]) {
        assert.equal(await p.roundJobRegistry.read.hasRole([admin, account]), false);
        assert.equal(await p.roundJobRegistry.read.hasRole([disputesRole, account]), false);
      }
      assert.ok(await p.roundJobRegistry.read.hasRole([disputesRole, p.disputes.address]));
      const moduleRole = await p.stakeManager.read.MODULE_ROLE();
      assert.ok(await p.stakeManager.read.hasRole([moduleRole, p.roundJobRegistry.address]));
    });

    it("refuses the old coordinator's answers once repointed", async () => {
      const p = await networkHelpers.loadFixture(withSubmittedJob);
      for (const validator of p.validators) {
        await stake(p, validator, (await p.committee.read.config()).validatorStake);
        await p.committee.write.join({ account: validator.account });
      }
      await p.disputes.write.challenge([p.jobId, 0n, keccak256(stringToHex("claimed"))], { account: p.challenger.account });
      const [requested] = await p.committee.getEvents.CommitteeRequested();
      const successor = await viem.deployContract("VRFCoordinatorV2_5Mock", [0n, 0n, 1n]);
      const data = encodeFunctionData({ abi: p.committee.abi, functionName: "setCoordinator", args: [successor.address] });
      const { delay, execute } = await schedule(p, p.committee.address, data);
      await networkHelpers.time.increase(delay);
      await execute();
      // The mock swallows the consumer's revert and reports the answer as failed: nothing is drawn.
      await p.vrfCoordinator.write.fulfillRandomWords([requested!.args.requestId!, p.committee.address]);
      const [fulfilled] = await p.vrfCoordinator.getEvents.RandomWordsFulfilled();
      assert.equal(fulfilled!.args.success, false);
      assert.deepEqual(await p.committee.read.committeeOf([1n]), []);
    });

    it("lets anyone renew a committee request the replaced coordinator left unanswered, so the dispute is still judged", async () => {
      const { successor, repoint, ...p } = await networkHelpers.loadFixture(withCoordinatorChangePending);
      // The challenge comes minutes before the scheduled change is ready (anyone may then execute it).
      await p.disputes.write.challenge([p.jobId, 0n, keccak256(stringToHex("claimed"))], { account: p.challenger.account });
      const disputeId = await p.disputes.read.disputeCount();
      const [requested] = await p.committee.getEvents.CommitteeRequested();
      const before = await p.committee.read.requestOf([disputeId]);
      assert.equal(before.coordinatorEpoch, 0);
      // The coordinator it went to can still answer: no renewal.
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.committee.write.renewRequest([disputeId], { account: p.outsider.account }),
        p.committee,
        "ValidatorCommitteeRequestCurrent",
        [disputeId, 0n],
      );
      await networkHelpers.time.increase(600);
      await repoint.execute();
      assert.equal(await p.committee.read.coordinatorEpoch(), 1);

      await viem.assertions.emitWithArgs(
        p.committee.write.renewRequest([disputeId], { account: p.outsider.account }),
        p.committee,
        "CommitteeRequested",
        [disputeId, 1n],
      );
      assert.deepEqual(await p.committee.read.requestOf([disputeId]), { ...before, coordinatorEpoch: 1 }, "same request time and range");
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.committee.write.renewRequest([disputeId], { account: p.outsider.account }),
        p.committee,
        "ValidatorCommitteeRequestCurrent",
        [disputeId, 1n],
      );
      await viem.assertions.emit(successor.write.answer([1n, 42n]), p.committee, "CommitteeDrawn");
      const { verdictDeadline } = await p.disputes.read.getDispute([disputeId]);
      assert.ok(await p.committee.read.committeeFormedBefore([disputeId, BigInt(verdictDeadline)]), "judged, not NoCommittee");
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.committee.write.renewRequest([disputeId]),
        p.committee,
        "ValidatorCommitteeNotRequested",
        [disputeId, CommitteeStatus.Drawn],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(successor.write.answer([1n, 7n]), p.committee, "ValidatorCommitteeUnknownRequest", [1n]);
      await p.vrfCoordinator.write.fulfillRandomWords([requested!.args.requestId!, p.committee.address]);
      const [refused] = (await p.vrfCoordinator.getEvents.RandomWordsFulfilled()).slice(-1);
      assert.equal(refused!.args.success, false, "the replaced coordinator's answer is refused");

      // No coordinator comes back (it could answer the ids left with it, whose words are public by now), nor is the
      // current one set again (that would let anyone renew a pending request for a second word).
      for (const coordinator of [p.vrfCoordinator.address, successor.address]) {
        const data = encodeFunctionData({ abi: p.committee.abi, functionName: "setCoordinator", args: [coordinator] });
        const again = await schedule(p, p.committee.address, data, keccak256(stringToHex("again")));
        await networkHelpers.time.increase(again.delay);
        await viem.assertions.revertWithCustomErrorWithArgs(again.execute(), p.committee, "VrfConsumerCoordinatorUsed", [getAddress(coordinator)]);
      }
      assert.equal(await p.committee.read.coordinatorEpoch(), 1);
    });

    it("leaves a renewal the new coordinator refuses to be renewed again", async () => {
      const { successor, repoint, ...p } = await networkHelpers.loadFixture(withCoordinatorChangePending);
      await p.disputes.write.challenge([p.jobId, 0n, keccak256(stringToHex("claimed"))], { account: p.challenger.account });
      await networkHelpers.time.increase(600);
      await repoint.execute();
      await successor.write.setRefusing([true]);
      await viem.assertions.revertWithCustomError(p.committee.write.renewRequest([1n], { account: p.outsider.account }), successor, "VrfCoordinatorDoubleRefused");
      assert.equal((await p.committee.read.requestOf([1n])).status, CommitteeStatus.Requested, "still renewable");
      await successor.write.setRefusing([false]);
      await viem.assertions.emitWithArgs(p.committee.write.renewRequest([1n], { account: p.outsider.account }), p.committee, "CommitteeRequested", [1n, 1n]);
    });

    it("renews no request that is not awaiting an answer, nor one whose draw window closed", async () => {
      const { repoint, ...p } = await networkHelpers.loadFixture(withCoordinatorChangePending);
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.committee.write.renewRequest([1n]),
        p.committee,
        "ValidatorCommitteeNotRequested",
        [1n, CommitteeStatus.None],
      );
      await p.disputes.write.challenge([p.jobId, 0n, keccak256(stringToHex("claimed"))], { account: p.challenger.account });
      const { requestedAt } = await p.committee.read.requestOf([1n]);
      const closesAt = BigInt(requestedAt) + BigInt(await p.committee.read.exitDelay());
      // Nobody executed the change until the request's draw window closed.
      await networkHelpers.time.increaseTo(closesAt);
      await repoint.execute();
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.committee.write.renewRequest([1n]),
        p.committee,
        "ValidatorCommitteeOutsideDrawWindow",
        [1n, BigInt(requestedAt), closesAt],
      );
    });
  });

  describe("storage-proof verifier versions", () => {
    it("are registered only through the timelock, after its delay", async () => {
      const p = await networkHelpers.loadFixture(deployProtocol);
      const verifierAdmin = keccak256(stringToHex("VERIFIER_ADMIN_ROLE"));
      const version2 = await viem.deployContract("StorageProofVerifierV1");
      const keyHash = keccak256(stringToHex("another verifying key"));
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.storageProofs.write.addVerifier([version2.address, keyHash]),
        p.storageProofs,
        "AccessControlUnauthorizedAccount",
        [getAddress(p.deployer.account.address), verifierAdmin],
      );
      const data = encodeFunctionData({ abi: p.storageProofs.abi, functionName: "addVerifier", args: [version2.address, keyHash] });
      const { delay, execute } = await schedule(p, p.storageProofs.address, data);
      await assert.rejects(execute(), /TimelockUnexpectedOperationState/);
      await networkHelpers.time.increase(delay);
      await execute();
      assert.equal(await p.storageProofs.read.versionCount(), 2n);
      assert.deepEqual(await p.storageProofs.read.verifierVersion([2n]), { verifier: getAddress(version2.address), verifyingKeyHash: keyHash });
    });

    it("leave the timelock administering itself, with no admin account", async () => {
      const p = await networkHelpers.loadFixture(deployProtocol);
      const adminRole = await p.governance.read.DEFAULT_ADMIN_ROLE();
      assert.equal(await p.governance.read.hasRole([adminRole, p.deployer.account.address]), false);
      assert.ok(await p.governance.read.hasRole([adminRole, p.governance.address]));
      // Execution is open to anyone once an operation is ready (executor role held by address 0).
      assert.ok(await p.governance.read.hasRole([await p.governance.read.EXECUTOR_ROLE(), zeroAddress]));
    });
  });

  describe("the public Veritrain module", () => {
    it("refuses the development verifier unless VERITRAIN_DEVELOPMENT_KEYS=insecure", async () => {
      const futureIds = async (tag: string) => {
        const module = (await import(`../../ignition/modules/Veritrain.ts?${tag}`)).default;
        return [...module.futures].map((future: { id: string }) => future.id);
      };
      delete process.env.VERITRAIN_DEVELOPMENT_KEYS;
      const secure = await futureIds("secure");
      assert.ok(!secure.some((id) => id.includes("StorageProofVerifierV1")), "no development verifier by default");
      const warnings: string[] = [];
      const warn = console.warn;
      console.warn = (message: string) => warnings.push(message);
      process.env.VERITRAIN_DEVELOPMENT_KEYS = "insecure";
      try {
        assert.ok((await futureIds("insecure")).some((id) => id.includes("StorageProofVerifierV1")));
      } finally {
        console.warn = warn;
        delete process.env.VERITRAIN_DEVELOPMENT_KEYS;
      }
      assert.match(warnings.join("\n"), /anyone can forge storage proofs/);
    });
  });
});
