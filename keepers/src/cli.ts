#!/usr/bin/env node
/**
 * veritrain: the keeper CLI. `veritrain --help` lists the commands; every command has --help.
 * Configuration: flags, then VERITRAIN_* environment variables, then --config <file>, then the
 * local devnet's defaults (keepers/src/config/keeperConfig.ts).
 */
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { SingleBar } from "cli-progress";
import { Command, Option } from "commander";
import { parseEther } from "viem";
import { stakeTokens } from "./chain/stakeTokens.ts";
import { registerJobCommands } from "./cli/jobCommands.ts";
import { registerProofCommands } from "./cli/proofCommands.ts";
import { registerRoleCommands } from "./cli/roleCommands.ts";
import { healthPortOption, openKeeperStore, parseCount, reportErrors, setUpCommand } from "./cli/commandContext.ts";
import { DEFAULT_COLUMN_DEPTH } from "./commitments/treeDepth.ts";
import { createHeliaContentStore } from "./content/heliaContentStore.ts";
import { chooseVerifierVersion } from "./datasets/chooseVerifierVersion.ts";
import { readDatasetOnChain, registerDataset } from "./datasets/datasetOnChain.ts";
import { fetchDataset } from "./datasets/fetchDataset.ts";
import { decodeManifest, manifestBlockCid } from "./datasets/manifest.ts";
import { mnistRecords } from "./datasets/mnistRecords.ts";
import { packageDataset } from "./datasets/packageDataset.ts";
import { registerAuditCommands } from "./audit/auditCommands.ts";
import { registerIndexerCommand } from "./indexer/indexerCommand.ts";
import { StorageProver } from "./proofs/storageProver.ts";
import { runStorageRole } from "./storage/storageRole.ts";
import { loadMnist } from "./training/mnist.ts";

const program = new Command("veritrain")
  .description("Keepers and client commands of veritrain: verifiable ML on an Ethereum zkEVM L2.")
  .option("--config <file>", "JSON config file (rpcUrl, deployment, dataDir, confirmations)")
  .option("--rpc-url <url>", "JSON-RPC URL of the chain [env VERITRAIN_RPC_URL; default the devnet's]")
  .option("--deployment <file>", "Ignition deployed_addresses.json [env VERITRAIN_DEPLOYMENT]")
  .option("--data-dir <dir>", "where this keeper keeps its IPFS blocks and cursors [env VERITRAIN_DATA_DIR]")
  .option("--confirmations <n>", "blocks a transaction or an event must have, its own included, before a keeper acts on it [env VERITRAIN_CONFIRMATIONS; default 1]")
  .addHelpText("after", "\nThe signing key is read from VERITRAIN_PRIVATE_KEY only.");

/** Config, chain connection and runtime of one command invocation. */
const setUp = (name: string) => setUpCommand(program, name);

function progressBar(label: string) {
  const bar = new SingleBar({ format: `${label} [{bar}] {value}/{total}`, stream: process.stderr, hideCursor: true });
  return {
    update(done: number, total: number) {
      if (done === 1 || bar.getTotal() !== total) bar.start(total, 0);
      bar.update(done);
      if (done === total) bar.stop();
    },
  };
}

const dataset = program.command("dataset").description("package, store, register and fetch datasets");

dataset
  .command("add <source>")
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
  .action(reportErrors(async (source: string, o) => {
    const { log, config, runtime, chain } = await setUp("dataset-add");
    try {
      // Chosen before the (long) packaging, so a refused version fails at once.
      const verifier = await chooseVerifierVersion({
        chain,
        version: o.verifierVersion === undefined ? undefined : BigInt(parseCount(o.verifierVersion, "--verifier-version", 1)),
        allowDevelopmentKeys: o.allowDevelopmentKeys === true,
      });
      log.info(
        { verifierVersion: verifier.version.toString(), verifier: verifier.verifier, verifyingKeyHash: verifier.verifyingKeyHash, development: verifier.development },
        "storage proofs of this dataset will be checked by this verifier version",
      );
      const store = await createHeliaContentStore({ directory: join(config.dataDir, "ipfs"), listen: true, port: Number(o.port) });
      runtime.defer(() => store.close());
      const input =
        source === "mnist"
          ? mnistRecords(loadMnist(), { limit: o.limit === undefined ? undefined : Number(o.limit) })
          : fileRecords(source, Number(o.recordSize));
      const encode = progressBar("encode");
      const commit = progressBar("commit");
      const packaged = await packageDataset({
        name: source === "mnist" ? "mnist" : source,
        ...input,
        k: Number(o.k),
        n: Number(o.n),
        shardSize: Number(o.shardSize),
        columnTreeDepth: Number(o.columnTreeDepth),
        threads: Number(o.threads),
        store,
        onProgress: ({ stage, done, total }) => (stage === "encode" ? encode : commit).update(done, total),
      });
      const datasetId = await registerDataset({ chain, packaged, payment: parseEther(o.payment), term: Number(o.term), verifierVersion: verifier.version });
      const endpoint = store.multiaddrs()[0]?.toString();
      log.info({ datasetId: datasetId.toString(), manifest: packaged.manifestCid.toString(), endpoint }, "dataset registered");
      console.log(
        JSON.stringify({
          datasetId: datasetId.toString(),
          manifestCid: packaged.manifestCid.toString(),
          endpoint,
          verifierVersion: verifier.version.toString(),
          verifyingKeyHash: verifier.verifyingKeyHash,
        }),
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
  }));

dataset
  .command("fetch <datasetId>")
  .description("fetch any k healthy shards per stripe from the column holders, check them against the manifest, decode, and write the original bytes")
  .requiredOption("--out <file>", "where to write the dataset's bytes")
  .option("--port <port>", "TCP port of this node's IPFS endpoint on 127.0.0.1", "0")
  .action(async (id: string, o) => {
    const { log, config, runtime, chain } = await setUp("dataset-fetch");
    try {
      const store = await createHeliaContentStore({ directory: join(config.dataDir, "ipfs"), listen: true, port: Number(o.port) });
      runtime.defer(() => store.close());
      const onChain = await readDatasetOnChain(chain, BigInt(id));
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
      const sha256 = createHash("sha256").update(bytes).digest("hex");
      console.log(JSON.stringify({ datasetId: id, bytes: bytes.byteLength, sha256, out: o.out }));
    } finally {
      await runtime.close();
    }
  });

dataset
  .command("status <datasetId>")
  .description("print a dataset's registration: manifest, holders, endpoints, accepted columns")
  .action(async (id: string) => {
    const { runtime, chain } = await setUp("dataset-status");
    try {
      const onChain = await readDatasetOnChain(chain, BigInt(id));
      console.log(JSON.stringify({ ...onChain, datasetId: id, manifestCid: onChain.manifestCid.toString() }, null, 2));
    } finally {
      await runtime.close();
    }
  });

program
  .command("storage")
  .description("run the storage role: take columns placed on this provider, check and pin them, accept them on-chain, and answer every audit round with a zk storage proof")
  .option("--port <port>", "TCP port of this node's IPFS endpoint on 127.0.0.1 (announced on join)", "4001")
  .addOption(new Option("--peer <multiaddr...>", "peers to dial at start (e.g. a dataset owner's endpoint)").default([]))
  .option("--join", "stake the provider stake if needed and join DatasetRegistry when not a provider yet")
  .option("--no-prover-tables", "prove without the fixed-base MSM tables (built at the first start, ~1 min on two cores and 336 MB in <dataDir>/prover; proofs ~20 % faster with them)")
  .addOption(healthPortOption())
  .action(async (o, command: Command) => {
    // Loaded here, not at start: the prover pulls in snarkjs, which no other command needs.
    const { log, config, runtime, chain, health, untilReachable } = await setUpCommand(command, "storage", { waitForChain: true });
    try {
      const store = await openKeeperStore({ config, runtime, log, port: parseCount(o.port, "--port"), peers: o.peer });
      const endpoint = store.multiaddrs()[0]!.toString();
      const registry = chain.contracts.DatasetRegistry;
      await untilReachable(async () => {
        const isProvider = (await registry.read.providers()).some((p) => p.toLowerCase() === chain.account.address.toLowerCase());
        if (!o.join || isProvider) return;
        const needed = await registry.read.providerStake();
        const { available } = await chain.contracts.StakeManager.read.stakeOf([chain.account.address]);
        if (available < needed) await stakeTokens({ chain, amount: needed - available, action: "joining as a storage provider" });
        await chain.send(() => registry.write.join([endpoint]));
        log.info({ endpoint }, "joined as storage provider");
      });
      const fixedBaseTables = o.proverTables && { cacheDir: join(config.dataDir, "prover") };
      if (fixedBaseTables) log.info({ cacheDir: fixedBaseTables.cacheDir }, "reading the prover's fixed-base tables, or building them (about a minute on two cores)");
      const started = performance.now();
      const prover = await StorageProver.load({ fixedBaseTables });
      runtime.defer(() => prover.close());
      if (fixedBaseTables) log.info({ seconds: Math.round(performance.now() - started) / 1000 }, "prover tables ready");
      log.info({ endpoint, provider: chain.account.address }, "storage role running");
      await runStorageRole({ chain, store, prover, dataDir: config.dataDir, log, signal: runtime.signal, health, confirmations: config.confirmations });
    } finally {
      await runtime.close();
    }
  });

/** Records of a plain file: `recordSize` bytes each, one split. */
function fileRecords(path: string, recordSize: number) {
  const records = new Uint8Array(readFileSync(path));
  return {
    records,
    recordSize,
    fields: [{ name: "bytes", offset: 0, length: recordSize, type: "uint8" as const }],
    splits: [{ name: "all", firstRecord: 0, recordCount: Math.floor(records.byteLength / recordSize) }],
  };
}

registerJobCommands(program);
registerRoleCommands(program);
registerProofCommands(program);
registerIndexerCommand(program);
registerAuditCommands(program);

await program.parseAsync();
