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
 *   npm run bench:gas                 prints the table and, last, one JSON line
 *   npm run bench:gas -- --write      also rewrites bench/gas-snapshot.json
 */
import { writeFileSync } from "node:fs";
import { Command } from "commander";
import { keccak256, parseEther, stringToHex, type Hash } from "viem";
import {
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
  console.log(JSON.stringify(report));
}
