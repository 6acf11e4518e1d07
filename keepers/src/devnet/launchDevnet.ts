import { copyFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Logger } from "pino";
import { parseEther, type Address, type Hex } from "viem";
import { privateKeyToAddress } from "viem/accounts";
import { connectProtocol, type ProtocolConnection } from "../chain/protocolContracts.ts";
import { buildApp } from "./buildApp.ts";
import { buildSubgraph } from "./buildSubgraph.ts";
import { oneBuildAtATime } from "./oneBuildAtATime.ts";
import { DEV_WALLET_ACCOUNTS, devAccountKey, fundDevAccounts, GAME_PLAYER_TOKENS } from "./devAccounts.ts";
import type { DevnetConsole } from "./devnetConsole.ts";
import { createKeeperFleet, type KeeperCrash, type KeeperFleet, type KeeperSpec } from "./keeperFleet.ts";
import { startDevnet, type Devnet } from "./startDevnet.ts";
import { timedStep } from "./timedStep.ts";
import { dishonestyFlag, type Dishonesty } from "../compute/dishonesty.ts";
import type { SplitRange } from "../training/jobSpec.ts";

/** Parameters of {@link launchDevnet}. */
export type LaunchDevnetParameters = {
  /** JSON-RPC port on 127.0.0.1; the keepers use the ports just above it ({@link devnetPorts}). */
  port: number;
  /** Working directory: wiped, then one data directory per keeper and `logs/`. */
  directory: string;
  log: Logger;
  /** Storage keepers: 11 hold the columns of an 8+3 dataset, the rest are spares for reassignment. @default 12 */
  storageKeepers?: number;
  /** Validators (the deployed committee draws 9, so at least 9). @default 9 */
  validators?: number;
  /** How the devnet's own compute keeper runs: `--dishonest`, `--poison-slot`, `--private-data`, `--dishonest-aggregate`. */
  compute?: ComputeKeeperRole;
  /** The JSON-RPC URL the keepers use, e.g. a proxy in front of the chain node. @default the chain node's */
  keeperRpcUrl?: string;
  /** Bound of each start-up wait. @default 180 s */
  timeoutMs?: number;
  /** Stops the start-up (everything started is stopped). */
  signal?: AbortSignal;
  /** Shows each start-up step as a wait, and the subgraph's and the app's URLs as soon as they are served. */
  progress?: DevnetConsole;
  /** Hears each crash of a keeper (see {@link createKeeperFleet}: the fleet restarts it). */
  onCrash?: (crash: KeeperCrash) => void;
};

/** A keeper's health port is its own port's slot this much higher. */
const HEALTH_OFFSET = 1000;

/**
 * Ports of a devnet whose chain node listens on `port` (all on 127.0.0.1): the keepers' own
 * ports just above it, and each role keeper's `/healthz` at `health(its port)`, 1,000 higher
 * (the automation keeper, which listens on nothing else, takes the chain's slot there: `health(rpc)`).
 * The gateway keeper listens on HTTP only (the app, its APIs and `/healthz`; its IPFS endpoint takes
 * any free port), on a health slot no keeper uses: the indexer's, which answers `/healthz` on its
 * own port. Not P+28, above the storage keepers: a devnet of 14 storage keepers takes P+16 … P+29.
 */
export function devnetPorts(port: number) {
  return {
    health: (keeperPort: number) => keeperPort + HEALTH_OFFSET,
    rpc: port,
    indexer: port + 1,
    relay: port + 2,
    owner: port + 3,
    consumer: port + 4,
    compute: port + 5,
    challenger: port + 6,
    validator: (i: number) => port + 7 + i,
    storage: (i: number) => port + 16 + i,
    gateway: port + 1 + HEALTH_OFFSET,
  };
}

/** Development account indices of a devnet's parties. */
export const DEVNET_ACCOUNTS = {
  deployer: 0,
  automation: 1,
  owner: 2,
  consumer: 3,
  compute: 4,
  challenger: 5,
  relay: 6,
  validator: (i: number) => 7 + i,
  storage: (i: number) => 16 + i,
} as const;

/** What a devnet compute keeper is started with besides its ports: the examples it owns, and its fault demos. */
export type ComputeKeeperRole = { dishonesty?: Dishonesty; poisonSlot?: number; privateData?: SplitRange; dishonestAggregate?: boolean };

/** A compute keeper's flags for {@link ComputeKeeperRole}. */
export function computeRoleFlags({ dishonesty, poisonSlot, privateData, dishonestAggregate }: ComputeKeeperRole): string[] {
  return [
    ...(dishonesty === undefined ? [] : ["--dishonest", dishonestyFlag(dishonesty)]),
    ...(poisonSlot === undefined ? [] : ["--poison-slot", String(poisonSlot)]),
    ...(privateData === undefined ? [] : ["--private-data", `${privateData.source}:${privateData.start}-${privateData.end}`]),
    ...(dishonestAggregate === true ? ["--dishonest-aggregate"] : []),
  ];
}

/** A devnet with its keepers running. */
export type DevnetRun = {
  devnet: Devnet;
  directory: string;
  /** The keepers' copy of Ignition's deployed_addresses.json. */
  deploymentFile: string;
  /** The last block of Ignition's deployment (later blocks hold the devnet's own transactions). */
  deploymentBlock: bigint;
  /** The deployer's connection (holds the token supply); used to observe the chain. */
  deployer: ProtocolConnection;
  fleet: KeeperFleet;
  ports: ReturnType<typeof devnetPorts>;
  storageKeepers: number;
  validators: number;
  indexerUrl: string;
  relayUrl: string;
  /** The web app, served by the gateway keeper. */
  appUrl: string;
  /** Names of the keepers that serve or fetch job content (compute, challenger, validators). */
  jobKeepers: string[];
  /** `--peer` flags naming every running job keeper but `except`, for a process that must reach them. */
  jobPeers(except?: string): string[];
  /** Counts keeper `name`, whose content store listens on `port`, among the job keepers (e.g. one more compute keeper). */
  addJobKeeper(name: string, port: number): void;
  keyOf(account: number): Hex;
  addressOf(account: number): Address;
  /** Seconds of each start-up step: compile, node and deployment, subgraph and app builds (0 when cached), funding and staking, keepers until all are healthy. */
  startup: { compile: number; deploy: number; subgraph: number; app: number; setup: number; keepers: number };
  /** Stops every keeper and the chain node. */
  stop(): Promise<void>;
};

/**
 * Starts the devnet of the README: a chain node on 127.0.0.1 with the protocol deployed by
 * Ignition, every party funded, and each keeper as its own `veritrain` process — the indexer,
 * automation (answering the VRF mock), the verdict relay, storage keepers (joined as providers),
 * one compute keeper (staked), a challenger and a committee's worth of validators (joined), the
 * job keepers dialed to each other, and the content gateway serving the web app (dialed to the job
 * keepers). Returns once every keeper's `/healthz` answers 200.
 *
 * @example
 * const run = await launchDevnet({ port: 8545, directory: ".devnet", log });
 * try { … } finally { await run.stop(); }
 */
export async function launchDevnet({ port, directory, log, storageKeepers = 12, validators = 9, compute = {}, keeperRpcUrl, timeoutMs = 180_000, signal, progress, onCrash }: LaunchDevnetParameters): Promise<DevnetRun> {
  directory = resolve(directory);
  rmSync(directory, { recursive: true, force: true });
  mkdirSync(directory, { recursive: true });
  const buildOutput = join(directory, "logs", "build.log");
  // The devnet's parameters: local.json's, with audit rounds every 20 minutes and 10 minutes to
  // prove — eleven provers share two cores here (3.5 min for a round on a busy machine), and a
  // busy machine must not make them miss.
  const devnet = await startDevnet({ port, log, parameters: "ignition/parameters/devnet.json", outputFile: buildOutput, progress });
  const deploymentFile = join(directory, "deployed_addresses.json");
  copyFileSync(devnet.deploymentFile, deploymentFile);
  const fleet = createKeeperFleet({ directory, rpcUrl: keeperRpcUrl ?? devnet.rpcUrl, deploymentFile, onCrash });
  const stop = async () => {
    await fleet.stopAll();
    await devnet.stop();
  };
  try {
    // The indexer runs the subgraph's compiled mappings: built when their inputs changed (~20 s).
    const subgraph = await timedStep({ progress, label: "building the subgraph (npm run subgraph:build)", done: ({ built }) => (built ? "subgraph built" : "subgraph unchanged since its last build") }, () => oneBuildAtATime(() => buildSubgraph({ outputFile: buildOutput }), { log, rpcUrl: devnet.rpcUrl }));
    const app = await timedStep(
      { progress, label: "building the web app (npm run app:build)", done: ({ built }) => (built ? "app built" : "app unchanged since its last build") },
      () => oneBuildAtATime(() => buildApp({ outputFile: buildOutput }), { log, rpcUrl: devnet.rpcUrl }),
    );
    const ports = devnetPorts(port);
    const keyOf = (account: number) => devAccountKey(account);
    const addressOf = (account: number) => privateKeyToAddress(keyOf(account));
    const connect = (account: number) => connectProtocol({ rpcUrl: devnet.rpcUrl, privateKey: keyOf(account), addresses: devnet.addresses });
    const deployer = await connect(DEVNET_ACCOUNTS.deployer);
    const deploymentBlock = await deployer.publicClient.getBlockNumber();
    const storageNames = Array.from({ length: storageKeepers }, (_, i) => `storage-${i}`);
    const validatorNames = Array.from({ length: validators }, (_, i) => `validator-${i}`);
    const parties = [
      DEVNET_ACCOUNTS.automation,
      DEVNET_ACCOUNTS.owner,
      DEVNET_ACCOUNTS.consumer,
      DEVNET_ACCOUNTS.compute,
      DEVNET_ACCOUNTS.challenger,
      DEVNET_ACCOUNTS.relay,
      ...validatorNames.map((_, i) => DEVNET_ACCOUNTS.validator(i)),
      ...storageNames.map((_, i) => DEVNET_ACCOUNTS.storage(i)),
      ...DEV_WALLET_ACCOUNTS,
    ];
    log.info({ accounts: parties.length }, "funding the parties");
    signal?.throwIfAborted();
    const setup = await timedStep({ progress, label: `funding ${parties.length} parties, staking the compute keeper`, done: () => `${parties.length} parties funded` }, async () => {
      const players: number[] = [DEVNET_ACCOUNTS.compute, DEVNET_ACCOUNTS.challenger];
      await fundDevAccounts({ deployer, accounts: parties.filter((account) => !players.includes(account)).map(addressOf) });
      await fundDevAccounts({ deployer, accounts: players.map(addressOf), tokens: GAME_PLAYER_TOKENS });
      // The compute keeper bids with locked stake: stake some up front (the `stake` command's work).
      const compute = await connect(DEVNET_ACCOUNTS.compute);
      await compute.send(() => compute.contracts.VeritrainToken.write.approve([compute.contracts.StakeManager.address, parseEther("1000")]));
      await compute.send(() => compute.contracts.StakeManager.write.stake([parseEther("1000")]));
    });

    const endpoint = (p: number) => `/ip4/127.0.0.1/tcp/${p}`;
    const jobKeepers = ["compute", "challenger", ...validatorNames];
    const jobPorts: Record<string, number> = { compute: ports.compute, challenger: ports.challenger, ...Object.fromEntries(validatorNames.map((name, i) => [name, ports.validator(i)])) };
    // Every job keeper but those known to be down: the job keepers start together, and of two
    // peers starting at once the later one to listen reaches the other.
    const jobPeers = (except?: string) => {
      const peers = jobKeepers.filter((name) => name !== except && (!fleet.has(name) || fleet.get(name).running()));
      return peers.length === 0 ? [] : ["--peer", ...peers.map((name) => endpoint(jobPorts[name]!))];
    };
    const relayUrl = `http://127.0.0.1:${ports.relay}`;
    const indexerUrl = `http://127.0.0.1:${ports.indexer}/subgraphs/name/veritrain`;
    const gatewayUrl = `http://127.0.0.1:${ports.gateway}`;
    const appUrl = `${gatewayUrl}/`;
    /** A role keeper's `--health-port` flag and URL, from its own port's slot. */
    const health = (keeperPort: number) => ({ flags: ["--health-port", String(ports.health(keeperPort))], healthUrl: `http://127.0.0.1:${ports.health(keeperPort)}/healthz` });

    log.info({ storageKeepers, validators }, "starting the keepers");
    const keeper = (spec: Omit<KeeperSpec, "supervised">) => ({ ...spec, supervised: true });
    const automationHealth = health(ports.rpc);
    const computeHealth = health(ports.compute);
    const challengerHealth = health(ports.challenger);
    const specs: KeeperSpec[] = [
      keeper({ name: "indexer", privateKey: keyOf(DEVNET_ACCOUNTS.deployer), args: () => ["indexer", "--port", String(ports.indexer)], healthUrl: `http://127.0.0.1:${ports.indexer}/healthz` }),
      keeper({ name: "automation", privateKey: keyOf(DEVNET_ACCOUNTS.automation), args: () => ["automation", "--vrf-mock", devnet.addresses.VRFCoordinatorV2_5Mock, ...automationHealth.flags], healthUrl: automationHealth.healthUrl }),
      keeper({ name: "relay", privateKey: keyOf(DEVNET_ACCOUNTS.relay), args: () => ["relay", "--port", String(ports.relay)], healthUrl: `${relayUrl}/healthz` }),
      ...storageNames.map((name, i) => {
        const { flags, healthUrl } = health(ports.storage(i));
        // Without the prover's fixed-base tables: each keeper would first spend ~100 s of CPU building its own.
        return keeper({ name, privateKey: keyOf(DEVNET_ACCOUNTS.storage(i)), args: () => ["storage", "--join", "--port", String(ports.storage(i)), "--no-prover-tables", ...flags], healthUrl });
      }),
      keeper({
        name: "compute",
        privateKey: keyOf(DEVNET_ACCOUNTS.compute),
        args: () => ["compute", "--port", String(ports.compute), ...computeHealth.flags, ...computeRoleFlags(compute), ...jobPeers("compute")],
        healthUrl: computeHealth.healthUrl,
      }),
      keeper({ name: "challenger", privateKey: keyOf(DEVNET_ACCOUNTS.challenger), args: () => ["challenger", "--port", String(ports.challenger), ...challengerHealth.flags, ...jobPeers("challenger")], healthUrl: challengerHealth.healthUrl }),
      ...validatorNames.map((name, i) => {
        const { flags, healthUrl } = health(ports.validator(i));
        return keeper({ name, privateKey: keyOf(DEVNET_ACCOUNTS.validator(i)), args: () => ["validator", "--join", "--port", String(ports.validator(i)), "--relay", relayUrl, ...flags, ...jobPeers(name)], healthUrl });
      }),
      // It signs nothing; the deployer's key only because every keeper process is given one.
      keeper({
        name: "gateway",
        privateKey: keyOf(DEVNET_ACCOUNTS.deployer),
        args: () => [
          "gateway",
          "--http-port",
          String(ports.gateway),
          "--subgraph-url",
          indexerUrl,
          "--dev-wallet",
          "--app",
          app.value.directory,
          ...jobPeers(),
        ],
        healthUrl: `${gatewayUrl}/healthz`,
      }),
    ];
    // All at once, but for the checkers and the gateway: they start once the compute keeper
    // listens, so their --peer dial of it cannot miss (two keepers dialing each other before either
    // listens never connect, and a checker that cannot reach the compute keeper disputes its result
    // as unavailable; a browser's uploads would not reach it).
    const afterCompute = new Set(["challenger", ...validatorNames, "gateway"]);
    const keepers = await timedStep({ progress, label: `starting ${specs.length} keepers`, total: specs.length, done: () => `${specs.length} keepers running (logs in ${join(directory, "logs")})` }, async (wait) => {
      let healthy = 0;
      let computeListening: () => void = () => undefined;
      const computeUp = new Promise<void>((resolve) => (computeListening = resolve));
      await Promise.all(
        specs.map(async (spec) => {
          if (afterCompute.has(spec.name)) await computeUp;
          await fleet.start(spec).waitUntilHealthy({ timeoutMs, signal });
          if (spec.name === "compute") computeListening();
          wait?.update(++healthy);
          if (spec.name === "indexer") progress?.say(`subgraph: ${indexerUrl}`);
          if (spec.name === "gateway") progress?.say(`app: ${appUrl}`);
        }),
      );
    });
    signal?.throwIfAborted();
    // For a user's own `job post --peer $(cat .devnet/job-peers)` (README): compute providers announce no endpoint on-chain.
    writeFileSync(join(directory, "job-peers"), `${jobKeepers.map((name) => endpoint(jobPorts[name]!)).join(" ")}\n`);
    const providers = await deployer.contracts.DatasetRegistry.read.providers();
    const committee = await deployer.contracts.ValidatorCommittee.read.validators();
    log.info({ providers: providers.length, validators: committee.length, rpcUrl: devnet.rpcUrl }, "keepers running");
    return {
      devnet,
      directory,
      deploymentFile,
      deploymentBlock,
      deployer,
      fleet,
      ports,
      storageKeepers,
      validators,
      indexerUrl,
      relayUrl,
      appUrl,
      jobKeepers,
      jobPeers,
      addJobKeeper(name, port) {
        if (!jobKeepers.includes(name)) jobKeepers.push(name);
        jobPorts[name] = port;
      },
      keyOf,
      addressOf,
      startup: { compile: devnet.startup.compile, deploy: devnet.startup.deploy, subgraph: subgraph.seconds, app: app.seconds, setup: setup.seconds, keepers: keepers.seconds },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
