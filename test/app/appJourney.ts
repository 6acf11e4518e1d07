import assert from "node:assert/strict";
import { createPublicClient, formatUnits, http, zeroHash, type Address, type Hex } from "viem";
import { DisputesAbi, RoundJobRegistryAbi, SecureAggregationLedgerAbi } from "../../app/src/generated/abis.ts";
import { fetchRawBlock } from "../../app/src/jobs/fetchRawBlock.ts";
import { rebuildTrainedModel } from "../../keepers/src/jobs/trainedModel.ts";
import { RoundJobStatus } from "../../keepers/src/roundJobs/roundJobStatus.ts";
import { mnistTestAccuracy } from "../../keepers/src/training/onnxRuntimeEvaluation.ts";
import { accessibilityBasics } from "../harness/accessibilityBasics.ts";
import { openApp, type AppBrowser } from "../harness/appBrowser.ts";

/** Parameters of {@link appJourney}. */
export type AppJourneyParameters = {
  appUrl: string;
  rpcUrl: string;
  /** A funded key (tokens and ETH) that has never staked: the injected test wallet signs with it. */
  privateKey: Hex;
  /** Bound of the wait for the posted job to be finalized. */
  jobTimeoutMs?: number;
};

/**
 * A new user's session in the web app against a running devnet, as the README describes it: connect
 * the injected EIP-6963 test wallet; stake (bad input refused before any transaction, a revert
 * decoded into the contract's sentence, a rejection in the wallet leaving the balances as they were);
 * post a LeNet-5 job paid with a permit; watch it to Finalized; evaluate the trained model in the
 * browser and draw a digit; verify a storage proof in the browser; open the dataset and the audit
 * page of the provider that won the job (any of the devnet's compute keepers). Every page gets a screenshot in app/screenshots/ and passes the
 * accessibility basics.
 *
 * @example
 * await appJourney({ appUrl, rpcUrl, privateKey });
 */
export async function appJourney({ appUrl, rpcUrl, privateKey, jobTimeoutMs = 600_000 }: AppJourneyParameters): Promise<void> {
  const app = await openApp({ appUrl, privateKey, rpcUrl, chainId: 31337 });
  const { page } = app;
  const visit = async (hash: string, name: string, ready: () => Promise<unknown>) => {
    await page.goto(`${appUrl}#${hash}`);
    await ready();
    await app.shot(name);
    assert.deepEqual(await accessibilityBasics(page), [], `accessibility of #${hash}`);
  };
  try {
    await visit("/", "overview", () => page.getByTestId("latest-datasets").waitFor());
    await page.getByRole("button", { name: "Connect Test wallet" }).click();
    await page.getByText("Connected:").waitFor();

    await stake(app);
    const jobId = await postJob(app, jobTimeoutMs);
    await visit(`/jobs/${jobId}`, "job-finalized", () => page.getByTestId("job-history-event").first().waitFor());
    const job = await indexedJob(appUrl, jobId);
    // The page computed the job's training-VM program from the images it read through the gateway; the compute
    // keeper bid only after computing the same one.
    assert.notEqual(job.program, zeroHash, "the posted order commits a training-VM program");
    await useTrainedModel(app, await nodeAccuracy(appUrl, BigInt(jobId), job));

    await visit("/datasets", "datasets", () => page.getByTestId("dataset-row").first().waitFor());
    await visit("/datasets/1", "dataset", () => page.getByTestId("proof-row").first().waitFor({ timeout: 180_000 }));
    assert.equal(await page.getByTestId("column-row").count(), 11, "11 columns of an 8 + 3 dataset, each with its holder");
    await page.getByRole("button", { name: /^Verify this proof/ }).first().click();
    await page.getByTestId("proof-verify-result").first().filter({ hasText: /valid/ }).waitFor({ timeout: 60_000 });
    assert.match(await page.getByTestId("proof-verify-result").first().innerText(), /^valid ✓/);
    await app.shot("dataset-proof-verified");

    await visit("/jobs", "jobs", () => page.getByTestId("job-row").first().waitFor());
    await visit(`/accounts/${job.provider.toLowerCase()}`, "provider", () => page.getByTestId("account-job-row").first().waitFor());
    await visit("/jobs/new", "post-job", () => page.getByTestId("post-job-form").waitFor());
  } catch (error) {
    // What the page showed when the journey stopped.
    await app.shot("journey-failed");
    throw error;
  } finally {
    await app.close();
  }
}

/** The stake page: refusals before any transaction, a decoded revert, a rejection, then 100 tokens staked. */
async function stake({ page, shot }: AppBrowser): Promise<void> {
  await page.goto(`${page.url().split("#")[0]}#/stake`);
  const available = page.getByTestId("stake-available");
  await available.waitFor();
  assert.equal(await available.innerText(), "0 VTT");
  const amount = page.getByLabel("Amount to stake (VTT)");
  const stakeButton = page.getByRole("button", { name: "Stake", exact: true });
  await amount.fill("1,5");
  await stakeButton.click();
  await page.getByText("Enter a number of tokens, e.g. 100 or 2.5").waitFor();
  await amount.fill("1000000");
  await page.getByText(/That is more than the .* tokens you have/).waitFor();
  assert.equal(await page.locator(".tx-status").innerText(), "", "nothing was sent");

  // Joining the validators needs 1,000 tokens of available stake: the simulation reverts, nothing is signed.
  await page.getByRole("button", { name: "Join the validators" }).click();
  await page.locator('[data-status="failed"]').waitFor();
  assert.match(await page.locator(".tx-message").innerText(), /^StakeManagerInsufficientAvailable: .*0 VTT.*1000 VTT/);

  await page.evaluate("window.__veritrainTestWallet.rejectNext = true");
  await amount.fill("100");
  await stakeButton.click();
  await page.getByText("You rejected the request in your wallet; nothing was sent.").waitFor();
  assert.equal(await available.innerText(), "0 VTT");
  await shot("stake-rejected");

  await stakeButton.click();
  await page.getByText("Stake 100 VTT Confirmed.").waitFor({ timeout: 30_000 });
  await page.getByTestId("stake-available").filter({ hasText: "100 VTT" }).waitFor();
  await shot("stake");
}

/** The post form: a refused value, then a small LeNet-5 job paid with one permit signature and one transaction. */
async function postJob({ page, shot }: AppBrowser, timeoutMs: number): Promise<string> {
  await page.goto(`${page.url().split("#")[0]}#/jobs/new`);
  await page.getByTestId("post-job-form").waitFor();
  await page.getByTestId("post-job-dataset").selectOption("1");
  const field = (label: string | RegExp) => page.getByLabel(label, { exact: typeof label === "string" });
  await field("Challenge window (seconds)").fill("99999999");
  await page.getByTestId("post-job-submit").click();
  await page.getByTestId("post-job-errors").waitFor();
  await shot("post-job-invalid");
  for (const [label, value] of [["Epochs", "1"], ["Training images", "200"], ["Test images", "100"], ["Bidding period (seconds)", "60"], ["Challenge window (seconds)", "20"], [/^Reward/, "5"]] as const) await field(label).fill(value);
  await page.getByTestId("post-job-submit").click();
  // Spec stored ("spec-cid"), permit signed, posted: the page moves to the job, often before a check of the status line could see it.
  await page.waitForURL(/#\/jobs\/\d+$/, { timeout: 120_000 });
  await page.getByTestId("job-spec-cid").waitFor();
  const jobId = page.url().split("/").pop()!;
  await page.getByTestId("timeline-step").first().waitFor();
  await shot("job-posted");
  // Bidding lasts a minute of chain time, which on the devnet runs ahead of wall time (each transaction mines a block a
  // second after the last): the compute keepers compute the job's training-VM program before they bid, beside the
  // private-data job's rounds, and on a loaded CI machine 20 s saw no bid.
  const status = page.getByTestId("job-status").filter({ hasText: /^(Finalized|Failed|Cancelled)$/ });
  await status.waitFor({ timeout: timeoutMs });
  assert.equal(await status.innerText(), "Finalized", `job ${jobId} ended without a payout`);
  return jobId;
}

type IndexedJob = { provider: Address; resultDigest: Hex; specDigest: Hex; traceRoot: Hex; program: Hex };

/** A job as the subgraph has it: who trained it, what its result commits and the training-VM program its order committed. */
async function indexedJob(appUrl: string, jobId: string): Promise<IndexedJob> {
  const config = (await (await fetch(new URL("config.json", appUrl))).json()) as { subgraphUrl: string };
  const answer = await fetch(config.subgraphUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: `{ job(id: "${jobId}") { provider resultDigest specDigest traceRoot program } }` }) });
  return ((await answer.json()) as { data: { job: IndexedJob } }).data.job;
}

/** The job's trained model, rebuilt in Node from blocks the gateway serves, evaluated by onnxruntime-node on MNIST's 10,000 test images (`job result --evaluate`). */
async function nodeAccuracy(appUrl: string, jobId: bigint, onChain: IndexedJob): Promise<number> {
  const { onnx } = await rebuildTrainedModel({ get: (cid, what) => fetchRawBlock({ gatewayUrl: appUrl, cid, what }), jobId, onChain });
  return (await mnistTestAccuracy(onnx)).accuracy;
}

/** The trained model: rebuilt in the browser from hash-checked blocks, evaluated on MNIST's test set as onnxruntime-node does, asked about a drawn digit. */
async function useTrainedModel({ page, shot }: AppBrowser, expected: number): Promise<void> {
  await page.getByTestId("download-model").click();
  await page.getByTestId("model-ready").waitFor({ timeout: 60_000 });
  await page.getByTestId("evaluate").click();
  const accuracy = page.getByTestId("evaluate-accuracy");
  await accuracy.and(page.locator("[data-accuracy]")).waitFor({ timeout: 120_000 });
  const measured = Number(await accuracy.getAttribute("data-accuracy"));
  // onnxruntime-web's WASM and onnxruntime-node's CPU kernels may round a near-tie differently: a few images of 10,000 at most.
  assert.ok(Math.abs(measured - expected) <= 0.0005, `accuracy on MNIST's test set: ${measured} in the browser, ${expected} with onnxruntime-node`);
  const pad = page.getByTestId("draw-pad");
  const box = (await pad.boundingBox())!;
  // A "1": one vertical stroke down the middle.
  await page.mouse.move(box.x + box.width / 2, box.y + box.height * 0.2);
  await page.mouse.down();
  for (let i = 1; i <= 10; i++) await page.mouse.move(box.x + box.width / 2, box.y + box.height * (0.2 + 0.06 * i));
  await page.mouse.up();
  await page.locator('[data-testid="prediction"][data-digit]').waitFor();
  await shot("trained-model");
}

/** Parameters of {@link roundJobJourney}. */
export type RoundJobJourneyParameters = {
  appUrl: string;
  rpcUrl: string;
  /** A round job of RoundJobRegistry (the devnet's own, `--providers`). */
  jobId: bigint;
  /** Bound of the wait for the job to be finalized. @default 600,000 */
  timeoutMs?: number;
};


/**
 * A reader's look at a distributed job in the web app, checked against the chain: opens
 * `#/round-jobs/<id>` in a browser without a wallet, waits for Finalized, and compares the slots
 * (provider, price, rounds earned, active) with `slotsOf`, each round's aggregate with
 * `aggregateOf` and each slot's update with `commitmentOf`; then the screenshot and the
 * accessibility basics, as for every page.
 *
 * @example
 * await roundJobJourney({ appUrl, rpcUrl, jobId: 1n });
 */
export async function roundJobJourney({ appUrl, rpcUrl, jobId, timeoutMs = 600_000 }: RoundJobJourneyParameters): Promise<void> {
  const config = (await (await fetch(new URL("config.json", appUrl))).json()) as { addresses: Record<string, Address> };
  const registry = { address: config.addresses.RoundJobRegistry!, abi: RoundJobRegistryAbi } as const;
  const client = createPublicClient({ transport: http(rpcUrl) });
  const app = await openApp({ appUrl, rpcUrl, chainId: 31337 });
  const { page } = app;
  // What the page shows, from the data-* attributes of each element with this test id, in page order.
  const shown = async (testId: string, names: string[]) =>
    Promise.all((await page.getByTestId(testId).all()).map(async (element) => Object.fromEntries(await Promise.all(names.map(async (name) => [name, await element.getAttribute(`data-${name}`)] as const)))));
  try {
    await page.goto(`${appUrl}#/round-jobs/${jobId}`);
    await page.getByTestId("round-job-status").filter({ hasText: "Finalized" }).waitFor({ timeout: timeoutMs });
    const job = await client.readContract({ ...registry, functionName: "getRoundJob", args: [jobId] });
    assert.equal(job.status, RoundJobStatus.Finalized);
    // The status is read from the chain; the tables come from the subgraph, a block or so behind.
    await page.locator(`[data-testid="round-row"][data-round="${job.round - 1}"]:not([data-earned=""])`).waitFor({ timeout: 30_000 });

    const slots = await client.readContract({ ...registry, functionName: "slotsOf", args: [jobId] });
    const shownSlots = await shown("slot-row", ["slot", "provider", "price", "rounds-earned", "active"]);
    assert.deepEqual(
      shownSlots.map((s) => ({ slot: Number(s.slot), provider: s.provider!.toLowerCase(), price: BigInt(s.price!), roundsEarned: Number(s["rounds-earned"]), active: s.active === "true" })),
      slots.map((s, slot) => ({ slot, provider: s.provider.toLowerCase(), price: s.price, roundsEarned: s.roundsEarned, active: s.active })),
      "the slots shown are the chain's",
    );

    const [aggregation] = await shown("round-job-aggregation", ["aggregation"]);
    assert.equal(aggregation!.aggregation, await client.readContract({ ...registry, functionName: "aggregationOf", args: [jobId] }), "the aggregation program shown is the chain's");

    const rounds = Array.from({ length: job.round }, (_, round) => round);
    const aggregates = await Promise.all(rounds.map((round) => client.readContract({ ...registry, functionName: "aggregateOf", args: [jobId, round] })));
    const shownRounds = await shown("round-row", ["round", "aggregate"]);
    assert.deepEqual(shownRounds.map((r) => ({ round: Number(r.round), aggregate: r.aggregate })), rounds.map((round) => ({ round, aggregate: aggregates[round] })), "the rounds and their aggregates shown are the chain's");
    assert.ok(aggregates.every((digest) => digest !== zeroHash), "every round of a finalized job has its aggregate");

    const commitments = await Promise.all(rounds.flatMap((round) => slots.map((_, slot) => client.readContract({ ...registry, functionName: "commitmentOf", args: [jobId, round, slot] }))));
    const shownUpdates = (await shown("contribution", ["digest"])).map((cell) => cell.digest ?? zeroHash);
    assert.deepEqual(shownUpdates, commitments, "every slot's update in every round is the chain's commitment");

    // A private-data job's ledger: each owner's commitments and posts, per round and slot, are the chain's, and its
    // noise-seed openings the ledger's NoiseSeedOpened events (none under secure aggregation, as this job's).
    const ledger = { address: config.addresses.SecureAggregationLedger!, abi: SecureAggregationLedgerAbi } as const;
    const openings = await client.getContractEvents({ ...ledger, eventName: "NoiseSeedOpened", args: { jobId }, fromBlock: 0n });
    const openingsOf = (round: number, slot: number) => openings.filter((e) => e.args.round === round && e.args.slot === slot).map((e) => e.args.digest).join(" ");
    const onChain = (await Promise.all(rounds.flatMap((round) => slots.map(async (_, slot) => {
      const [digests, [dataRoot, noiseSeed], recovered] = await Promise.all([
        client.readContract({ ...ledger, functionName: "digestsOf", args: [jobId, round] }),
        client.readContract({ ...ledger, functionName: "ownerCommitmentOf", args: [jobId, round, slot] }),
        Promise.all(slots.map((_, owner) => client.readContract({ ...ledger, functionName: "recoveryDigestsOf", args: [jobId, round, owner] }))),
      ]);
      const [keys, shares, complaints, unmask] = digests.map((stage) => (stage[slot] === zeroHash ? "" : stage[slot]!));
      const recoveries = recovered.flatMap((byPoster, owner) => (byPoster[slot] === zeroHash ? [] : [`${owner}:${byPoster[slot]}`])).join(" ");
      const row = { round, slot, dataRoot: dataRoot === zeroHash ? "" : dataRoot, noiseSeed: noiseSeed === zeroHash ? "" : noiseSeed, keys, shares, complaints, unmask, recoveries, openings: openingsOf(round, slot) };
      return Object.values(row).slice(2).some((value) => value !== "") ? [row] : [];
    })))).flat();
    const shownLedger = await shown("ledger-row", ["round", "slot", "data-root", "noise-seed", "keys", "shares", "complaints", "unmask", "recoveries", "openings"]);
    assert.deepEqual(
      shownLedger.map((r) => ({ round: Number(r.round), slot: Number(r.slot), dataRoot: r["data-root"], noiseSeed: r["noise-seed"], keys: r.keys, shares: r.shares, complaints: r.complaints, unmask: r.unmask, recoveries: r.recoveries, openings: r.openings })),
      onChain,
      "the owner commitments, secure-aggregation posts, recovery shares and noise-seed openings shown are the chain's",
    );

    // Where the dispute's bond went (the subgraph's bondRecipient and bondToTreasury): the devnet's wrong aggregate was
    // caught, so its challenger got the bond back.
    const bond = formatUnits(await client.readContract({ address: config.addresses.Disputes!, abi: DisputesAbi, functionName: "challengeBond" }), 18);
    const bondCells = await page.getByTestId("dispute-bond").allTextContents();
    assert.ok(bondCells.length > 0 && bondCells.every((text) => text.startsWith(`${bond} VTT back to `)), `each dispute's bond back to its challenger: ${bondCells.join("; ")}`);

    await app.shot("round-job-finalized");
    assert.deepEqual(await accessibilityBasics(page), [], `accessibility of #/round-jobs/${jobId}`);
  } catch (error) {
    await app.shot("round-job-failed");
    throw error;
  } finally {
    await app.close();
  }
}
