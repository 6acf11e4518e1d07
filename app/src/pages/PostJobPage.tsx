import { useId, useState } from "react";
import { parseEventLogs, toHex, type Address } from "viem";
import { useAccount, useConfig, useReadContracts } from "wagmi";
import { readContract, signTypedData } from "wagmi/actions";
import { useLocation } from "wouter";
import { permitSignature, permitTypedData } from "../../../keepers/src/chain/permitTypedData.ts";
import { jobSpecBytes } from "../../../keepers/src/jobs/jobSpecBlock.ts";
import { useAppConfig } from "../config/appContext.ts";
import { useProtocol } from "../chain/useProtocol.ts";
import { useTransaction } from "../chain/useTransaction.ts";
import { checkOnnxModel } from "../jobs/checkOnnxModel.ts";
import { SUPPORTED_ONNX_OPS } from "../../../keepers/src/training/onnxImport.ts";
import type { ModelTemplateName } from "../../../keepers/src/training/modelTemplates.ts";
import { planJob, type PlanErrors, type PostJobForm } from "../jobs/planJob.ts";
import { putRawBlock } from "../jobs/putRawBlock.ts";
import { useChainNow } from "../jobs/useChainNow.ts";
import { jobProgramOf } from "../jobs/jobProgramOf.ts";
import { useDatasetManifest } from "../jobs/useDatasetManifest.ts";
import { useSubgraph } from "../subgraph/useSubgraph.ts";
import { duration, Tokens } from "../ui/format.tsx";
import { Field } from "../ui/Field.tsx";
import { QueryState } from "../ui/QueryState.tsx";
import { TransactionStatus } from "../ui/TransactionStatus.tsx";

type ActiveDataset = { id: string; manifestDigest: `0x${string}`; k: number; n: number; byteLength: string };
const ACTIVE_DATASETS = `{ datasets(first: 100, where: { status: Active }, orderBy: registeredAtBlock, orderDirection: desc) { id manifestDigest k n byteLength } }`;

const INITIAL: PostJobForm = {
  datasetId: "", model: "lenet5", epochs: "1", trainImages: "400", testImages: "200", seed: "1", batchSize: "20", learningRate: "0.001", checkpointInterval: "5",
  reward: "10", minStake: "100", biddingPeriod: "60", executionPeriod: "3600", challengeWindow: "600",
};
// A permit is good for an hour: long enough to confirm, short enough not to linger.
const PERMIT_SECONDS = 3600n;

/** The model templates (`MODEL_TEMPLATES`) as the form offers them; the initial weights come from the seed. */
const TEMPLATE_LABELS: Record<ModelTemplateName, string> = {
  lenet5: "LeNet-5 template (initial weights from the seed)",
  "lenet5-batchnorm": "LeNet-5 with BatchNorm (initial weights from the seed)",
  "lenet5-classic": "LeCun's LeNet-5: Tanh and average pooling (initial weights from the seed)",
  resnet: "Residual CNN with BatchNorm (initial weights from the seed)",
  transformer: "Transformer encoder over 28 row tokens (disputed by a committee: the training VM does not run attention yet)",
};

/**
 * Posting a training job: dataset, model (the LeNet-5 template or an uploaded ONNX file checked
 * against the engine's ops), hyper-parameters and the order's terms, all checked before anything
 * is stored or signed; then the training-VM program is computed from the training images the spec
 * reads (fetched through the IPFS gateway), the model and the spec are stored as raw IPFS blocks,
 * and one permit signature plus one transaction (`postWithPermit`) escrow the reward and commit the
 * program.
 */
export default function PostJobPage() {
  const { address } = useAccount();
  const datasets = useSubgraph<{ datasets: ActiveDataset[] }>(ACTIVE_DATASETS, {}, { live: true });
  return (
    <section>
      <h1>Post a job</h1>
      {address === undefined ? <p>Connect a wallet to post a job: its reward is escrowed from your tokens.</p> : (
        <QueryState query={datasets}>
          {({ datasets: active }) => active.length === 0 ? <p>No active dataset to train on yet.</p> : <PostJobFormView address={address} datasets={active} />}
        </QueryState>
      )}
    </section>
  );
}

function PostJobFormView({ address, datasets }: { address: Address; datasets: ActiveDataset[] }) {
  const config = useConfig();
  const { ipfsApiUrl, ipfsGatewayUrl } = useAppConfig();
  const { JobRegistry, VeritrainToken } = useProtocol();
  const tx = useTransaction();
  const [, navigate] = useLocation();
  const now = useChainNow();
  const [form, setForm] = useState<PostJobForm>({ ...INITIAL, datasetId: datasets[0]!.id });
  const [upload, setUpload] = useState<{ bytes: Uint8Array; name: string; error?: string; summary?: string } | undefined>();
  const [touched, setTouched] = useState(false);
  const [specCid, setSpecCid] = useState<string | undefined>();
  const datasetSelect = useId();
  const dataset = datasets.find((d) => d.id === form.datasetId);
  const datasetManifest = useDatasetManifest(dataset?.manifestDigest);
  const reads = useReadContracts({
    contracts: [
      { ...JobRegistry, functionName: "maxChallengeWindow" },
      { ...VeritrainToken, functionName: "balanceOf", args: [address] },
      { ...VeritrainToken, functionName: "symbol" },
    ],
    allowFailure: false,
  });
  if (reads.error) return <p role="alert" className="error">Could not read the contracts: {reads.error.message.split("\n")[0]}</p>;
  if (reads.data === undefined) return <p className="loading" aria-busy="true">Loading…</p>;
  const [maxChallengeWindow, balance, symbol] = reads.data;

  const sizesState = datasetManifest.data?.sizes ?? (datasetManifest.error ? { error: `Could not read dataset ${form.datasetId}'s manifest from the IPFS gateway, so the splits cannot be checked against its size: ${datasetManifest.error.message}` } : undefined);
  const { plan, errors } = planJob(form, { sizes: sizesState, upload, maxChallengeWindow, balance });
  const shown: PlanErrors = touched ? errors : {};
  const set = (field: keyof PostJobForm) => (e: { target: { value: string } }) => setForm({ ...form, [field]: e.target.value });

  const chooseFile = async (file: File | undefined) => {
    if (file === undefined) return setUpload(undefined);
    const bytes = new Uint8Array(await file.arrayBuffer());
    const check = checkOnnxModel(bytes);
    setUpload(check.ok ? { bytes, name: file.name, summary: check.summary } : { bytes, name: file.name, error: check.message });
  };

  const post = async () => {
    setTouched(true);
    const manifest = datasetManifest.data?.manifest;
    if (plan === undefined || manifest === undefined) return;
    const receipt = await tx.send("Post the job", async () => {
      const { spec, modelBytes, order } = plan;
      // The training-VM program a dispute game replays, from the training images the spec reads (before anything is stored).
      const program = await jobProgramOf({ gatewayUrl: ipfsGatewayUrl, manifest, spec, modelBytes, signal: AbortSignal.timeout(120_000) });
      await putRawBlock({ apiUrl: ipfsApiUrl, bytes: modelBytes, what: "the model" });
      const cid = await putRawBlock({ apiUrl: ipfsApiUrl, bytes: jobSpecBytes(spec), what: "the job spec" });
      setSpecCid(cid.toString());
      const [domain, nonce] = await Promise.all([
        readContract(config, { ...VeritrainToken, functionName: "eip712Domain" }),
        readContract(config, { ...VeritrainToken, functionName: "nonces", args: [address] }),
      ]);
      const deadline = BigInt(now) + PERMIT_SECONDS;
      const signature = await signTypedData(config, { account: address, ...permitTypedData({ domain, owner: address, spender: JobRegistry.address, value: order.reward, nonce, deadline }) });
      const { v, r, s } = permitSignature(signature, deadline);
      return { ...JobRegistry, functionName: "postWithPermit", args: [{ ...order, specDigest: toHex(cid.multihash.digest), program }, deadline, v, r, s] };
    });
    if (receipt === undefined) return;
    const [posted] = parseEventLogs({ abi: JobRegistry.abi, logs: receipt.logs, eventName: "JobPosted" });
    if (posted !== undefined) navigate(`/jobs/${posted.args.jobId}`);
  };

  return (
    <form className="card post-job" onSubmit={(e) => { e.preventDefault(); void post(); }} noValidate data-testid="post-job-form">
      <fieldset>
        <legend>Dataset</legend>
        <div className="field">
          <label htmlFor={datasetSelect}>Active dataset</label>
          <select id={datasetSelect} value={form.datasetId} onChange={set("datasetId")} aria-invalid={shown.datasetId !== undefined} aria-describedby={`${datasetSelect}-error`} data-testid="post-job-dataset">
            {datasets.map((d) => <option key={d.id} value={d.id}>Dataset {d.id} ({d.k}+{d.n - d.k} columns, {(Number(d.byteLength) / 1e6).toFixed(1)} MB)</option>)}
          </select>
          <small>{datasetManifest.data ? `${datasetManifest.data.sizes.train.toLocaleString("en")} training and ${datasetManifest.data.sizes.test.toLocaleString("en")} test images.` : datasetManifest.isPending ? "Reading its manifest…" : ""}</small>
          <small id={`${datasetSelect}-error`} className="field-error" role={shown.datasetId ? "alert" : undefined}>{shown.datasetId ?? (datasetManifest.error ? "Its manifest could not be read from the IPFS gateway; posting needs it." : "")}</small>
        </div>
      </fieldset>

      <fieldset>
        <legend>Model</legend>
        {(Object.keys(TEMPLATE_LABELS) as ModelTemplateName[]).map((template) => (
          <label key={template} className="choice"><input type="radio" name="model" value={template} checked={form.model === template} onChange={() => setForm({ ...form, model: template })} /> {TEMPLATE_LABELS[template]}</label>
        ))}
        <label className="choice"><input type="radio" name="model" value="upload" checked={form.model === "upload"} onChange={() => setForm({ ...form, model: "upload" })} /> Upload an ONNX model</label>
        {form.model === "upload" && (
          <>
            <Field label="ONNX file" type="file" accept=".onnx,application/octet-stream" onChange={(e) => void chooseFile(e.target.files?.[0])} error={shown.model ?? upload?.error}
              hint={`Checked here against the engine's operators: ${SUPPORTED_ONNX_OPS.join(", ")}, each node reading the model input or earlier nodes, [N,1,28,28] in, 10 classes out.`} data-testid="post-job-model-file" />
            {upload?.summary !== undefined && <p role="status" data-testid="model-check">{upload.name}: {upload.summary}.</p>}
          </>
        )}
      </fieldset>

      <fieldset>
        <legend>Training</legend>
        <div className="columns">
          <Field label="Epochs" inputMode="numeric" value={form.epochs} onChange={set("epochs")} error={shown.epochs} />
          <Field label="Training images" inputMode="numeric" value={form.trainImages} onChange={set("trainImages")} error={shown.trainImages} hint="From the start of the train split; up to 100 after them validate." />
          <Field label="Test images" inputMode="numeric" value={form.testImages} onChange={set("testImages")} error={shown.testImages} hint="The claimed accuracy is measured on these." />
          <Field label="Seed" inputMode="numeric" value={form.seed} onChange={set("seed")} error={shown.seed} hint="Initial weights (template) and data order." />
          <Field label="Batch size" inputMode="numeric" value={form.batchSize} onChange={set("batchSize")} error={shown.batchSize} />
          <Field label="Learning rate (Adam)" inputMode="decimal" value={form.learningRate} onChange={set("learningRate")} error={shown.learningRate} />
          <Field label="Checkpoint interval (steps)" inputMode="numeric" value={form.checkpointInterval} onChange={set("checkpointInterval")} error={shown.checkpointInterval} hint="Each checkpoint is a point a challenger can dispute." />
        </div>
      </fieldset>

      <fieldset>
        <legend>Terms</legend>
        <div className="columns">
          <Field label={`Reward, the maximum price (${symbol})`} inputMode="decimal" value={form.reward} onChange={set("reward")} error={shown.reward} hint={`Escrowed now; you have ${Number(balance / 10n ** 14n) / 1e4} ${symbol}. The unspent part is refunded.`} data-testid="post-job-reward" />
          <Field label={`Minimum stake (${symbol})`} inputMode="decimal" value={form.minStake} onChange={set("minStake")} error={shown.minStake} hint="A bidder locks it until payout; slashed if its result is proven wrong." />
          <Field label="Bidding period (seconds)" inputMode="numeric" value={form.biddingPeriod} onChange={set("biddingPeriod")} error={shown.biddingPeriod} />
          <Field label="Execution period (seconds)" inputMode="numeric" value={form.executionPeriod} onChange={set("executionPeriod")} error={shown.executionPeriod} />
          <Field label="Challenge window (seconds)" inputMode="numeric" value={form.challengeWindow} onChange={set("challengeWindow")} error={shown.challengeWindow} hint={`At most ${duration(maxChallengeWindow)} (JobRegistry's maxChallengeWindow).`} data-testid="post-job-challenge-window" />
        </div>
      </fieldset>

      {touched && Object.keys(errors).length > 0 && <p role="alert" className="error" data-testid="post-job-errors">Correct the {Object.keys(errors).length === 1 ? "field" : `${Object.keys(errors).length} fields`} marked above; nothing was stored or signed.</p>}
      <p>Posting computes the training-VM program a dispute game replays from the training images (read through the IPFS gateway), stores the model and the spec on IPFS, then asks your wallet for one permit signature for {plan === undefined ? "the reward" : <Tokens value={plan.order.reward} symbol={symbol} />} and one transaction.</p>
      {/* The splits are checked against the dataset's manifest: until it is read there is nothing to post. */}
      <button type="submit" disabled={tx.busy || datasetManifest.isPending} data-testid="post-job-submit">{datasetManifest.isPending ? "Reading the dataset's manifest…" : "Post the job"}</button>
      {specCid !== undefined && <p role="status">Job spec stored as <code data-testid="spec-cid">{specCid}</code>.</p>}
      <TransactionStatus state={tx.state} />
    </form>
  );
}
