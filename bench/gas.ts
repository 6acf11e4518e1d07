/**
 * Gas per protocol operation, measured as whole-transaction gas (receipt `gasUsed`, which
 * includes the 21k base and calldata) on the in-process Hardhat network with the contracts
 * deployed by the local Ignition module.
 *
 * Every operation is measured on the second job of the run, so one-time storage
 * initialisation (the first job id, a provider's first lock) does not flatter or penalise it.
 * The verdict is the costly path: 5 of 9 signatures, provider found wrong (slash split, refund,
 * bond return).
 *
 * The VRF callback of a committee draw is measured apart ({@link measureCommitteeCallbackGas}), at
 * 10, 1,000 and 10,000 validators; it is printed and added to the JSON line as `committee_callback_gas`.
 *
 *   npm run bench:gas                 prints the table and, last, one JSON line
 *   npm run bench:gas -- --write      also rewrites bench/gas-snapshot.json (the per-operation figures)
 */
import { writeFileSync } from "node:fs";
import { Command } from "commander";
import { getAddress, keccak256, parseEther, parseEventLogs, stringToHex, toHex, type Address, type Hash, type Hex } from "viem";
import { committeeDraw } from "../keepers/src/chain/committeeDraw.ts";
import {
  deployProtocol,
  networkHelpers,
  ORDER,
  stake,
  TRACE_ROOT,
  viem,
  WEIGHTS_DIGEST,
  withStakedProviders,
} from "../test/contracts/fixture.ts";

/** Gas ceilings from the foundation issue; `settle_auction` and `challenge` have none. */
export const GAS_CEILINGS = { post: 200_000, bid: 100_000, submit: 120_000, finalize: 100_000, verdict: 200_000 } as const;

export type GasReport = Record<"post" | "bid" | "settle_auction" | "submit" | "finalize" | "challenge" | "verdict", number>;

/** Runs two jobs through the protocol (one finalized, one disputed) and returns the gas of each operation. */
export async function measureGas(): Promise<GasReport> {
  const p = await withStakedProviders();
  const publicClient = await viem.getPublicClient();
  const gasOf = async (tx: Promise<Hash>) => Number((await publicClient.waitForTransactionReceipt({ hash: await tx })).gasUsed);
  const consumer = { account: p.consumer.account };
  const providerA = { account: p.providerA.account };

  for (const v of p.validators) {
    await stake(p, v, parseEther("1000"));
    await p.committee.write.join({ account: v.account });
  }

  /** Posts, bids and settles a job, returning its id and the gas of each step. */
  const runToAssigned = async () => {
    const post = await gasOf(p.jobRegistry.write.post([ORDER], consumer));
    const jobId = await p.jobRegistry.read.jobCount();
    const bid = await gasOf(p.jobRegistry.write.bid([jobId, parseEther("600")], providerA));
    await networkHelpers.time.increase(ORDER.biddingPeriod);
    const settle = await gasOf(p.jobRegistry.write.settleAuction([jobId]));
    return { jobId, post, bid, settle };
  };

  const warmUp = await runToAssigned();
  await p.jobRegistry.write.submitResult([warmUp.jobId, WEIGHTS_DIGEST, TRACE_ROOT, 9900], providerA);

  const finalized = await runToAssigned();
  const submit = await gasOf(p.jobRegistry.write.submitResult([finalized.jobId, WEIGHTS_DIGEST, TRACE_ROOT, 9912], providerA));
  await networkHelpers.time.increase(ORDER.challengeWindow);
  const finalize = await gasOf(p.jobRegistry.write.finalize([finalized.jobId]));

  const disputed = await runToAssigned();
  await p.jobRegistry.write.submitResult([disputed.jobId, WEIGHTS_DIGEST, TRACE_ROOT, 9912], providerA);
  const challenge = await gasOf(
    p.disputes.write.challenge([disputed.jobId, 2n, keccak256(stringToHex("recomputed"))], { account: p.challenger.account }),
  );
  const disputeId = await p.disputes.read.disputeCount();
  const [requested] = await p.committee.getEvents.CommitteeRequested({ disputeId }, { fromBlock: 0n });
  await p.vrfCoordinator.write.fulfillRandomWords([requested!.args.requestId!, p.committee.address]);
  const members = (await p.committee.read.committeeOf([disputeId])).map((m) => m.toLowerCase());
  const positions = [0, 2, 4, 6, 8];
  const signatures = await Promise.all(
    positions.map((i) => {
      const wallet = p.validators.find((v) => v.account.address.toLowerCase() === members[i]);
      if (!wallet) throw new Error(`committee member ${members[i]} is not a test validator`);
      return wallet.signTypedData({
        domain: { name: "veritrain Disputes", version: "1", chainId: publicClient.chain.id, verifyingContract: p.disputes.address },
        types: { Verdict: [{ name: "disputeId", type: "uint256" }, { name: "providerWrong", type: "bool" }] },
        primaryType: "Verdict",
        message: { disputeId, providerWrong: true },
      });
    }),
  );
  const bitmap = positions.reduce((acc, i) => acc | (1n << BigInt(i)), 0n);
  const verdict = await gasOf(p.disputes.write.settle([disputeId, true, bitmap, signatures]));

  return {
    post: finalized.post,
    bid: finalized.bid,
    settle_auction: finalized.settle,
    submit,
    finalize,
    challenge,
    verdict,
  };
}

/** Validator counts at which the committee draw's VRF callback is measured. */
export const COMMITTEE_CALLBACK_COUNTS = [10, 1_000, 10_000] as const;

/** Storage slot of ValidatorCommittee's validator list (`Validator[] _validators`), checked by the draw below. */
const VALIDATOR_LIST_SLOT = 5n;

/**
 * Execution gas of ValidatorCommittee's VRF callback (`rawFulfillRandomWords` called by the coordinator:
 * receipt gas minus the 21k base and calldata) drawing a committee of the local deployment's size (9)
 * from lists of 10, 1,000 and 10,000 eligible validators. The lists are written straight into a fresh
 * committee's storage (joining 10,000 validators one transaction at a time would take minutes); the drawn
 * members must equal the off-chain twin's draw over the written list, which checks the slot layout.
 */
export async function measureCommitteeCallbackGas(): Promise<Record<string, number>> {
  const p = await deployProtocol();
  const publicClient = await viem.getPublicClient();
  const admin = p.deployer.account.address;
  const config = await p.committee.read.config();
  const gas: Record<string, number> = {};
  for (const count of COMMITTEE_CALLBACK_COUNTS) {
    const committee = await viem.deployContract("ValidatorCommittee", [p.vrfCoordinator.address, p.governance.address, p.stakeManager.address, config, await p.committee.read.exitDelay(), admin]);
    await committee.write.grantRole([await committee.read.REQUESTER_ROLE(), admin]);
    await p.vrfCoordinator.write.addConsumer([config.subscriptionId, committee.address]);
    const joinedAt = (await networkHelpers.time.latest()) - 1;
    const entries = Array.from({ length: count }, (_, i) => ({ account: getAddress(keccak256(toHex(`validator ${i}`)).slice(0, 42)) as Address, joinedAt, leftAt: 0 }));
    const base = BigInt(keccak256(toHex(VALIDATOR_LIST_SLOT, { size: 32 })));
    await networkHelpers.setStorageAt(committee.address, VALIDATOR_LIST_SLOT, count);
    for (const [i, entry] of entries.entries()) {
      await networkHelpers.setStorageAt(committee.address, base + BigInt(i), (BigInt(joinedAt) << 160n) | BigInt(entry.account));
    }
    const request = await publicClient.waitForTransactionReceipt({ hash: await committee.write.requestCommittee([1n]) });
    const [requested] = parseEventLogs({ abi: committee.abi, logs: request.logs, eventName: "CommitteeRequested" });
    const seed = BigInt(keccak256(stringToHex(`seed ${count}`)));
    await networkHelpers.impersonateAccount(p.vrfCoordinator.address);
    await networkHelpers.setBalance(p.vrfCoordinator.address, parseEther("1"));
    const hash = await committee.write.rawFulfillRandomWords([requested!.args.requestId, [seed]], { account: p.vrfCoordinator.address });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    await networkHelpers.stopImpersonatingAccount(p.vrfCoordinator.address);
    const { requestedAt, range } = await committee.read.requestOf([1n]);
    const expected = committeeDraw({ seed, entries, range: Number(range), requestedAt, size: config.size });
    const members = await committee.read.committeeOf([1n]);
    if (members.length !== config.size || members.join() !== expected.join()) throw new Error(`committee of ${count} validators differs from the off-chain draw`);
    const { input } = await publicClient.getTransaction({ hash });
    gas[String(count)] = Number(receipt.gasUsed) - 21_000 - calldataGas(input);
  }
  return gas;
}

/** EIP-2028 calldata gas: 16 per non-zero byte, 4 per zero byte. */
function calldataGas(input: Hex): number {
  let total = 0;
  for (let i = 2; i < input.length; i += 2) total += input.slice(i, i + 2) === "00" ? 4 : 16;
  return total;
}

if (import.meta.main) {
  const options = new Command("bench:gas")
    .description("Gas per protocol operation against the issue's ceilings; last line is JSON.")
    .option("--write", "rewrite bench/gas-snapshot.json with the figures measured")
    .parse()
    .opts<{ write?: boolean }>();
  const report = await measureGas();
  for (const [op, gas] of Object.entries(report)) {
    const ceiling = GAS_CEILINGS[op as keyof typeof GAS_CEILINGS];
    const verdict = ceiling === undefined ? "" : gas <= ceiling ? `<= ${ceiling} ok` : `> ${ceiling} OVER`;
    console.log(`${op.padEnd(15)} ${String(gas).padStart(8)}  ${verdict}`);
  }
  if (options.write) writeFileSync(new URL("./gas-snapshot.json", import.meta.url), `${JSON.stringify(report, null, 2)}\n`);
  const committeeCallbackGas = await measureCommitteeCallbackGas();
  for (const [count, gas] of Object.entries(committeeCallbackGas)) console.log(`${`committee draw callback, ${count} validators`.padEnd(44)} ${String(gas).padStart(8)}`);
  console.log(JSON.stringify({ ...report, committee_callback_gas: committeeCallbackGas }));
}
