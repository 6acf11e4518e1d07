/**
 * Gas per protocol operation, measured as whole-transaction gas (receipt `gasUsed`, which
 * includes the 21k base and calldata) on the in-process Hardhat network with the contracts
 * deployed by the local Ignition module.
 *
 * A distributed job (RoundJobRegistry, 4 slots) gives `update_commit_gas` (the dearest of the four
 * commitments of a round: the last one, which closes the round's training) and `aggregate_gas` (the
 * aggregate of round 0 with every update in, no slot dropped), on its second job too.
 *
 * Every operation is measured on the second job of the run, so one-time storage
 * initialisation (the first job id, a provider's first lock) does not flatter or penalise it.
 * The verdict is the costly path: 5 of 9 signatures, provider found wrong (slash split, refund,
 * bond return).
 *
 * Placement (DatasetRegistry) is measured with 10, 1,000 and 10,000 providers (10 real joins, the rest
 * written into the provider set, test/contracts/providerSet.ts) on a 3 + 1 dataset: the gas the VRF
 * callback needs for the whole placement (it keeps the seed) and for a redraw of one column (a
 * bounded draw), each as `estimateGas` of `rawFulfillRandomWords` from the coordinator minus the 21k
 * base and the calldata (what `callbackGasLimit` must cover), and the whole `applyPlacement` transaction
 * placing the four columns. None of them may grow with the number of providers. The committee draw's
 * VRF callback ({@link measureCommitteeCallbackGas}) is measured at 10, 1,000 and 10,000 validators
 * (`committee_callback_gas`); it may not grow with the number of validators either. A draw the callback
 * leaves unfinished (a list padded with entries that are not eligible) goes on in `continueDraw`: its gas for
 * 100 steps is `continue_draw_gas`.
 *
 * Under VERITRAIN_EVM_TARGET=<evm version> (hardhat.config.ts) the contracts are compiled for that EVM
 * version and run at that hardfork; the figures are then checked against bench/gas-snapshot.<version>.json.
 *
 *   npm run bench:gas                 prints the table and, last, one JSON line
 *   npm run bench:gas -- --write      also rewrites the snapshot (bench/gas-snapshot.json, or the target's)
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Command } from "commander";
import { encodeFunctionData, getAddress, keccak256, parseEther, parseEventLogs, stringToHex, toHex, type Address, type Hash, type Hex } from "viem";
import { committeeDraw } from "../keepers/src/chain/committeeDraw.ts";
import {
  deployProtocol,
  fieldRoot,
  networkHelpers,
  ORDER,
  ROUND_ORDER,
  roundProviders,
  settleRoundJob,
  stake,
  TRACE_ROOT,
  viem,
  RESULT_DIGEST,
  withDataset,
  withStakedProviders,
} from "../test/contracts/fixture.ts";
import { padProviders } from "../test/contracts/providerSet.ts";

/** The committed snapshot of the build measured: one per VERITRAIN_EVM_TARGET value, gas-snapshot.json for the default build. */
export const GAS_SNAPSHOT = new URL(`./gas-snapshot${process.env.VERITRAIN_EVM_TARGET ? `.${process.env.VERITRAIN_EVM_TARGET}` : ""}.json`, import.meta.url);

/**
 * Gas ceilings from the foundation issue, and issue 19's goals for distributed jobs (`update_commit_gas`,
 * `aggregate_gas`); `settle_auction` and `challenge` have none.
 */
export const GAS_CEILINGS = {
  post: 200_000,
  bid: 100_000,
  submit: 120_000,
  finalize: 100_000,
  verdict: 200_000,
  update_commit_gas: 60_000,
  aggregate_gas: 120_000,
} as const;

/** Sizes of the provider set (placement) and the validator set (committee draw) the VRF callbacks are measured at. */
export const SET_SIZES = [10, 1000, 10_000] as const;

/** Gas by set size ("10", "1000", "10000"). */
export type GasBySetSize = Record<`${(typeof SET_SIZES)[number]}`, number>;

export type JobGasReport = Record<"post" | "bid" | "settle_auction" | "submit" | "finalize" | "challenge" | "verdict", number>;

export type PlacementGasReport = Record<"placement_callback_gas" | "redraw_callback_gas" | "apply_placement_gas", GasBySetSize>;

export type RoundJobGasReport = Record<"update_commit_gas" | "aggregate_gas", number>;

export type GasReport = JobGasReport & RoundJobGasReport & PlacementGasReport & Record<"committee_callback_gas", GasBySetSize> & Record<"continue_draw_gas", number>;

/** Every figure of the bench: the job operations, then placement and the committee draw at each set size. */
export async function measureGas(): Promise<GasReport> {
  return {
    ...(await measureJobGas()),
    ...(await measureRoundJobGas()),
    ...(await measurePlacementGas()),
    ...(await measureCommitteeCallbackGas()),
  };
}

/** Runs two 4-slot distributed jobs to their first aggregate; returns the gas of the second's commitments and aggregate. */
export async function measureRoundJobGas(): Promise<RoundJobGasReport> {
  const p = await withDataset();
  const publicClient = await viem.getPublicClient();
  const gasOf = async (tx: Promise<Hash>) => Number((await publicClient.waitForTransactionReceipt({ hash: await tx })).gasUsed);
  const providers = roundProviders(p).slice(0, 4);
  for (const wallet of [...providers, p.outsider]) await stake(p, wallet, parseEther("1000"));
  const registry = p.roundJobRegistry;
  const runRound0 = async () => {
    await registry.write.post([ROUND_ORDER], { account: p.consumer.account });
    const jobId = await registry.read.jobCount();
    for (const [i, wallet] of providers.entries()) await registry.write.bid([jobId, parseEther(`${50 + i}`)], { account: wallet.account });
    await networkHelpers.time.increase(ROUND_ORDER.biddingPeriod);
    await settleRoundJob(p, jobId);
    const commits: number[] = [];
    // Slot s is the s-th lowest bid: providers in order.
    for (const [s, wallet] of providers.entries()) {
      commits.push(await gasOf(registry.write.commitUpdate([jobId, 0, keccak256(stringToHex(`update ${jobId}/${s}`))], { account: wallet.account })));
    }
    const aggregate = await gasOf(registry.write.postAggregate([jobId, 0, keccak256(stringToHex(`global ${jobId}`))], { account: p.outsider.account }));
    return { update_commit_gas: Math.max(...commits), aggregate_gas: aggregate };
  };
  await runRound0();
  return runRound0();
}

/** Runs two jobs through the protocol (one finalized, one disputed) and returns the gas of each operation. */
export async function measureJobGas(): Promise<JobGasReport> {
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
  await p.jobRegistry.write.submitResult([warmUp.jobId, RESULT_DIGEST, TRACE_ROOT, 9900], providerA);

  const finalized = await runToAssigned();
  const submit = await gasOf(p.jobRegistry.write.submitResult([finalized.jobId, RESULT_DIGEST, TRACE_ROOT, 9912], providerA));
  await networkHelpers.time.increase(ORDER.challengeWindow);
  const finalize = await gasOf(p.jobRegistry.write.finalize([finalized.jobId]));

  const disputed = await runToAssigned();
  await p.jobRegistry.write.submitResult([disputed.jobId, RESULT_DIGEST, TRACE_ROOT, 9912], providerA);
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

/** Calldata gas of `data` (4 per zero byte, 16 per other byte). */
const calldataGas = (data: Hex) => [...Buffer.from(data.slice(2), "hex")].reduce((sum, byte) => sum + (byte === 0 ? 4 : 16), 0);

/**
 * Registers, places and redraws a 3 + 1 dataset at each provider count of {@link SET_SIZES} and
 * returns the VRF callbacks' gas and the `applyPlacement` transaction's.
 */
export async function measurePlacementGas(): Promise<PlacementGasReport> {
  const p = await deployProtocol();
  const publicClient = await viem.getPublicClient();
  const registry = p.datasetRegistry;
  const providerStake = await registry.read.providerStake();
  for (const wallet of p.storageProviders.slice(0, SET_SIZES[0])) {
    await stake(p, wallet, providerStake);
    await registry.write.join([`/ip4/127.0.0.1/tcp/4001/p2p/${wallet.account.address}`], { account: wallet.account });
  }
  await networkHelpers.impersonateAccount(p.vrfCoordinator.address);
  await networkHelpers.setBalance(p.vrfCoordinator.address, parseEther("1"));
  /** What the coordinator must give the callback to answer `requestId` (the mock's own word for it). */
  const callbackGas = async (requestId: bigint) => {
    const data = encodeFunctionData({ abi: registry.abi, functionName: "rawFulfillRandomWords", args: [requestId, [BigInt(keccak256(stringToHex(`word ${requestId}`)))]] });
    return Number(await publicClient.estimateGas({ account: p.vrfCoordinator.address, to: registry.address, data })) - 21_000 - calldataGas(data);
  };
  const latestRequest = async (datasetId: bigint) => (await registry.getEvents.PlacementRequested({ datasetId }, { fromBlock: 0n })).at(-1)!.args.requestId!;
  const report: PlacementGasReport = { placement_callback_gas: {} as GasBySetSize, redraw_callback_gas: {} as GasBySetSize, apply_placement_gas: {} as GasBySetSize };
  for (const count of SET_SIZES) {
    await padProviders({ registry: registry.address, count });
    const key = `${count}` as const;
    await registry.write.register(
      [
        {
          manifestDigest: keccak256(stringToHex(`manifest ${count}`)),
          datasetRoot: fieldRoot(`dataset ${count}`),
          columnRoots: Array.from({ length: 4 }, (_, i) => fieldRoot(`column ${count} ${i}`)),
          k: 3,
          n: 4,
          shardSize: 1024,
          stripeCount: 1,
          byteLength: 3000n,
          payment: parseEther("4"),
          term: 30 * 24 * 3600,
          verifierVersion: 1,
        },
      ],
      { account: p.consumer.account },
    );
    const datasetId = await registry.read.datasetCount();
    const placement = await latestRequest(datasetId);
    report.placement_callback_gas[key] = await callbackGas(placement);
    await p.vrfCoordinator.write.fulfillRandomWords([placement, registry.address]);
    const hash = await registry.write.applyPlacement([datasetId, 4n]);
    report.apply_placement_gas[key] = Number((await publicClient.waitForTransactionReceipt({ hash })).gasUsed);
    // Nobody accepts: once acceptancePeriod is over, column 0 is redrawn.
    await networkHelpers.time.increase(await registry.read.acceptancePeriod());
    await registry.write.reassign([datasetId, 0n]);
    const redraw = await latestRequest(datasetId);
    report.redraw_callback_gas[key] = await callbackGas(redraw);
    await p.vrfCoordinator.write.fulfillRandomWords([redraw, registry.address]);
  }
  return report;
}

/** Storage slot of ValidatorCommittee's validator list (`Validator[] _validators`), checked by the draw below. */
const VALIDATOR_LIST_SLOT = 6n;

/** Steps one `continueDraw` call runs in {@link measureCommitteeCallbackGas} (the automation keeper's chunk). */
export const CONTINUE_DRAW_STEPS = 100n;

/**
 * Execution gas of ValidatorCommittee's VRF callback (`rawFulfillRandomWords` called by the coordinator:
 * receipt gas minus the 21k base and calldata) drawing a committee of the local deployment's size (9)
 * from lists of 10, 1,000 and 10,000 eligible validators. The lists are written straight into a fresh
 * committee's storage (joining 10,000 validators one transaction at a time would take minutes); the drawn
 * members must equal the off-chain twin's draw over the written list, which checks the slot layout.
 *
 * Then `continue_draw_gas`: a list of 10,000 entries of which only 9 are eligible (the rest left before the
 * request: an attacker's padding), so the callback leaves the draw unfinished; the whole transaction of one
 * `continueDraw` of {@link CONTINUE_DRAW_STEPS} steps.
 */
export async function measureCommitteeCallbackGas(): Promise<Pick<GasReport, "committee_callback_gas" | "continue_draw_gas">> {
  const p = await deployProtocol();
  const publicClient = await viem.getPublicClient();
  const admin = p.deployer.account.address;
  const config = await p.committee.read.config();
  const joinedAt = (await networkHelpers.time.latest()) - 1;
  const account = (i: number) => getAddress(keccak256(toHex(`validator ${i}`)).slice(0, 42)) as Address;

  /** A fresh committee with `entries` written as its list, its committee requested for dispute 1 and answered with `seed`. */
  async function drawFrom(entries: { account: Address; joinedAt: number; leftAt: number }[], seed: bigint) {
    const committee = await viem.deployContract("ValidatorCommittee", [p.vrfCoordinator.address, p.governance.address, p.stakeManager.address, config, await p.committee.read.exitDelay(), admin]);
    await committee.write.grantRole([await committee.read.REQUESTER_ROLE(), admin]);
    await p.vrfCoordinator.write.addConsumer([config.subscriptionId, committee.address]);
    const base = BigInt(keccak256(toHex(VALIDATOR_LIST_SLOT, { size: 32 })));
    await networkHelpers.setStorageAt(committee.address, VALIDATOR_LIST_SLOT, entries.length);
    for (const [i, entry] of entries.entries()) {
      await networkHelpers.setStorageAt(committee.address, base + BigInt(i), (BigInt(entry.leftAt) << 200n) | (BigInt(entry.joinedAt) << 160n) | BigInt(entry.account));
    }
    const request = await publicClient.waitForTransactionReceipt({ hash: await committee.write.requestCommittee([1n]) });
    const [requested] = parseEventLogs({ abi: committee.abi, logs: request.logs, eventName: "CommitteeRequested" });
    await networkHelpers.impersonateAccount(p.vrfCoordinator.address);
    await networkHelpers.setBalance(p.vrfCoordinator.address, parseEther("1"));
    const hash = await committee.write.rawFulfillRandomWords([requested!.args.requestId, [seed]], { account: p.vrfCoordinator.address });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    await networkHelpers.stopImpersonatingAccount(p.vrfCoordinator.address);
    const { input } = await publicClient.getTransaction({ hash });
    return { committee, receipt, callbackGas: Number(receipt.gasUsed) - 21_000 - calldataGas(input) };
  }

  const gas = {} as GasBySetSize;
  for (const count of SET_SIZES) {
    const entries = Array.from({ length: count }, (_, i) => ({ account: account(i), joinedAt, leftAt: 0 }));
    const seed = BigInt(keccak256(stringToHex(`seed ${count}`)));
    const { committee, callbackGas } = await drawFrom(entries, seed);
    const { requestedAt, range } = await committee.read.requestOf([1n]);
    const expected = committeeDraw({ seed, entries, range: Number(range), requestedAt, size: config.size });
    const members = await committee.read.committeeOf([1n]);
    if (members.length !== config.size || members.join() !== expected.join()) throw new Error(`committee of ${count} validators differs from the off-chain draw`);
    gas[`${count}`] = callbackGas;
  }

  const padded = Array.from({ length: SET_SIZES.at(-1)! }, (_, i) => ({ account: account(i), joinedAt, leftAt: i < 9 ? 0 : joinedAt }));
  const { committee, receipt } = await drawFrom(padded, BigInt(keccak256(stringToHex("padded"))));
  if (parseEventLogs({ abi: committee.abi, logs: receipt.logs, eventName: "CommitteeDrawUnfinished" }).length !== 1) throw new Error("the padded list's draw was finished by the callback");
  await networkHelpers.time.increase(1);
  const continued = await publicClient.waitForTransactionReceipt({ hash: await committee.write.continueDraw([1n, CONTINUE_DRAW_STEPS]) });
  if ((await committee.read.requestOf([1n])).nextStep !== CONTINUE_DRAW_STEPS) throw new Error(`continueDraw did not run ${CONTINUE_DRAW_STEPS} steps`);
  return { committee_callback_gas: gas, continue_draw_gas: Number(continued.gasUsed) };
}

/** Compiles the contracts (a no-op when up to date), so the bench runs on a fresh clone. */
export function buildContracts() {
  const require = createRequire(import.meta.url);
  const cli = join(dirname(require.resolve("hardhat/package.json")), require("hardhat/package.json").bin.hardhat);
  try {
    execFileSync(process.execPath, [cli, "compile", "--quiet"], { cwd: new URL("..", import.meta.url), stdio: "pipe", maxBuffer: 1 << 26 });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: Buffer; stderr?: Buffer };
    process.stderr.write(`${stdout ?? ""}${stderr ?? ""}`);
    throw error;
  }
}

if (import.meta.main) {
  const options = new Command("bench:gas")
    .description("Gas per protocol operation against the issue's ceilings; last line is JSON.")
    .option("--write", "rewrite the snapshot (bench/gas-snapshot.json, or bench/gas-snapshot.<target>.json) with the figures measured")
    .parse()
    .opts<{ write?: boolean }>();
  buildContracts();
  const report = await measureGas();
  for (const [op, gas] of Object.entries(report)) {
    if (typeof gas !== "number") {
      console.log(`${op.padEnd(22)} ${Object.entries(gas).map(([size, g]) => `${g} (${size})`).join(", ")}`);
      continue;
    }
    const ceiling = GAS_CEILINGS[op as keyof typeof GAS_CEILINGS];
    const verdict = ceiling === undefined ? "" : gas <= ceiling ? `<= ${ceiling} ok` : `> ${ceiling} OVER`;
    console.log(`${op.padEnd(22)} ${String(gas).padStart(8)}  ${verdict}`);
  }
  if (options.write) writeFileSync(GAS_SNAPSHOT, `${JSON.stringify(report, null, 2)}\n`);
  console.log(JSON.stringify(report));
}
