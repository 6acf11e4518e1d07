import { createHash } from "node:crypto";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import type { Command } from "commander";
import type { ProtocolConnection } from "../chain/protocolContracts.ts";
import { requireFunds } from "../chain/requireFunds.ts";
import { DEFAULT_COLUMN_DEPTH } from "../commitments/treeDepth.ts";
import { chooseVerifierVersion } from "../datasets/chooseVerifierVersion.ts";
import { readDatasetOnChain, registerDataset } from "../datasets/datasetOnChain.ts";
import { fetchDataset } from "../datasets/fetchDataset.ts";
import { decodeManifest, manifestBlockCid } from "../datasets/manifest.ts";
import { mnistRecords } from "../datasets/mnistRecords.ts";
import { VeritrainError } from "../errors.ts";
import { loadMnist } from "../training/mnist.ts";
import { declareKeyUse, openClientStore, parseCount, parseTokens, setUpCommand } from "./commandContext.ts";
import { printOutput, table } from "./printOutput.ts";
import { tokenFormatter } from "../chain/tokenFormatter.ts";
import { progressBar } from "./progressBar.ts";

/** IDatasetRegistry.DatasetStatus, indexed by number. */
const DATASET_STATUS_NAMES = ["None", "Placing", "Active", "Settled", "Cancelled"] as const;

/**
 * Registers `dataset add|fetch|status|list`.
 *
 * @example
 * registerDatasetCommands(program);
 */
export function registerDatasetCommands(program: Command): void {
  const dataset = program.command("dataset").description("package, store, register, fetch and list datasets");

  declareKeyUse(dataset.command("add <source>"), "signs")
    .description("package a dataset (`mnist`, or a file of fixed-size records), erasure-code it, commit its columns, store its shards, register it on-chain and serve it (dialing each holder as it is placed) until every column is accepted")
    .option("--record-size <bytes>", "record size of a file source", "1")
    .option("--limit <images>", "mnist: first N images of each split")
    .option("--k <shards>", "data shards per stripe", "8")
    .option("--n <shards>", "shards per stripe (data + parity)", "11")
    .option("--shard-size <bytes>", "bytes per shard (<= 1 MiB)", String(1 << 20))
    .option("--column-tree-depth <depth>", "4-ary Poseidon Merkle depth of each column (13: up to 33 GB)", String(DEFAULT_COLUMN_DEPTH))
    .option("--threads <n>", "worker threads for the commitments", "2")
    .option("--payment <tokens>", "storage payment escrowed, in tokens", "100")
    .option("--term <seconds>", "seconds the dataset is stored", String(30 * 24 * 3600))
    .option("--port <port>", "TCP port of this node's IPFS endpoint on 127.0.0.1", "0")
    .option("--verifier-version <n>", "StorageProofs verifier version the dataset is bound to for good (default: the latest registered; printed with its verifying-key hash)")
    .option("--allow-development-keys", "accept a verifier version whose key is the development ceremony's (insecure: anyone can forge its proofs; local devnets only)")
    .option("--no-wait", "exit after registering instead of serving until every column is accepted")
    .action(async (source: string, o, command: Command) => {
      // Everything that can be refused is refused before a block is written or a transaction sent.
      const layout = {
        k: parseCount(o.k, "--k", 1),
        n: parseCount(o.n, "--n", 2),
        shardSize: parseCount(o.shardSize, "--shard-size", 1),
        columnTreeDepth: parseCount(o.columnTreeDepth, "--column-tree-depth", 1),
        threads: parseCount(o.threads, "--threads", 1),
      };
      const payment = parseTokens(o.payment, "--payment");
      const term = parseCount(o.term, "--term", 1);
      const input =
        source === "mnist"
          ? mnistRecords(loadMnist(), { limit: o.limit === undefined ? undefined : parseCount(o.limit, "--limit", 1) })
          : fileRecords(source, parseCount(o.recordSize, "--record-size", 1));
      const { log, config, runtime, chain } = await setUpCommand(command, "dataset-add");
      try {
        const verifier = await chooseVerifierVersion({
          chain,
          version: o.verifierVersion === undefined ? undefined : BigInt(parseCount(o.verifierVersion, "--verifier-version", 1)),
          allowDevelopmentKeys: o.allowDevelopmentKeys === true,
        });
        log.info(
          { verifierVersion: verifier.version.toString(), verifier: verifier.verifier, verifyingKeyHash: verifier.verifyingKeyHash, development: verifier.development },
          "storage proofs of this dataset will be checked by this verifier version",
        );
        await checkCanRegister(chain, { payment, n: layout.n });
        const { store, keep } = await openClientStore({ config, runtime, log, port: parseCount(o.port, "--port"), peers: [] });
        const encode = progressBar("encode");
        const commit = progressBar("commit");
        // Imported here: the erasure coder, the Poseidon commitments and their workers are this command's alone.
        const { packageDataset } = await import("../datasets/packageDataset.ts");
        const packaged = await packageDataset({
          name: source === "mnist" ? "mnist" : source,
          ...input,
          ...layout,
          store,
          onProgress: ({ stage, done, total }) => (stage === "encode" ? encode : commit).update(done, total),
        });
        const datasetId = await registerDataset({ chain, packaged, payment, term, verifierVersion: verifier.version });
        keep();
        const endpoint = store.multiaddrs()[0]?.toString();
        log.info({ datasetId: datasetId.toString(), manifest: packaged.manifestCid.toString(), endpoint }, "dataset registered");
        const tokens = await tokenFormatter(chain);
        printOutput(
          command,
          { datasetId, manifestCid: packaged.manifestCid.toString(), endpoint, payment, verifierVersion: verifier.version, verifyingKeyHash: verifier.verifyingKeyHash },
          [
            `dataset ${datasetId} registered: ${packaged.manifest.layout.stripeCount} stripes of ${layout.k} + ${layout.n - layout.k} shards, ${tokens(payment)} escrowed for ${term} s`,
            ...table([
              ["manifest", packaged.manifestCid.toString()],
              ["served at", endpoint ?? "-"],
              ["verifier", `version ${verifier.version} (key ${verifier.verifyingKeyHash})`],
            ]),
            ...(o.wait ? ["serving the shards until every column is accepted (Ctrl-C stops)…"] : []),
          ],
        );
        // Holders fetch their shards from this node: dial each one as it is placed (once per endpoint).
        const dialed = new Set<string>();
        while (o.wait && !runtime.signal.aborted) {
          const onChain = await readDatasetOnChain(chain, datasetId);
          for (const holderEndpoint of onChain.endpoints.filter((e, c) => e !== "" && !onChain.accepted[c] && !dialed.has(e))) {
            await store.dial(holderEndpoint, { signal: AbortSignal.any([runtime.signal, AbortSignal.timeout(5000)]) }).then(
              () => dialed.add(holderEndpoint),
              (error: unknown) => log.warn({ endpoint: holderEndpoint, err: error }, "holder unreachable; retrying"),
            );
          }
          if (onChain.accepted.length > 0 && onChain.accepted.every(Boolean)) {
            log.info({ datasetId: datasetId.toString() }, "every column accepted; stopped serving");
            break;
          }
          await sleep(1000, undefined, { signal: runtime.signal }).catch(() => undefined);
        }
      } finally {
        await runtime.close();
      }
    });

  declareKeyUse(dataset.command("fetch <datasetId>"), "reads")
    .description("fetch any k healthy shards per stripe from the column holders, check them against the manifest, decode, and write the original bytes")
    .requiredOption("--out <file>", "where to write the dataset's bytes")
    .option("--port <port>", "TCP port of this node's IPFS endpoint on 127.0.0.1", "0")
    .action(async (id: string, o, command: Command) => {
      const datasetId = BigInt(parseCount(id, "datasetId", 1));
      const { log, config, runtime, chain } = await setUpCommand(command, "dataset-fetch");
      try {
        const onChain = await readDatasetOnChain(chain, datasetId);
        const { store, keep } = await openClientStore({ config, runtime, log, port: parseCount(o.port, "--port"), peers: [] });
        const reachable = await Promise.all(
          onChain.endpoints.map((endpoint) =>
            endpoint === ""
              ? false
              : store.dial(endpoint, { signal: AbortSignal.any([runtime.signal, AbortSignal.timeout(5000)]) }).then(
                  () => true,
                  (error: unknown) => (log.warn({ endpoint, err: error }, "holder unreachable"), false),
                ),
          ),
        );
        const manifest = await decodeManifest(await store.get(manifestBlockCid(onChain.manifestCid), { signal: runtime.signal }), onChain.manifestCid);
        const bar = progressBar("fetch");
        const bytes = await fetchDataset({
          manifest,
          source: (column) => (reachable[column] ? store : undefined),
          signal: runtime.signal,
          onSkip: ({ stripe, column, error }) => log.warn({ stripe, column, err: error }, "shard skipped"),
          onStripe: (done, total) => bar.update(done, total),
        });
        writeFileSync(o.out, bytes);
        keep();
        const sha256 = createHash("sha256").update(bytes).digest("hex");
        printOutput(command, { datasetId, bytes: bytes.byteLength, sha256, out: o.out }, [`wrote dataset ${datasetId} to ${o.out}: ${bytes.byteLength} bytes, sha256 ${sha256}`]);
      } finally {
        await runtime.close();
      }
    });

  declareKeyUse(dataset.command("status <datasetId>"), "reads")
    .description("print a dataset's registration: status, owner, payment, term, manifest, and each column's holder, endpoint and acceptance")
    .action(async (id: string, _o, command: Command) => {
      const datasetId = BigInt(parseCount(id, "datasetId", 1));
      const { runtime, chain } = await setUpCommand(command, "dataset-status");
      try {
        const onChain = await readDatasetOnChain(chain, datasetId);
        const registration = await chain.contracts.DatasetRegistry.read.getDataset([datasetId]);
        const tokens = await tokenFormatter(chain);
        const status = DATASET_STATUS_NAMES[onChain.status] ?? String(onChain.status);
        const columns = onChain.holders.map((holder, column) => ({ column, holder, endpoint: onChain.endpoints[column]!, accepted: onChain.accepted[column]!, root: onChain.columnRoots[column]! }));
        printOutput(
          command,
          { datasetId, status, owner: registration.owner, payment: registration.payment, term: registration.term, endsAt: registration.endsAt, byteLength: registration.byteLength, manifestCid: onChain.manifestCid.toString(), columns },
          [
            ...table([
              ["dataset", `${datasetId} (${status})`],
              ["owner", registration.owner],
              ["payment", tokens(registration.payment)],
              ["term", `${registration.term} s${registration.endsAt === 0 ? "" : `, ends at ${new Date(registration.endsAt * 1000).toISOString()}`}`],
              ["size", `${registration.byteLength} bytes, ${registration.stripeCount} stripes of ${registration.k} + ${registration.n - registration.k} shards of ${registration.shardSize} bytes`],
              ["manifest", onChain.manifestCid.toString()],
            ]),
            ...columns.map((c) => `column ${String(c.column).padStart(2)}  ${c.accepted ? "accepted" : "pending "}  ${c.holder}  ${c.endpoint || "-"}`),
          ],
        );
      } finally {
        await runtime.close();
      }
    });

  declareKeyUse(dataset.command("list"), "reads")
    .description("list the registered datasets, newest first: id, status, owner, size, payment")
    .option("--limit <n>", "at most this many", "20")
    .action(async (o, command: Command) => {
      const limit = parseCount(o.limit, "--limit", 1);
      const { runtime, chain } = await setUpCommand(command, "dataset-list");
      try {
        const registry = chain.contracts.DatasetRegistry;
        const count = await registry.read.datasetCount();
        const ids = Array.from({ length: Math.min(limit, Number(count)) }, (_, i) => count - BigInt(i));
        const datasets = await Promise.all(ids.map(async (datasetId) => ({ datasetId, ...(await registry.read.getDataset([datasetId])) })));
        const tokens = await tokenFormatter(chain);
        printOutput(
          command,
          { count, datasets: datasets.map((d) => ({ datasetId: d.datasetId, status: DATASET_STATUS_NAMES[d.status], owner: d.owner, byteLength: d.byteLength, payment: d.payment })) },
          datasets.length === 0
            ? ["no dataset registered yet"]
            : datasets.map((d) => `dataset ${String(d.datasetId).padStart(3)}  ${(DATASET_STATUS_NAMES[d.status] ?? "?").padEnd(9)}  ${d.owner}  ${d.byteLength} bytes  ${tokens(d.payment)}`),
        );
      } finally {
        await runtime.close();
      }
    });
}

/**
 * Refuses, before anything is stored or sent, a registration the chain would refuse for want of
 * tokens or providers (the registration itself checks again right before it sends).
 */
async function checkCanRegister(chain: ProtocolConnection, { payment, n }: { payment: bigint; n: number }): Promise<void> {
  await requireFunds({ chain, action: "registering", tokens: { amount: payment, label: "storage payment" } });
  const providers = await chain.contracts.DatasetRegistry.read.providers();
  if (providers.length < n) {
    throw new VeritrainError(`${providers.length} storage providers have joined; a dataset of ${n} shards per stripe needs ${n}: start more storage keepers (veritrain storage --join) or lower --n`, {
      code: "NOT_ENOUGH_PROVIDERS",
      details: { providers: providers.length, needed: n },
    });
  }
}

/** Records of a plain file: `recordSize` bytes each, one split; refuses a missing, empty or too short file. */
function fileRecords(path: string, recordSize: number) {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (cause) {
    throw new VeritrainError(`${path}: no such file to add (give \`mnist\` or the path of a file of fixed-size records)`, { code: "INPUT_MISSING", details: { path }, cause });
  }
  if (size < recordSize) {
    throw new VeritrainError(`${path} holds ${size} bytes, less than one record of ${recordSize}: nothing to store`, { code: "INPUT_EMPTY", details: { path, size, recordSize } });
  }
  const records = new Uint8Array(readFileSync(path));
  return {
    records,
    recordSize,
    fields: [{ name: "bytes", offset: 0, length: recordSize, type: "uint8" as const }],
    splits: [{ name: "all", firstRecord: 0, recordCount: Math.floor(records.byteLength / recordSize) }],
  };
}
