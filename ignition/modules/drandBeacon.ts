import type { IgnitionModuleBuilder } from "@nomicfoundation/ignition-core";

/**
 * drand's "evmnet" beacon (scheme `bls-bn254-unchained-on-g1`), from https://api.drand.sh/v2/beacons/evmnet/info
 * (chain hash 04f1e9062b8a81f848fded9c12306733282b2727ecced50032187751166ec8c3): its G2 public key as the four
 * words of the 128-byte `public_key` (x.c1, x.c0, y.c1, y.c0, the EIP-197 order), round 1's time and the period.
 */
export const DRAND_EVMNET = {
  publicKey: [
    "0x07e1d1d335df83fa98462005690372c643340060d205306a9aa8106b6bd0b382",
    "0x0557ec32c2ad488e4d4f6008f89a346f18492092ccc0d594610de2732c8b808f",
    "0x0095685ae3a85ba243747b1b2f426049010f6b73a0cf1d389351d5aaaa1047f6",
    "0x297d3a4f9749b33eb2d904c9d9ebf17224150ddd7abd7567a9bec6c74480ee0b",
  ],
  genesisTime: 1727521075n,
  period: 3n,
} as const;

/**
 * Default least delay between a request's block time and its drand round's time: it must exceed how far the
 * chain's block timestamps may lag real time (docs/architecture.md, "Randomness without Chainlink VRF"), and
 * stay well below the consumers' request time-outs (`roundRequestTimeout`, `reassignCooldown`, `seedTimeout`).
 */
export const DRAND_MIN_DELAY_DEFAULT = 300n;

/** The randomness sources the public module can wire the consumers to. */
export const RANDOMNESS_SOURCES = ["drand-evmnet", "chainlink-vrf"] as const;
export type RandomnessSource = (typeof RANDOMNESS_SOURCES)[number];

/**
 * The randomness source named by `VERITRAIN_RANDOMNESS` (default `drand-evmnet`). It is read when the module is
 * built, not from the parameter file, because Ignition resolves parameters only when it executes futures: a
 * parameter cannot add or remove the coordinator's deployment. Throws on any other value.
 */
export function randomnessSource(value: string | undefined = process.env.VERITRAIN_RANDOMNESS): RandomnessSource {
  const source = value === undefined || value === "" ? "drand-evmnet" : value;
  if (!(RANDOMNESS_SOURCES as readonly string[]).includes(source)) {
    throw new Error(`VERITRAIN_RANDOMNESS must be one of ${RANDOMNESS_SOURCES.join(", ")}; got "${source}"`);
  }
  return source as RandomnessSource;
}

/**
 * Deploys a `DrandBeaconCoordinator` for the beacon in the parameter file (`drandPublicKey`, `drandGenesisTime`,
 * `drandPeriod`, defaulting to evmnet's) with the delay `drandMinDelay`. The contract has no owner: nothing
 * about it changes after deployment.
 */
export function drandBeaconCoordinator(m: IgnitionModuleBuilder) {
  return m.contract("DrandBeaconCoordinator", [
    m.getParameter("drandPublicKey", [...DRAND_EVMNET.publicKey]),
    m.getParameter("drandGenesisTime", DRAND_EVMNET.genesisTime),
    m.getParameter("drandPeriod", DRAND_EVMNET.period),
    m.getParameter("drandMinDelay", DRAND_MIN_DELAY_DEFAULT),
  ]);
}
