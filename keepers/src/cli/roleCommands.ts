import { existsSync } from "node:fs";
import { join } from "node:path";
import { Option, type Command } from "commander";
import { getAddress, isAddress, zeroAddress } from "viem";
import { DEFAULT_DRAND_URL } from "../drand/fetchBeacon.ts";
import { stakeTokens } from "../chain/stakeTokens.ts";
import { parseDishonesty } from "../compute/dishonesty.ts";
import { VeritrainError } from "../errors.ts";
import { printOutput } from "./printOutput.ts";
import { tokenFormatter } from "../chain/tokenFormatter.ts";
import { declareKeyUse, healthPortOption, keeperStoreDirectory, openKeeperStore, parseCount, parseTokens, setUpCommand } from "./commandContext.ts";

const peerOption = () => new Option("--peer <multiaddr...>", "peers to dial at start (consumers, compute providers: whoever serves specs and results)").default([]);
const portOption = () => new Option("--port <port>", "TCP port of this node's IPFS endpoint on 127.0.0.1").default("0");

/**
 * Registers the keeper roles: `automation`, `compute`, `challenger`, `validator` (with `validator exit` and
 * `validator release`), the verdict `relay`, `storage`, and the content `gateway` of the web app. Each role's
 * implementation is imported when its command runs, so a process loads its own role's modules only (the prover's
 * snarkjs is the storage role's, the training engine the compute role's and the checkers').
 *
 * @example
 * registerRoleCommands(program);
 */
export function registerRoleCommands(program: Command): void {
  declareKeyUse(program.command("compute"), "signs")
    .description("run the compute role: bid on jobs whose reward covers the cost model, train the jobs won (resuming from checkpoints on disk), publish checkpoints and weights, submit results; in distributed jobs bid for a slot, train and commit it every round, and post rounds' aggregates")
    .addOption(portOption())
    .addOption(peerOption())
    .addOption(healthPortOption())
    .option("--threads <n>", "training threads", "2")
    .option("--images-per-second <n>", "training throughput of this machine (npm run bench:train)", "1000")
    .option("--price-per-cpu-second <tokens>", "price of one CPU-second", "0.001")
    .option("--margin-bps <bps>", "margin on the compute cost, basis points", "2000")
    .option("--base-fee <tokens>", "fixed part of every bid (gas, publishing)", "0.1")
    .option("--dishonest [level:n]", "devnet fault demo: every job's run wrong at one level of a dispute game, played from it: checkpoint:<n> (checkpoint n's hash; <n> alone, default 1), step:<n> (step n's weight update), instruction:<n> (one instruction inside step n)")
    .option("--poison-slot <slot>", "devnet fault demo: holding this slot of a distributed job, commit its updates sign-flipped ×10")
    .option("--withhold-slot <slot>", "devnet fault demo: holding this slot of a distributed job, commit its updates but never serve them")
    .option("--spoil-slot <slot>", "devnet fault demo: holding this slot of a private-data job under secure aggregation, seal garbage share envelopes for most of its neighbours")
    .option("--private-data <source:start-end>", "the examples this keeper holds as a data owner (a range of its own MNIST copy, e.g. train:54000-55000): it takes slots of private-data jobs whose owners hold as many, and they never leave it")
    .option("--dishonest-aggregate", "devnet fault demo: until one of a job's aggregates is voided, post them at once, from no updates (every parameter moved by 2^-10)")
    .action(async (o, command: Command) => {
      const costModel = {
        imagesPerSecond: parseCount(o.imagesPerSecond, "--images-per-second", 1),
        pricePerCpuSecond: parseTokens(o.pricePerCpuSecond, "--price-per-cpu-second"),
        marginBps: parseCount(o.marginBps, "--margin-bps"),
        baseFee: parseTokens(o.baseFee, "--base-fee"),
      };
      const dishonesty = o.dishonest === undefined ? undefined : parseDishonesty(o.dishonest);
      const poisonSlot = o.poisonSlot === undefined ? undefined : parseCount(o.poisonSlot, "--poison-slot", 0, 15);
      const withholdSlot = o.withholdSlot === undefined ? undefined : parseCount(o.withholdSlot, "--withhold-slot", 0, 15);
      const spoilSlot = o.spoilSlot === undefined ? undefined : parseCount(o.spoilSlot, "--spoil-slot", 0, 15);
      const threads = parseCount(o.threads, "--threads", 1);
      const { parseOwnedData } = await import("../roundJobs/privateRound.ts");
      const privateData = o.privateData === undefined ? undefined : parseOwnedData(o.privateData);
      const dishonestAggregate = o.dishonestAggregate === true;
      const { runComputeRole } = await import("../compute/computeRole.ts");
      const { log, config, runtime, chain, health } = await setUpCommand(command, "compute", { waitForChain: true });
      try {
        // Before the store listens: a data owner's inputs withdrawn while the keeper was down are never served.
        const { removeWithdrawnInputs } = await import("../roundJobs/secureRound.ts");
        const { createHeliaContentStore } = await import("../content/heliaContentStore.ts");
        const removed = await removeWithdrawnInputs({ chain, dataDir: config.dataDir, openStore: () => createHeliaContentStore({ directory: keeperStoreDirectory(config) }) });
        for (const input of removed) log.warn({ jobId: input.jobId.toString(), round: input.round, slot: input.slot }, "a masked input withdrawn while the keeper was down removed from the store");
        const store = await openKeeperStore({ config, runtime, log, port: parseCount(o.port, "--port"), peers: o.peer });
        log.info({ provider: chain.account.address, endpoint: store.multiaddrs()[0]?.toString(), dishonesty, poisonSlot, withholdSlot, spoilSlot, privateData, dishonestAggregate }, "compute role running");
        await runComputeRole({ chain, store, dataDir: config.dataDir, costModel, threads, dishonesty, poisonSlot, withholdSlot, spoilSlot, privateData, dishonestAggregate, log, signal: runtime.signal, health, confirmations: config.confirmations });
      } finally {
        await runtime.close();
      }
    });

  declareKeyUse(program.command("automation"), "signs")
    .description("run the automation role: drive the upkeeps (settle auctions, expire, finalize, open and close audit rounds), redraw faulty or abandoned columns, relay drand beacons to a DrandBeaconCoordinator, and on a local chain answer the VRF mock's requests")
    .option("--vrf-mock <address>", "local chain only: the VRFCoordinatorV2_5Mock whose requests to answer")
    .option("--drand-url <url>", "drand beacon HTTP endpoint (v2 API) whose rounds answer a DrandBeaconCoordinator's requests", DEFAULT_DRAND_URL)
    .option("--poll-ms <ms>", "delay between rounds of checks while events come; up to 4 times as long while none do", "1000")
    .addOption(healthPortOption())
    .action(async (o, command: Command) => {
      if (o.vrfMock !== undefined && !isAddress(o.vrfMock)) {
        throw new VeritrainError(`--vrf-mock must be an address, got "${o.vrfMock}"`, { code: "CONFIG_INVALID", details: { field: "vrfMock" } });
      }
      const pollMs = parseCount(o.pollMs, "--poll-ms", 1);
      const { runAutomationRole } = await import("../automation/automationRole.ts");
      const { log, config, runtime, chain, health } = await setUpCommand(command, "automation", { waitForChain: true });
      try {
        log.info({ keeper: chain.account.address, vrfMock: o.vrfMock }, "automation role running");
        await runAutomationRole({ chain, dataDir: config.dataDir, log, signal: runtime.signal, vrfMock: o.vrfMock, drandUrl: o.drandUrl, health, confirmations: config.confirmations, pollMs });
      } finally {
        await runtime.close();
      }
    });

  declareKeyUse(program.command("challenger"), "signs")
    .description("run the challenger role: re-execute submitted results (all or a random sample of segments) and challenge, posting the bond, only a checkpoint found wrong")
    .addOption(portOption())
    .addOption(peerOption())
    .addOption(healthPortOption())
    .option("--threads <n>", "re-execution threads", "2")
    .option("--segments <all|n>", "segments re-executed per result: all, or a random sample of n", "all")
    .action(async (o, command: Command) => {
      const segments = o.segments === "all" ? "all" : parseCount(o.segments, "--segments", 1);
      const threads = parseCount(o.threads, "--threads", 1);
      const { runChallengerRole } = await import("../challenger/challengerRole.ts");
      const { log, config, runtime, chain, health } = await setUpCommand(command, "challenger", { waitForChain: true });
      try {
        const store = await openKeeperStore({ config, runtime, log, port: parseCount(o.port, "--port"), peers: o.peer });
        log.info({ challenger: chain.account.address, segments }, "challenger role running");
        await runChallengerRole({ chain, store, dataDir: config.dataDir, segments, threads, log, signal: runtime.signal, health, confirmations: config.confirmations });
      } finally {
        await runtime.close();
      }
    });

  const validator = declareKeyUse(program.command("validator"), "signs")
    .description("run the validator role: on each committee drawn with this account, re-execute the disputed segment, sign the EIP-712 verdict and post it to the relay (also while leaving: committees drawn before the exit are still served)")
    .addOption(portOption())
    .addOption(peerOption())
    .addOption(healthPortOption())
    .option("--threads <n>", "re-execution threads", "1")
    .option("--relay <url>", "verdict relay (veritrain relay)", "http://127.0.0.1:8547")
    .option("--join", "stake the validator stake if needed and join ValidatorCommittee when not a validator yet")
    .action(async (o, command: Command) => {
      const threads = parseCount(o.threads, "--threads", 1);
      if (!/^https?:\/\//.test(o.relay)) throw new VeritrainError(`--relay must be an http(s) URL, got ${JSON.stringify(o.relay)}`, { code: "CLI_ARGUMENT_INVALID", details: { flag: "--relay" } });
      const { runValidatorRole } = await import("../validator/validatorRole.ts");
      const { log, config, runtime, chain, health, untilReachable } = await setUpCommand(command, "validator", { waitForChain: true });
      try {
        const { ValidatorCommittee, StakeManager } = chain.contracts;
        const me = chain.account.address;
        await untilReachable(async () => {
          const entry = await ValidatorCommittee.read.validatorOf([me]);
          const listed = entry.account !== zeroAddress;
          if (listed && entry.leftAt !== 0) {
            const releasableAt = entry.leftAt + (await ValidatorCommittee.read.exitDelay());
            log.warn({ validator: me, releasableAt }, "leaving: serving the committees drawn before the exit; no new ones (veritrain validator release once releasable)");
          } else if (o.join && !listed) {
            const { validatorStake } = await ValidatorCommittee.read.config();
            const { available } = await StakeManager.read.stakeOf([me]);
            if (available < validatorStake) await stakeTokens({ chain, amount: validatorStake - available, action: "joining the validator committee" });
            await chain.send(() => ValidatorCommittee.write.join());
            log.info({ validator: me }, "joined the validator committee");
          } else if (!listed) {
            log.warn({ validator: me }, "not a validator: no committee will be drawn with this account (use --join)");
          }
        });
        const store = await openKeeperStore({ config, runtime, log, port: parseCount(o.port, "--port"), peers: o.peer });
        log.info({ validator: me, relay: o.relay }, "validator role running");
        await runValidatorRole({ chain, store, dataDir: config.dataDir, relayUrl: o.relay, threads, log, signal: runtime.signal, health, confirmations: config.confirmations });
      } finally {
        await runtime.close();
      }
    });

  declareKeyUse(validator.command("exit"), "signs")
    .description("stop being drawn for new committees; the stake stays locked (and committees drawn before are still to be served) until `validator release`, exitDelay later; prints when its stake is releasable")
    .action(async (_o, command: Command) => {
      const { runtime, chain } = await setUpCommand(command, "validator");
      try {
        const { ValidatorCommittee } = chain.contracts;
        const me = chain.account.address;
        const entry = await ValidatorCommittee.read.validatorOf([me]);
        if (entry.account === zeroAddress) throw new VeritrainError(`${me} is not a validator`, { code: "VALIDATOR_NOT_LISTED", details: { validator: me } });
        const exitDelay = await ValidatorCommittee.read.exitDelay();
        if (entry.leftAt !== 0) {
          throw new VeritrainError(`${me} is leaving already; releasable at ${entry.leftAt + exitDelay}`, { code: "VALIDATOR_LEAVING", details: { validator: me, releasableAt: entry.leftAt + exitDelay } });
        }
        await chain.send(() => ValidatorCommittee.write.exit());
        const { leftAt } = await ValidatorCommittee.read.validatorOf([me]);
        const releasableAt = leftAt + exitDelay;
        printOutput(command, { validator: me, releasableAt }, [`${me} left the committee's draws; its stake is releasable at ${new Date(releasableAt * 1000).toISOString()} (veritrain validator release)`]);
      } finally {
        await runtime.close();
      }
    });

  declareKeyUse(validator.command("release [validator]"), "signs")
    .description("after exitDelay, remove a leaving validator (default: this account) and unlock its stake; anyone may release anyone; prints its stake")
    .action(async (account: string | undefined, _o, command: Command) => {
      if (account !== undefined && !isAddress(account)) {
        throw new VeritrainError(`validator must be an address, got ${JSON.stringify(account)}`, { code: "CLI_ARGUMENT_INVALID", details: { argument: "validator" } });
      }
      const { runtime, chain } = await setUpCommand(command, "validator");
      try {
        const { ValidatorCommittee, StakeManager } = chain.contracts;
        const who = account === undefined ? chain.account.address : getAddress(account);
        const entry = await ValidatorCommittee.read.validatorOf([who]);
        if (entry.account === zeroAddress) throw new VeritrainError(`${who} is not a validator`, { code: "VALIDATOR_NOT_LISTED", details: { validator: who } });
        if (entry.leftAt === 0) throw new VeritrainError(`${who} has not exited (veritrain validator exit)`, { code: "VALIDATOR_NOT_LEAVING", details: { validator: who } });
        const releasableAt = entry.leftAt + (await ValidatorCommittee.read.exitDelay());
        const now = Number((await chain.publicClient.getBlock()).timestamp);
        if (now < releasableAt) {
          throw new VeritrainError(`${who} is releasable at ${releasableAt}, in ${releasableAt - now} s`, { code: "VALIDATOR_EXIT_DELAY_NOT_OVER", details: { validator: who, releasableAt } });
        }
        await chain.send(() => ValidatorCommittee.write.release([who]));
        const stake = await StakeManager.read.stakeOf([who]);
        const tokens = await tokenFormatter(chain);
        printOutput(command, { validator: who, stake }, [`${who} released: stake ${tokens(stake.available)} available, ${tokens(stake.locked)} locked`]);
      } finally {
        await runtime.close();
      }
    });

  declareKeyUse(program.command("relay"), "signs")
    .description("serve the verdict relay on 127.0.0.1: collect committee members' signatures and settle each dispute once M agree; GET /healthz on the same port")
    .option("--port <port>", "TCP port on 127.0.0.1", "8547")
    .action(async (o, command: Command) => {
      const port = parseCount(o.port, "--port");
      const { startVerdictRelay } = await import("../validator/verdictRelay.ts");
      const { log, runtime, chain, health } = await setUpCommand(command, "relay", { waitForChain: true });
      try {
        const relay = await startVerdictRelay({ chain, port, health, log });
        runtime.defer(() => relay.close());
        console.log(JSON.stringify({ url: relay.url }));
        await new Promise((resolve) => runtime.signal.addEventListener("abort", resolve, { once: true }));
      } finally {
        await runtime.close();
      }
    });

  declareKeyUse(program.command("gateway"), "reads")
    .description(
      "serve the web app on 127.0.0.1 with its config.json, and an IPFS gateway between the browser and the keepers: GET /ipfs/<cid>?format=raw (trustless gateway) and POST /api/v0/block/put (Kubo RPC), from a Helia node dialed to the job keepers; CORS open; GET /healthz on the same port",
    )
    .option("--http-port <port>", "HTTP port on 127.0.0.1: the app's URL, and the IPFS URLs its config.json names", "8548")
    .addOption(portOption())
    .addOption(peerOption())
    .option("--fetch-timeout <seconds>", "how long GET /ipfs/<cid> looks for a block on the peers before answering 404", "30")
    .option("--app <dir>", "serve the built app from this directory (npm run app:build writes app/dist)")
    .option("--subgraph-url <url>", "the subgraph's GraphQL URL, for config.json (required with --app)")
    .option("--public-rpc-url <url>", "the JSON-RPC URL the browser uses, for config.json (default: --rpc-url)")
    .option("--chain-name <name>", "the chain's name, for config.json (default on chain 31337: veritrain devnet; required on any other)")
    .option("--dev-wallet", "let the app offer the devnet's development accounts, whose keys are public: refused on any chain but 31337")
    .action(async (o, command: Command) => {
      const httpPort = parseCount(o.httpPort, "--http-port", 1);
      const port = parseCount(o.port, "--port");
      const fetchTimeoutMs = parseCount(o.fetchTimeout, "--fetch-timeout", 1) * 1000;
      for (const [flag, url] of [["--subgraph-url", o.subgraphUrl], ["--public-rpc-url", o.publicRpcUrl]] as const) {
        if (url !== undefined && !/^https?:\/\//.test(url)) throw new VeritrainError(`${flag} must be an http(s) URL, got ${JSON.stringify(url)}`, { code: "CLI_ARGUMENT_INVALID", details: { flag } });
      }
      if (o.app !== undefined && o.subgraphUrl === undefined) {
        throw new VeritrainError("--app needs --subgraph-url: the app reads jobs and datasets from the subgraph", { code: "CLI_ARGUMENT_INVALID", details: { flag: "--subgraph-url" } });
      }
      if (o.app !== undefined && !existsSync(join(o.app, "index.html"))) {
        throw new VeritrainError(`--app ${o.app} holds no index.html: build the app first (npm run app:build)`, { code: "CLI_ARGUMENT_INVALID", details: { flag: "--app" } });
      }
      const [{ buildAppConfig }, { contentPeerDialer }, { startGateway }] = await Promise.all([import("../gateway/appConfig.ts"), import("../gateway/contentPeerDialer.ts"), import("../gateway/startGateway.ts")]);
      const { log, config, runtime, chain, health, untilReachable } = await setUpCommand(command, "gateway", { waitForChain: true });
      try {
        const appConfig = buildAppConfig({
          chainId: await untilReachable(() => chain.publicClient.getChainId()),
          chainName: o.chainName,
          rpcUrl: o.publicRpcUrl ?? config.rpcUrl,
          subgraphUrl: o.subgraphUrl ?? "",
          gatewayUrl: `http://127.0.0.1:${httpPort}`,
          addresses: config.addresses,
          devWallet: o.devWallet === true,
        });
        const store = await openKeeperStore({ config, runtime, log, port, peers: o.peer });
        const reachPeers = contentPeerDialer({ chain, store, peers: o.peer, log });
        await reachPeers();
        const server = await startGateway({ port: httpPort, store, appConfig, appDirectory: o.app, fetchTimeoutMs, reachPeers, health, log });
        runtime.defer(() => server.close());
        console.log(JSON.stringify({ url: server.url }));
        await new Promise((resolve) => runtime.signal.addEventListener("abort", resolve, { once: true }));
      } finally {
        await runtime.close();
      }
    });

  declareKeyUse(program.command("storage"), "signs")
    .description("run the storage role: take columns placed on this provider, check and pin them, accept them on-chain, and answer every audit round with a zk storage proof")
    .option("--port <port>", "TCP port of this node's IPFS endpoint on 127.0.0.1 (announced on join)", "4001")
    .addOption(new Option("--peer <multiaddr...>", "peers to dial at start (e.g. a dataset owner's endpoint)").default([]))
    .option("--join", "stake the provider stake if needed and join DatasetRegistry when not a provider yet")
    .option("--no-prover-tables", "prove without the fixed-base MSM tables (built at the first start, ~1 min on two cores and 336 MB in <dataDir>/prover; proofs ~20 % faster with them)")
    .addOption(healthPortOption())
    .action(async (o, command: Command) => {
      const [{ StorageProver }, { runStorageRole }] = await Promise.all([import("../proofs/storageProver.ts"), import("../storage/storageRole.ts")]);
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
}
