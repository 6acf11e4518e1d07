import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodeAbiParameters, encodeFunctionData, getAddress, getContract, keccak256, parseAbi, parseEther, stringToHex, zeroAddress, zeroHash, type Address } from "viem";
import { deployProtocol, fieldRoot, networkHelpers, SNARK_SCALAR_FIELD, stake, viem, type Protocol } from "./fixture.ts";

const RoundStatus = { None: 0, Requested: 1, Open: 2, Closed: 3 } as const;
const Mode = { Accept: 0, Reject: 1, Revert: 2 } as const;
const VERIFYING_KEY_HASH = keccak256(stringToHex("verifying key"));
const VERIFIER_ADMIN_ROLE = keccak256(stringToHex("VERIFIER_ADMIN_ROLE"));
/** Proof words in verifyProof's order: a.x, a.y, b.x1, b.x0, b.y1, b.y0, c.x, c.y. */
const PROOF = [11n, 12n, 21n, 22n, 23n, 24n, 31n, 32n] as const;
/** Ignition defaults of VeritrainLocal (no parameter file in tests). */
const ROUND_INTERVAL = 24n * 3600n;
const PROOF_WINDOW = 3600n;
const REQUEST_TIMEOUT = 3600n;
const FAULT_PENALTY = parseEther("250");
const PAYMENT = parseEther("10");

/** A two-column dataset (1 + 1 shards) bound to verifier version `verifierVersion`. */
const registration = (verifierVersion: number) => ({
  manifestDigest: keccak256(stringToHex("manifest")),
  datasetRoot: fieldRoot("dataset root"),
  columnRoots: [fieldRoot("column 0"), fieldRoot("column 1")],
  k: 1,
  n: 2,
  shardSize: 1024,
  stripeCount: 1,
  byteLength: 1000n,
  payment: PAYMENT,
  term: 365 * 24 * 3600,
  verifierVersion,
});

/** ABI of test/contracts/utils/VerifierDouble.sol (Hardhat types only contracts/ sources). */
const VERIFIER_DOUBLE_ABI = parseAbi([
  "function setMode(uint8 mode)",
  "function expect(uint256[8] proof, uint256[2] columnTerm, uint256[2] roundTerm)",
  "function columnTerm(uint256 columnRoot, address prover) pure returns (uint256[2])",
  "function roundTerm(uint256 seed) pure returns (uint256[2])",
  "function verifyProof(uint256[8] proof, uint256[2] columnTerm, uint256[2] roundTerm) view returns (bool)",
]);

/** Deploys a VerifierDouble (accepting anything until told otherwise). */
async function deployVerifierDouble() {
  const { address }: { address: Address } = await viem.deployContract("VerifierDouble");
  const [wallet] = await viem.getWalletClients();
  return getContract({ address, abi: VERIFIER_DOUBLE_ABI, client: { public: await viem.getPublicClient(), wallet: wallet! } });
}

/** A wallet's checksummed address, as contracts and events return addresses. */
const addressOf = (wallet: { account: { address: Address } }) => getAddress(wallet.account.address);

/** Registers `verifier` as the next version as governance does (the timelock holds VERIFIER_ADMIN_ROLE; impersonated here). */
async function addVersion(p: Protocol, verifier: Address, verifyingKeyHash = VERIFYING_KEY_HASH) {
  await networkHelpers.impersonateAccount(p.governance.address);
  await networkHelpers.setBalance(p.governance.address, parseEther("1"));
  return p.storageProofs.write.addVerifier([verifier, verifyingKeyHash], { account: p.governance.address });
}

/** The protocol with a verifier double registered as version 2 (after the development verifier) and two storage providers joined. */
async function withVersion2() {
  const p = await deployProtocol();
  const verifier = await deployVerifierDouble();
  await addVersion(p, verifier.address);
  const providerStake = await p.datasetRegistry.read.providerStake();
  for (const wallet of p.storageProviders.slice(-2)) {
    await stake(p, wallet, providerStake);
    await p.datasetRegistry.write.join([`/ip4/127.0.0.1/tcp/4001/p2p/${wallet.account.address}`], { account: wallet.account });
  }
  return { ...p, verifier };
}

/**
 * Dataset 1 (two columns) registered bound to version 2 (the verifier double) and placed on the two
 * providers, a third storage provider joined (free for a redraw), no column accepted yet.
 */
async function withDoubleVerifier() {
  const p = await withVersion2();
  await p.datasetRegistry.write.register([registration(2)], { account: p.consumer.account });
  const [requested] = await p.datasetRegistry.getEvents.PlacementRequested({ datasetId: 1n }, { fromBlock: 0n });
  await p.vrfCoordinator.write.fulfillRandomWords([requested!.args.requestId!, p.datasetRegistry.address]);
  await p.datasetRegistry.write.applyPlacement([1n, 2n]);
  const spare = p.storageProviders.at(-3)!;
  await stake(p, spare, await p.datasetRegistry.read.providerStake());
  await p.datasetRegistry.write.join(["/ip4/127.0.0.1/tcp/4001/p2p/spare"], { account: spare.account });
  const holders = await p.datasetRegistry.read.holders([1n]);
  const walletOf = (address: Address) => p.storageProviders.find((w) => addressOf(w) === address)!;
  return { ...p, verifier: p.verifier, spare, walletOf, holder0: walletOf(holders[0]!), holder1: walletOf(holders[1]!) };
}

/** {@link withDoubleVerifier} with both columns accepted by their holders. */
async function withAcceptedDataset() {
  const p = await withDoubleVerifier();
  await p.datasetRegistry.write.acceptColumn([1n, 0n], { account: p.holder0.account });
  await p.datasetRegistry.write.acceptColumn([1n, 1n], { account: p.holder1.account });
  return p;
}

type Audited = Awaited<ReturnType<typeof withAcceptedDataset>>;

/** Answers StorageProofs' latest VRF request. */
async function fulfilRound(p: Protocol) {
  const events = await p.storageProofs.getEvents.RoundRequested({}, { fromBlock: 0n });
  return p.vrfCoordinator.write.fulfillRandomWords([events.at(-1)!.args.requestId!, p.storageProofs.address]);
}

/** Column 0's holder exits and the column is redrawn: the spare provider holds it, not accepted yet. */
async function redrawColumn0(p: Audited) {
  await p.datasetRegistry.write.exit({ account: p.holder0.account });
  await p.datasetRegistry.write.reassign([1n, 0n]);
  const [, requested] = await p.datasetRegistry.getEvents.PlacementRequested({ datasetId: 1n }, { fromBlock: 0n });
  await p.vrfCoordinator.write.fulfillRandomWords([requested!.args.requestId!, p.datasetRegistry.address]);
}

/** Column 0 (reassignable already) is redrawn onto the spare provider. */
async function redrawColumn0WithoutExit(p: Audited) {
  await p.datasetRegistry.write.reassign([1n, 0n]);
  const requested = await p.datasetRegistry.getEvents.PlacementRequested({ datasetId: 1n }, { fromBlock: 0n });
  await p.vrfCoordinator.write.fulfillRandomWords([requested.at(-1)!.args.requestId!, p.datasetRegistry.address]);
}

/** Column 0 cannot be redrawn while the current audit round holds it: `reassign` reverts, and keepers are not offered it. */
async function assertColumn0HeldForAudit(p: Audited) {
  await viem.assertions.revertWithCustomErrorWithArgs(
    p.datasetRegistry.write.reassign([1n, 0n], { account: p.outsider.account }),
    p.datasetRegistry,
    "DatasetRegistryColumnUnderAudit",
    [1n, 0n],
  );
  assert.equal(await p.datasetRegistry.read.reassignable([1n]), 0n, "not offered to keepers either");
}

/** Dataset 1 placed but with no verifier double: bound to version 1, the development verifier (for the bare-deployment cases). */
async function withDevelopmentDataset() {
  const p = await withVersion2();
  await p.datasetRegistry.write.register([registration(1)], { account: p.consumer.account });
  const [requested] = await p.datasetRegistry.getEvents.PlacementRequested({ datasetId: 1n }, { fromBlock: 0n });
  await p.vrfCoordinator.write.fulfillRandomWords([requested!.args.requestId!, p.datasetRegistry.address]);
  await p.datasetRegistry.write.applyPlacement([1n, 2n]);
  return p;
}

/** Round 1 of dataset 1 open, auditing both columns. */
async function withOpenRound() {
  const p = await withAcceptedDataset();
  await p.storageProofs.write.openRound([1n], { account: p.outsider.account });
  await fulfilRound(p);
  return { ...p, round: await p.storageProofs.read.currentRound([1n]) };
}

/** Submits {@link PROOF} as `wallet` for `column` in `round`, with the terms StorageProofs computes for `wallet`. */
async function submit(p: Audited, wallet: Audited["holder0"], column: bigint, round = 1n) {
  const terms = await p.storageProofs.read.proofTerms([1n, column, addressOf(wallet)]);
  return p.storageProofs.write.submitProof([1n, round, column, [...PROOF], terms], { account: wallet.account });
}

/** What submitProof would return for `wallet`'s proof of `column` in round 1, without sending it. */
async function simulateSubmit(p: Audited, wallet: Audited["holder0"], column: bigint) {
  const publicClient = await viem.getPublicClient();
  const { result } = await publicClient.simulateContract({
    address: p.storageProofs.address,
    abi: p.storageProofs.abi,
    functionName: "submitProof",
    args: [1n, 1n, column, [...PROOF], await p.storageProofs.read.proofTerms([1n, column, addressOf(wallet)])],
    account: addressOf(wallet),
  });
  return result;
}

describe("StorageProofs", () => {
  it("rejects invalid constructor parameters by name", async () => {
    const p = await networkHelpers.loadFixture(withDevelopmentDataset);
    const { subscriptionId, keyHash, callbackGasLimit, requestConfirmations } = await p.committee.read.config();
    const vrf = { keyHash, subscriptionId, callbackGasLimit, requestConfirmations };
    const [coordinator, governance, registry, admin] = [p.vrfCoordinator.address, p.governance.address, p.datasetRegistry.address, addressOf(p.deployer)];
    const cases = [
      ["registry", [coordinator, governance, zeroAddress, vrf, 120, 60, 60, admin, admin]],
      ["proofWindow", [coordinator, governance, registry, vrf, 120, 0, 60, admin, admin]],
      ["roundInterval", [coordinator, governance, registry, vrf, 59, 60, 60, admin, admin]],
      ["requestTimeout", [coordinator, governance, registry, vrf, 120, 60, 0, admin, admin]],
      ["verifierAdmin", [coordinator, governance, registry, vrf, 120, 60, 60, zeroAddress, admin]],
      ["admin", [coordinator, governance, registry, vrf, 120, 60, 60, admin, zeroAddress]],
    ] as const;
    for (const [name, args] of cases) {
      await viem.assertions.revertWithCustomErrorWithArgs(
        viem.deployContract("StorageProofs", args as never),
        p.storageProofs,
        "StorageProofsInvalidParameter",
        [name],
      );
    }
  });

  describe("verifier versions", () => {
    it("registers versions for VERIFIER_ADMIN_ROLE (the timelock) only, after the development verifier (version 1)", async () => {
      const p = await networkHelpers.loadFixture(deployProtocol);
      const verifier = await deployVerifierDouble();
      assert.equal(await p.storageProofs.read.versionCount(), 1n);
      for (const account of [p.outsider, p.deployer]) {
        await viem.assertions.revertWithCustomErrorWithArgs(
          p.storageProofs.write.addVerifier([verifier.address, VERIFYING_KEY_HASH], { account: account.account }),
          p.storageProofs,
          "AccessControlUnauthorizedAccount",
          [addressOf(account), VERIFIER_ADMIN_ROLE],
        );
      }
      await viem.assertions.emitWithArgs(addVersion(p, verifier.address), p.storageProofs, "VerifierAdded", [2n, verifier.address, VERIFYING_KEY_HASH]);
      assert.equal(await p.storageProofs.read.versionCount(), 2n);
      assert.deepEqual(await p.storageProofs.read.verifierVersion([2n]), { verifier: getAddress(verifier.address), verifyingKeyHash: VERIFYING_KEY_HASH });
      for (const version of [0n, 3n]) {
        await viem.assertions.revertWithCustomErrorWithArgs(
          p.storageProofs.read.verifierVersion([version]),
          p.storageProofs,
          "StorageProofsUnknownVersion",
          [version],
        );
      }
    });

    it("rejects a verifier without code and an empty key hash", async () => {
      const p = await networkHelpers.loadFixture(deployProtocol);
      for (const [name, verifier, hash] of [
        ["verifier", zeroAddress, VERIFYING_KEY_HASH],
        ["verifier", addressOf(p.outsider), VERIFYING_KEY_HASH],
        ["verifyingKeyHash", p.token.address, zeroHash],
      ] as const) {
        await viem.assertions.revertWithCustomErrorWithArgs(addVersion(p, verifier, hash), p.storageProofs, "StorageProofsInvalidParameter", [name]);
      }
      assert.equal(await p.storageProofs.read.versionCount(), 1n);
    });
  });

  describe("when a dataset is registered (finding 2: the owner names the verifier version)", () => {
    it("binds it at registration to the version it names, whatever versions come later", async () => {
      const p = await networkHelpers.loadFixture(withVersion2);
      // The owner names the development verifier (version 1) although version 2 is the latest.
      const tx = p.datasetRegistry.write.register([registration(1)], { account: p.consumer.account });
      await viem.assertions.emitWithArgs(tx, p.storageProofs, "DatasetBound", [1n, 1n]);
      assert.equal(await p.storageProofs.read.versionOf([1n]), 1n);
      // A version added afterwards (by whoever holds VERIFIER_ADMIN_ROLE) changes nothing for it.
      const later = await deployVerifierDouble();
      await addVersion(p, later.address, keccak256(stringToHex("later key")));
      const [requested] = await p.datasetRegistry.getEvents.PlacementRequested({ datasetId: 1n }, { fromBlock: 0n });
      await p.vrfCoordinator.write.fulfillRandomWords([requested!.args.requestId!, p.datasetRegistry.address]);
      await p.datasetRegistry.write.applyPlacement([1n, 2n]);
      const [holder] = await p.datasetRegistry.read.holders([1n]);
      const wallet = p.storageProviders.find((w) => addressOf(w) === holder)!;
      await viem.assertions.emitWithArgs(
        p.datasetRegistry.write.acceptColumn([1n, 0n], { account: wallet.account }),
        p.storageProofs,
        "ColumnPrepared",
        [1n, 0n, holder!, 1n],
      );
      await p.storageProofs.write.openRound([1n]);
      assert.equal(await p.storageProofs.read.versionOf([1n]), 1n);
      assert.equal((await p.storageProofs.getEvents.DatasetBound({ datasetId: 1n }, { fromBlock: 0n })).length, 1);
    });

    for (const version of [0, 3]) {
      it(`refuses a registration naming unknown version ${version} and keeps nothing of it`, async () => {
        const p = await networkHelpers.loadFixture(withVersion2);
        const before = await p.token.read.balanceOf([p.consumer.account.address]);
        await viem.assertions.revertWithCustomErrorWithArgs(
          p.datasetRegistry.write.register([registration(version)], { account: p.consumer.account }),
          p.storageProofs,
          "StorageProofsUnknownVersion",
          [BigInt(version)],
        );
        assert.equal(await p.datasetRegistry.read.datasetCount(), 0n);
        assert.equal(await p.token.read.balanceOf([p.consumer.account.address]), before);
        assert.equal(await p.storageProofs.read.versionOf([1n]), 0n);
      });
    }

    it("takes registrations and acceptances from DatasetRegistry only", async () => {
      const p = await networkHelpers.loadFixture(withDoubleVerifier);
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.storageProofs.write.datasetRegistered([2n, 2n], { account: p.outsider.account }),
        p.storageProofs,
        "StorageProofsNotRegistry",
        [addressOf(p.outsider)],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.storageProofs.write.columnAccepted([1n, 0n, addressOf(p.outsider), zeroHash], { account: p.outsider.account }),
        p.storageProofs,
        "StorageProofsNotRegistry",
        [addressOf(p.outsider)],
      );
    });

    it("prepares each accepted column with the dataset's version", async () => {
      const p = await networkHelpers.loadFixture(withDoubleVerifier);
      await viem.assertions.emitWithArgs(
        p.datasetRegistry.write.acceptColumn([1n, 0n], { account: p.holder0.account }),
        p.storageProofs,
        "ColumnPrepared",
        [1n, 0n, addressOf(p.holder0), 2n],
      );
    });
  });

  describe("openRound", () => {
    it("requests the seed of the dataset's first round", async () => {
      const p = await networkHelpers.loadFixture(withDoubleVerifier);
      await p.storageProofs.write.openRound([1n], { account: p.outsider.account });
      const [requested] = await p.storageProofs.getEvents.RoundRequested({ datasetId: 1n }, { fromBlock: 0n });
      assert.equal(requested!.args.round, 1n);
      const requestedAt = BigInt(await networkHelpers.time.latest());
      assert.deepEqual(await p.storageProofs.read.currentRound([1n]), {
        number: 1n,
        status: RoundStatus.Requested,
        openedAt: 0,
        deadline: Number(requestedAt + REQUEST_TIMEOUT),
        seed: 0n,
        audited: 0n,
        proved: 0n,
      });
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.storageProofs.write.openRound([1n]),
        p.storageProofs,
        "StorageProofsRequestPending",
        [1n, requestedAt + REQUEST_TIMEOUT],
      );
    });

    it("refuses a dataset that is not active or not bound to a version", async () => {
      const p = await networkHelpers.loadFixture(withDevelopmentDataset);
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.storageProofs.write.openRound([2n]),
        p.storageProofs,
        "StorageProofsDatasetNotActive",
        [2n],
      );
      // A StorageProofs the registry does not report to: it never heard of the dataset's registration.
      const { subscriptionId, keyHash, callbackGasLimit, requestConfirmations } = await p.committee.read.config();
      const admin = addressOf(p.deployer);
      const bare = await viem.deployContract("StorageProofs", [
        p.vrfCoordinator.address,
        p.governance.address,
        p.datasetRegistry.address,
        { keyHash, subscriptionId, callbackGasLimit, requestConfirmations },
        120,
        60,
        60,
        admin,
        admin,
      ]);
      await viem.assertions.revertWithCustomErrorWithArgs(bare.write.openRound([1n]), bare, "StorageProofsUnknownVersion", [0n]);
      await viem.assertions.revertWithCustomErrorWithArgs(bare.read.proofTerms([1n, 0n, admin]), bare, "StorageProofsUnknownVersion", [0n]);
      assert.deepEqual(await bare.read.checkUpkeep(["0x"]), [false, encodeAbiParameters([{ type: "uint256[]" }], [[]])], "nothing bound");
    });

    it("opens on the VRF answer, auditing the accepted columns until the deadline", async () => {
      const p = await networkHelpers.loadFixture(withAcceptedDataset);
      await p.storageProofs.write.openRound([1n]);
      await viem.assertions.emit(fulfilRound(p), p.storageProofs, "RoundOpened");
      const openedAt = BigInt(await networkHelpers.time.latest());
      const [opened] = await p.storageProofs.getEvents.RoundOpened({ datasetId: 1n }, { fromBlock: 0n });
      const round = await p.storageProofs.read.currentRound([1n]);
      assert.deepEqual(round, {
        number: 1n,
        status: RoundStatus.Open,
        openedAt: Number(openedAt),
        deadline: Number(openedAt + PROOF_WINDOW),
        seed: opened!.args.seed!,
        audited: 3n,
        proved: 0n,
      });
      assert.deepEqual(opened!.args, { datasetId: 1n, round: 1n, seed: round.seed, deadline: openedAt + PROOF_WINDOW, audited: 3n });
      assert.ok(round.seed < SNARK_SCALAR_FIELD);
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.storageProofs.write.openRound([1n]),
        p.storageProofs,
        "StorageProofsWrongRoundStatus",
        [1n, RoundStatus.Open, RoundStatus.Closed],
      );
    });

    it("waits roundInterval from the last opening", async () => {
      const p = await networkHelpers.loadFixture(withOpenRound);
      await networkHelpers.time.increase(PROOF_WINDOW);
      await p.storageProofs.write.closeRound([1n]);
      const readyAt = BigInt(p.round.openedAt) + ROUND_INTERVAL;
      assert.equal(await p.storageProofs.read.nextRoundAt([1n]), readyAt);
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.storageProofs.write.openRound([1n]),
        p.storageProofs,
        "StorageProofsRoundNotDue",
        [1n, readyAt],
      );
      await networkHelpers.time.setNextBlockTimestamp(readyAt);
      await viem.assertions.emitWithArgs(p.storageProofs.write.openRound([1n]), p.storageProofs, "RoundRequested", [
        1n,
        2n,
        (id: bigint) => id > 0n,
      ]);
    });

    it("closes at once a round with nothing to audit", async () => {
      const p = await networkHelpers.loadFixture(withDoubleVerifier);
      await p.storageProofs.write.openRound([1n]);
      await viem.assertions.emitWithArgs(fulfilRound(p), p.storageProofs, "RoundClosed", [1n, 1n, 0n]);
      const round = await p.storageProofs.read.currentRound([1n]);
      assert.equal(round.status, RoundStatus.Closed);
      assert.equal(round.audited, 0n);
    });

    it("does not revert when the VRF answers for a dataset settled meanwhile", async () => {
      const p = await networkHelpers.loadFixture(withAcceptedDataset);
      const { endsAt } = await p.datasetRegistry.read.getDataset([1n]);
      await networkHelpers.time.setNextBlockTimestamp(endsAt - 1);
      await p.storageProofs.write.openRound([1n]);
      await p.datasetRegistry.write.settle([1n]);
      await viem.assertions.emitWithArgs(fulfilRound(p), p.storageProofs, "RoundClosed", [1n, 1n, 0n]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.storageProofs.write.openRound([1n]),
        p.storageProofs,
        "StorageProofsDatasetNotActive",
        [1n],
      );
    });

    it("reduces the VRF word modulo r into the seed", async () => {
      const p = await networkHelpers.loadFixture(withAcceptedDataset);
      await p.storageProofs.write.openRound([1n]);
      const [requested] = await p.storageProofs.getEvents.RoundRequested({ datasetId: 1n }, { fromBlock: 0n });
      await p.vrfCoordinator.write.fulfillRandomWordsWithOverride([requested!.args.requestId!, p.storageProofs.address, [SNARK_SCALAR_FIELD + 5n]]);
      assert.equal((await p.storageProofs.read.currentRound([1n])).seed, 5n);
      assert.deepEqual((await p.storageProofs.read.proofTerms([1n, 0n, addressOf(p.holder0)])).round, await p.verifier.read.roundTerm([5n]));
    });

    it("renews a request the VRF left unanswered for requestTimeout and ignores the late answer (finding 6)", async () => {
      const p = await networkHelpers.loadFixture(withAcceptedDataset);
      await p.storageProofs.write.openRound([1n]);
      const [first] = await p.storageProofs.getEvents.RoundRequested({ datasetId: 1n }, { fromBlock: 0n });
      const { deadline: renewableAt } = await p.storageProofs.read.currentRound([1n]);
      const ids = (list: bigint[]) => encodeAbiParameters([{ type: "uint256[]" }], [list]);
      assert.deepEqual(await p.storageProofs.read.checkUpkeep(["0x"]), [false, ids([])], "still waiting");
      await networkHelpers.time.setNextBlockTimestamp(BigInt(renewableAt) - 1n);
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.storageProofs.write.openRound([1n]),
        p.storageProofs,
        "StorageProofsRequestPending",
        [1n, BigInt(renewableAt)],
      );
      await networkHelpers.time.setNextBlockTimestamp(renewableAt);
      await networkHelpers.mine();
      assert.deepEqual(await p.storageProofs.read.checkUpkeep(["0x"]), [true, ids([1n])], "the upkeep renews it too");
      await viem.assertions.emitWithArgs(p.storageProofs.write.openRound([1n], { account: p.outsider.account }), p.storageProofs, "RoundRequested", [
        1n,
        1n,
        (id: bigint) => id !== first!.args.requestId,
      ]);
      const [, second] = await p.storageProofs.getEvents.RoundRequested({ datasetId: 1n }, { fromBlock: 0n });
      await viem.assertions.emitWithArgs(
        p.vrfCoordinator.write.fulfillRandomWords([first!.args.requestId!, p.storageProofs.address]),
        p.storageProofs,
        "RoundAnswerIgnored",
        [1n, first!.args.requestId!],
      );
      assert.equal((await p.storageProofs.read.currentRound([1n])).status, RoundStatus.Requested, "the late answer opened nothing");
      await viem.assertions.emitWithArgs(
        p.vrfCoordinator.write.fulfillRandomWords([second!.args.requestId!, p.storageProofs.address]),
        p.storageProofs,
        "RoundOpened",
        [1n, 1n, (seed: bigint) => seed > 0n, (deadline: bigint) => deadline > 0n, 3n],
      );
    });

    it("accepts randomness only for its own requests", async () => {
      const p = await networkHelpers.loadFixture(withDoubleVerifier);
      await networkHelpers.impersonateAccount(p.vrfCoordinator.address);
      await networkHelpers.setBalance(p.vrfCoordinator.address, parseEther("1"));
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.storageProofs.write.rawFulfillRandomWords([99n, [1n]], { account: p.vrfCoordinator.address }),
        p.storageProofs,
        "StorageProofsUnknownRequest",
        [99n],
      );
    });
  });

  describe("submitProof", () => {
    it("passes the proof words and the column and round terms in the verifier's order and marks the column proved", async () => {
      const p = await networkHelpers.loadFixture(withOpenRound);
      const prover = addressOf(p.holder1);
      const [, root] = await p.datasetRegistry.read.columnOf([1n, 1n]);
      assert.deepEqual(await p.storageProofs.read.publicInputs([1n, 1n, prover]), [BigInt(root), BigInt(prover), p.round.seed]);
      const columnTerm = await p.verifier.read.columnTerm([BigInt(root), prover]);
      const roundTerm = await p.verifier.read.roundTerm([p.round.seed]);
      const terms = await p.storageProofs.read.proofTerms([1n, 1n, prover]);
      assert.deepEqual(terms, { column: columnTerm, round: roundTerm, verifier: getAddress(p.verifier.address) });
      await p.verifier.write.expect([[...PROOF], columnTerm, roundTerm]);
      const result = await simulateSubmit(p, p.holder1, 1n);
      assert.equal(result, true);
      await viem.assertions.emitWithArgs(submit(p, p.holder1, 1n), p.storageProofs, "ProofAccepted", [1n, 1n, 1n, prover]);
      assert.equal((await p.storageProofs.read.currentRound([1n])).proved, 2n);
      await viem.assertions.revertWithCustomErrorWithArgs(
        submit(p, p.holder1, 1n),
        p.storageProofs,
        "StorageProofsAlreadyProved",
        [1n, 1n],
      );
    });

    it("binds a proof to its prover and column: each gets its own column term", async () => {
      const p = await networkHelpers.loadFixture(withOpenRound);
      const [a, b] = [addressOf(p.holder0), addressOf(p.holder1)];
      const term = async (column: bigint, prover: Address) => (await p.storageProofs.read.proofTerms([1n, column, prover])).column;
      assert.notDeepEqual(await term(0n, a), await term(0n, b));
      assert.notDeepEqual(await term(0n, a), await term(1n, a));
    });

    it("rejects a proof from anyone but the column's holder, including another column's holder", async () => {
      const p = await networkHelpers.loadFixture(withOpenRound);
      const holderTerms = await p.storageProofs.read.proofTerms([1n, 0n, addressOf(p.holder0)]);
      for (const wallet of [p.outsider, p.holder1]) {
        for (const terms of [holderTerms, await p.storageProofs.read.proofTerms([1n, 0n, addressOf(wallet)])]) {
          await viem.assertions.revertWithCustomErrorWithArgs(
            p.storageProofs.write.submitProof([1n, 1n, 0n, [...PROOF], terms], { account: wallet.account }),
            p.storageProofs,
            "StorageProofsNotHolder",
            [1n, 0n, addressOf(wallet), addressOf(p.holder0)],
          );
        }
      }
    });

    it("rejects the holder's proof with terms of another column, round or verifier", async () => {
      const p = await networkHelpers.loadFixture(withOpenRound);
      const holder = addressOf(p.holder0);
      const terms = await p.storageProofs.read.proofTerms([1n, 0n, holder]);
      const [, otherRoot] = await p.datasetRegistry.read.columnOf([1n, 1n]);
      for (const wrong of [
        { ...terms, column: await p.verifier.read.columnTerm([BigInt(otherRoot), holder]) },
        { ...terms, round: await p.verifier.read.roundTerm([p.round.seed + 1n]) },
        { ...terms, verifier: p.token.address },
      ]) {
        await viem.assertions.revertWithCustomErrorWithArgs(
          p.storageProofs.write.submitProof([1n, 1n, 0n, [...PROOF], wrong], { account: p.holder0.account }),
          p.storageProofs,
          "StorageProofsWrongTerms",
          [1n, 0n],
        );
      }
      assert.equal((await p.storageProofs.read.currentRound([1n])).proved, 0n, "nothing recorded");
    });

    it("lets a holder that proved its column leave during the round; its successor is audited from the next round", async () => {
      const p = await networkHelpers.loadFixture(withOpenRound);
      await submit(p, p.holder0, 0n);
      // Column 0 owes nothing more this round, so it may be redrawn at once.
      await redrawColumn0(p);
      assert.equal((await p.datasetRegistry.read.columnOf([1n, 0n]))[0], addressOf(p.spare));
      await viem.assertions.emitWithArgs(
        p.datasetRegistry.write.acceptColumn([1n, 0n], { account: p.spare.account }),
        p.storageProofs,
        "ColumnPrepared",
        [1n, 0n, addressOf(p.spare), 2n],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(submit(p, p.spare, 0n), p.storageProofs, "StorageProofsAlreadyProved", [1n, 0n]);
      await submit(p, p.holder1, 1n);
      await networkHelpers.time.increase(PROOF_WINDOW);
      await viem.assertions.emitWithArgs(p.storageProofs.write.closeRound([1n]), p.storageProofs, "RoundClosed", [1n, 1n, 3n]);
      await networkHelpers.time.increase(ROUND_INTERVAL);
      await p.storageProofs.write.openRound([1n]);
      await fulfilRound(p);
      await viem.assertions.emitWithArgs(submit(p, p.spare, 0n, 2n), p.storageProofs, "ProofAccepted", [1n, 2n, 0n, addressOf(p.spare)]);
      assert.deepEqual(await p.datasetRegistry.getEvents.ColumnFaulty({}, { fromBlock: 0n }), []);
    });

    it("rejects columns outside the audit", async () => {
      const p = await networkHelpers.loadFixture(withOpenRound);
      const terms = await p.storageProofs.read.proofTerms([1n, 0n, addressOf(p.holder0)]);
      for (const column of [2n, 254n, 255n, 256n, 2n ** 256n - 1n]) {
        await viem.assertions.revertWithCustomErrorWithArgs(
          p.storageProofs.write.submitProof([1n, 1n, column, [...PROOF], terms], { account: p.holder0.account }),
          p.storageProofs,
          "StorageProofsColumnNotAudited",
          [1n, column],
        );
      }
    });

    it("rejects a column accepted only after the round opened", async () => {
      const p = await networkHelpers.loadFixture(withDoubleVerifier);
      const [first, second] = [p.holder0, p.holder1];
      await p.datasetRegistry.write.acceptColumn([1n, 0n], { account: first!.account });
      await p.storageProofs.write.openRound([1n]);
      await fulfilRound(p);
      await p.datasetRegistry.write.acceptColumn([1n, 1n], { account: second!.account });
      assert.equal((await p.storageProofs.read.currentRound([1n])).audited, 1n);
      const terms = await p.storageProofs.read.proofTerms([1n, 1n, addressOf(second!)]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.storageProofs.write.submitProof([1n, 1n, 1n, [...PROOF], terms], { account: second!.account }),
        p.storageProofs,
        "StorageProofsColumnNotAudited",
        [1n, 1n],
      );
    });

    it("rejects a proof for another round, before the round opens and after its deadline", async () => {
      const p = await networkHelpers.loadFixture(withAcceptedDataset);
      await viem.assertions.revertWithCustomErrorWithArgs(submit(p, p.holder0, 0n, 0n), p.storageProofs, "StorageProofsWrongRoundStatus", [
        1n,
        RoundStatus.None,
        RoundStatus.Open,
      ]);
      await p.storageProofs.write.openRound([1n]);
      await viem.assertions.revertWithCustomErrorWithArgs(submit(p, p.holder0, 0n), p.storageProofs, "StorageProofsWrongRoundStatus", [
        1n,
        RoundStatus.Requested,
        RoundStatus.Open,
      ]);
      await fulfilRound(p);
      const { deadline } = await p.storageProofs.read.currentRound([1n]);
      await networkHelpers.time.setNextBlockTimestamp(deadline);
      await viem.assertions.revertWithCustomErrorWithArgs(submit(p, p.holder0, 0n), p.storageProofs, "StorageProofsDeadlinePassed", [
        1n,
        BigInt(deadline),
      ]);
      await p.storageProofs.write.closeRound([1n]);
      await networkHelpers.time.increase(ROUND_INTERVAL);
      await p.storageProofs.write.openRound([1n]);
      await fulfilRound(p);
      await viem.assertions.revertWithCustomErrorWithArgs(submit(p, p.holder1, 1n, 1n), p.storageProofs, "StorageProofsWrongRound", [
        1n,
        1n,
        2n,
      ]);
    });

    for (const [name, mode] of [
      ["an invalid proof", Mode.Reject],
      ["a verifier revert", Mode.Revert],
    ] as const) {
      it(`slashes the holder at once for ${name}, without reverting`, async () => {
        const p = await networkHelpers.loadFixture(withOpenRound);
        await p.verifier.write.setMode([mode]);
        const prover = addressOf(p.holder0);
        const result = await simulateSubmit(p, p.holder0, 0n);
        assert.equal(result, false);
        const ownerBefore = await p.token.read.balanceOf([addressOf(p.consumer)]);
        const tx = submit(p, p.holder0, 0n);
        await viem.assertions.emitWithArgs(tx, p.storageProofs, "ProofRejected", [1n, 1n, 0n, prover]);
        const [faulty] = await p.datasetRegistry.getEvents.ColumnFaulty({ datasetId: 1n }, { fromBlock: 0n });
        assert.deepEqual(faulty!.args, { datasetId: 1n, column: 0n, provider: prover, slashed: FAULT_PENALTY });
        assert.equal(await p.token.read.balanceOf([addressOf(p.consumer)]), ownerBefore + FAULT_PENALTY / 2n, "owner's share");
        assert.equal((await p.stakeManager.read.stakeOf([prover])).locked, (await p.datasetRegistry.read.providerStake()) - FAULT_PENALTY);
        await viem.assertions.revertWithCustomErrorWithArgs(submit(p, p.holder0, 0n), p.storageProofs, "StorageProofsAlreadyProved", [1n, 0n]);
        // Settled once: the close reports only the other column.
        await networkHelpers.time.increase(PROOF_WINDOW);
        await viem.assertions.emitWithArgs(p.storageProofs.write.closeRound([1n]), p.storageProofs, "RoundClosed", [1n, 1n, 0n]);
        const missed = await p.storageProofs.getEvents.ProofMissed({ datasetId: 1n }, { fromBlock: 0n });
        assert.deepEqual(
          missed.map((e) => e.args.column),
          [1n],
        );
      });
    }

    it("refuses to settle while a column owes a proof: the holder that misses is slashed and not paid (finding 5)", async () => {
      const p = await networkHelpers.loadFixture(withAcceptedDataset);
      const { endsAt } = await p.datasetRegistry.read.getDataset([1n]);
      await networkHelpers.time.setNextBlockTimestamp(endsAt - 2);
      await p.storageProofs.write.openRound([1n]);
      await fulfilRound(p);
      assert.equal(await p.storageProofs.read.owingProofs([1n]), 3n);
      await viem.assertions.revertWithCustomErrorWithArgs(p.datasetRegistry.write.settle([1n]), p.datasetRegistry, "DatasetRegistryProofsOutstanding", [1n, 3n]);
      await submit(p, p.holder1, 1n);
      await viem.assertions.revertWithCustomErrorWithArgs(p.datasetRegistry.write.settle([1n]), p.datasetRegistry, "DatasetRegistryProofsOutstanding", [1n, 1n]);
      await networkHelpers.time.increase(PROOF_WINDOW);
      assert.equal(await p.storageProofs.read.owingProofs([1n]), 1n, "owed until the round is closed");
      await p.storageProofs.write.closeRound([1n]);
      assert.equal(await p.storageProofs.read.owingProofs([1n]), 0n);
      const before = await Promise.all([p.holder0, p.holder1].map((w) => p.token.read.balanceOf([addressOf(w)])));
      await viem.assertions.emitWithArgs(p.datasetRegistry.write.settle([1n]), p.datasetRegistry, "DatasetSettled", [1n, PAYMENT / 2n, PAYMENT / 2n]);
      assert.equal(await p.token.read.balanceOf([addressOf(p.holder0)]), before[0], "missed its proof: not paid");
      assert.equal(await p.token.read.balanceOf([addressOf(p.holder1)]), before[1]! + PAYMENT / 2n);
    });
  });

  describe("closeRound", () => {
    it("waits for the deadline, then reports every missing proof and closes", async () => {
      const p = await networkHelpers.loadFixture(withOpenRound);
      await viem.assertions.revertWithCustomErrorWithArgs(p.storageProofs.write.closeRound([1n]), p.storageProofs, "StorageProofsDeadlineNotReached", [
        1n,
        BigInt(p.round.deadline),
      ]);
      await submit(p, p.holder1, 1n);
      await networkHelpers.time.setNextBlockTimestamp(p.round.deadline);
      const missing = addressOf(p.holder0);
      const tx = p.storageProofs.write.closeRound([1n], { account: p.outsider.account });
      await viem.assertions.emitWithArgs(tx, p.storageProofs, "ProofMissed", [1n, 1n, 0n, missing]);
      const [closed] = await p.storageProofs.getEvents.RoundClosed({ datasetId: 1n }, { fromBlock: 0n });
      assert.deepEqual(closed!.args, { datasetId: 1n, round: 1n, proved: 2n });
      const [faulty] = await p.datasetRegistry.getEvents.ColumnFaulty({}, { fromBlock: 0n });
      assert.deepEqual(faulty!.args, { datasetId: 1n, column: 0n, provider: missing, slashed: FAULT_PENALTY });
      assert.deepEqual(await p.storageProofs.read.currentRound([1n]), { ...p.round, status: RoundStatus.Closed, proved: 2n });
      await viem.assertions.revertWithCustomErrorWithArgs(p.storageProofs.write.closeRound([1n]), p.storageProofs, "StorageProofsWrongRoundStatus", [
        1n,
        RoundStatus.Closed,
        RoundStatus.Open,
      ]);
    });

    it("leaves a reported column reassignable to a provider outside the dataset, audited again once accepted", async () => {
      const p = await networkHelpers.loadFixture(withOpenRound);
      await submit(p, p.holder1, 1n);
      await networkHelpers.time.increase(PROOF_WINDOW);
      await p.storageProofs.write.closeRound([1n]);
      assert.ok(!(await p.datasetRegistry.read.providers()).includes(addressOf(p.holder0)), "slashed below providerStake");
      await p.datasetRegistry.write.reassign([1n, 0n], { account: p.outsider.account });
      const [, requested] = await p.datasetRegistry.getEvents.PlacementRequested({ datasetId: 1n }, { fromBlock: 0n });
      await p.vrfCoordinator.write.fulfillRandomWords([requested!.args.requestId!, p.datasetRegistry.address]);
      assert.deepEqual(await p.datasetRegistry.read.holders([1n]), [addressOf(p.spare), addressOf(p.holder1)]);
      assert.equal((await p.stakeManager.read.stakeOf([addressOf(p.holder0)])).locked, 0n, "the rest released with its column");
      await p.datasetRegistry.write.acceptColumn([1n, 0n], { account: p.spare.account });
      await networkHelpers.time.increase(ROUND_INTERVAL);
      await p.storageProofs.write.openRound([1n]);
      await fulfilRound(p);
      assert.equal((await p.storageProofs.read.currentRound([1n])).audited, 3n);
      await viem.assertions.emitWithArgs(submit(p, p.spare, 0n, 2n), p.storageProofs, "ProofAccepted", [1n, 2n, 0n, addressOf(p.spare)]);
    });

    it("keeps a holder that exits answerable for the open round: no redraw before the close, which slashes it (finding 4)", async () => {
      const p = await networkHelpers.loadFixture(withOpenRound);
      await submit(p, p.holder1, 1n);
      await viem.assertions.emitWithArgs(p.datasetRegistry.write.exit({ account: p.holder0.account }), p.datasetRegistry, "ProviderExited", [
        addressOf(p.holder0),
      ]);
      await assertColumn0HeldForAudit(p);
      await networkHelpers.time.increase(PROOF_WINDOW);
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.datasetRegistry.write.reassign([1n, 0n]),
        p.datasetRegistry,
        "DatasetRegistryColumnUnderAudit",
        [1n, 0n],
      );
      const ownerBefore = await p.token.read.balanceOf([addressOf(p.consumer)]);
      await viem.assertions.emitWithArgs(p.storageProofs.write.closeRound([1n]), p.storageProofs, "ProofMissed", [1n, 1n, 0n, addressOf(p.holder0)]);
      const [faulty] = await p.datasetRegistry.getEvents.ColumnFaulty({ datasetId: 1n }, { fromBlock: 0n });
      assert.deepEqual(faulty!.args, { datasetId: 1n, column: 0n, provider: addressOf(p.holder0), slashed: FAULT_PENALTY });
      assert.equal(await p.token.read.balanceOf([addressOf(p.consumer)]), ownerBefore + FAULT_PENALTY / 2n, "the owner's share of the slash");
      // Answered for: the column moves on, and the exited holder gets the rest of its stake back with it.
      await redrawColumn0WithoutExit(p);
      assert.equal((await p.datasetRegistry.read.holders([1n]))[0], addressOf(p.spare));
      const providerStake = await p.datasetRegistry.read.providerStake();
      assert.deepEqual(await p.stakeManager.read.stakeOf([addressOf(p.holder0)]), {
        ...(await p.stakeManager.read.stakeOf([addressOf(p.holder0)])),
        locked: 0n,
        available: providerStake - FAULT_PENALTY,
      });
    });
    it("refuses to redraw an accepted column while a round is requested: the round will audit it", async () => {
      const p = await networkHelpers.loadFixture(withAcceptedDataset);
      await p.datasetRegistry.write.exit({ account: p.holder0.account });
      await p.storageProofs.write.openRound([1n], { account: p.outsider.account });
      assert.equal((await p.storageProofs.read.currentRound([1n])).status, RoundStatus.Requested);
      await assertColumn0HeldForAudit(p);
      await fulfilRound(p);
      assert.equal((await p.storageProofs.read.currentRound([1n])).audited, 3n, "the exited holder's column is audited");
    });

    // A holder that stopped storing its column exits and has it redrawn; the redraw's answer and a round's answer
    // are then both pending, and a drand relayer may land them in either order. Neither order lets it escape.
    for (const first of ["round", "redraw"] as const) {
      it(`keeps the word of a redraw landing while a round holds the column (the ${first}'s answer first): the holder stays, is slashed at the close, then the kept word draws`, async () => {
        const p = await networkHelpers.loadFixture(withAcceptedDataset);
        await p.datasetRegistry.write.exit({ account: p.holder0.account });
        await p.datasetRegistry.write.reassign([1n, 0n], { account: p.outsider.account });
        const requested = (await p.datasetRegistry.getEvents.PlacementRequested({ datasetId: 1n }, { fromBlock: 0n })).at(-1)!.args;
        await p.storageProofs.write.openRound([1n], { account: p.outsider.account });
        if (first === "round") await fulfilRound(p);
        await viem.assertions.emit(p.vrfCoordinator.write.fulfillRandomWords([requested.requestId!, p.datasetRegistry.address]), p.datasetRegistry, "RedrawHeld");
        const [held] = await p.datasetRegistry.getEvents.RedrawHeld({ datasetId: 1n }, { fromBlock: 0n });
        assert.equal(held!.args.column, 0n);
        const redraw = await p.datasetRegistry.read.redrawOf([1n]);
        assert.deepEqual({ column: redraw.column, range: redraw.range, answered: redraw.answered }, { column: 0, range: requested.range, answered: true });
        if (first === "redraw") await fulfilRound(p);
        assert.equal((await p.datasetRegistry.read.holders([1n]))[0], addressOf(p.holder0), "still the holder");
        assert.equal((await p.storageProofs.read.currentRound([1n])).audited, 3n);
        await viem.assertions.revertWithCustomErrorWithArgs(p.datasetRegistry.write.applyRedraw([1n]), p.datasetRegistry, "DatasetRegistryColumnUnderAudit", [1n, 0n]);
        await submit(p, p.holder1, 1n);
        await networkHelpers.time.increase(PROOF_WINDOW);
        await viem.assertions.emitWithArgs(p.storageProofs.write.closeRound([1n]), p.storageProofs, "ProofMissed", [1n, 1n, 0n, addressOf(p.holder0)]);
        const [faulty] = await p.datasetRegistry.getEvents.ColumnFaulty({ datasetId: 1n }, { fromBlock: 0n });
        assert.deepEqual(faulty!.args, { datasetId: 1n, column: 0n, provider: addressOf(p.holder0), slashed: FAULT_PENALTY });
        // Answered for: anyone draws from the kept word, which getting the round requested first could not replace.
        await viem.assertions.emitWithArgs(p.datasetRegistry.write.applyRedraw([1n], { account: p.outsider.account }), p.datasetRegistry, "ColumnPlaced", [
          1n,
          0n,
          addressOf(p.spare),
          held!.args.seed!,
        ]);
        assert.equal((await p.datasetRegistry.read.holders([1n]))[0], addressOf(p.spare));
        assert.deepEqual(await p.datasetRegistry.read.redrawOf([1n]), { column: 0, requestedAt: 0, range: 0n, answered: false }, "no redraw in flight");
        await viem.assertions.revertWithCustomErrorWithArgs(p.datasetRegistry.write.applyRedraw([1n]), p.datasetRegistry, "DatasetRegistryNoRedrawWaiting", [1n]);
      });
    }
  });

  describe("upkeep", () => {
    const ids = (list: bigint[]) => encodeAbiParameters([{ type: "uint256[]" }], [list]);

    it("opens due rounds and closes them after the deadline", async () => {
      const p = await networkHelpers.loadFixture(withDoubleVerifier);
      const holder = p.holder0;
      await p.datasetRegistry.write.acceptColumn([1n, 0n], { account: holder.account });
      assert.deepEqual(await p.storageProofs.read.checkUpkeep(["0x"]), [true, ids([1n])]);

      await p.storageProofs.write.performUpkeep([ids([1n, 2n])], { account: p.outsider.account });
      assert.equal((await p.storageProofs.read.currentRound([1n])).status, RoundStatus.Requested);
      assert.deepEqual(await p.storageProofs.read.checkUpkeep(["0x"]), [false, ids([])], "waiting for the VRF");
      await fulfilRound(p);
      assert.deepEqual(await p.storageProofs.read.checkUpkeep(["0x"]), [false, ids([])], "proof window open");

      await networkHelpers.time.increase(PROOF_WINDOW);
      assert.deepEqual(await p.storageProofs.read.checkUpkeep(["0x"]), [true, ids([1n])]);
      await viem.assertions.emitWithArgs(p.storageProofs.write.performUpkeep([ids([1n])]), p.storageProofs, "ProofMissed", [
        1n,
        1n,
        0n,
        addressOf(holder),
      ]);
      assert.equal((await p.storageProofs.read.currentRound([1n])).status, RoundStatus.Closed);
      assert.deepEqual(await p.storageProofs.read.checkUpkeep(["0x"]), [false, ids([])], "interval not over");
      // A keeper racing another: nothing due, nothing done, no revert.
      await p.storageProofs.write.performUpkeep([ids([1n])]);
      await networkHelpers.time.increase(ROUND_INTERVAL - PROOF_WINDOW);
      assert.deepEqual(await p.storageProofs.read.checkUpkeep(["0x"]), [true, ids([1n])]);
    });
  });

  describe("gas", () => {
    it("keeps submitProof's own execution (all but 21k, calldata and the verifier's execution) under 17k gas", async () => {
      const p = await networkHelpers.loadFixture(withOpenRound);
      const publicClient = await viem.getPublicClient();
      const calldataGas = (hex: string) => [...Buffer.from(hex.slice(2), "hex")].reduce((sum, byte) => sum + (byte === 0 ? 4n : 16n), 0n);
      const terms = await p.storageProofs.read.proofTerms([1n, 1n, addressOf(p.holder1)]);
      const hash = await submit(p, p.holder1, 1n);
      const { gasUsed } = await publicClient.waitForTransactionReceipt({ hash });
      const { input } = await publicClient.getTransaction({ hash });
      const data = encodeFunctionData({ abi: p.verifier.abi, functionName: "verifyProof", args: [[...PROOF], terms.column, terms.round] });
      const doubleExecution = (await publicClient.estimateGas({ to: p.verifier.address, data, account: addressOf(p.outsider) })) - 21_000n - calldataGas(data);
      const own = gasUsed - 21_000n - calldataGas(input) - doubleExecution;
      console.log(`submitProof: tx ${gasUsed} gas = 21000 + calldata ${calldataGas(input)} + verifier double ${doubleExecution} + own ${own}`);
      assert.ok(own < 17_000n, `${own}`);
    });
  });
});
