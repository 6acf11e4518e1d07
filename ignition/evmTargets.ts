import type { OpcodeName } from "../tools/evm/opcodes.ts";

/** The EVM versions the contracts are compiled for (solc `evmVersion`). */
export type EvmVersion = "shanghai" | "cancun";

/** An opcode the contracts must not contain on a network, why, and where that is documented. */
export type ForbiddenOpcode = { opcode: OpcodeName; why: string; source: string };

/** A public network: its chain, the variable holding its RPC URL, its EVM version and its forbidden opcodes. */
export type EvmTarget = {
  chainId: number;
  rpcVariable: string;
  evmVersion: EvmVersion;
  forbidden: readonly ForbiddenOpcode[];
};

/** Protocol rule, on every network: randomness comes from the VRF (or a beacon), never from the block. */
const PREVRANDAO: ForbiddenOpcode = {
  opcode: "PREVRANDAO",
  why: "protocol rule: never a randomness source (0 on Cardona and Scroll, sequencer-chosen on Linea)",
  source: "https://docs.linea.build/network/overview/ethereum-differences",
};

/**
 * Each network's EVM target, named as its Hardhat network and build profile. hardhat.config.ts builds
 * both from this table, `ignition/modules/Veritrain.ts` refuses a build profile of another EVM version,
 * and `npm run scan:opcodes` checks the compiled bytecode against `forbidden`. The facts, with the date
 * they were read, are in docs/deployment.md.
 */
export const EVM_TARGETS = {
  // Polygon zkEVM Cardona: PUSH0 since ForkID 5 (https://docs.polygon.technology/zkEVM/get-started/historical-data/),
  // no Cancun opcode: shanghai is the highest safe target.
  cardona: {
    chainId: 2442,
    rpcVariable: "CARDONA_RPC_URL",
    evmVersion: "shanghai",
    forbidden: [
      PREVRANDAO,
      ...(["MCOPY", "TLOAD", "TSTORE", "BLOBHASH", "BLOBBASEFEE"] as const).map((opcode) => ({
        opcode,
        why: "mapped to opINVALID in the ROM of ForkID 12/13 (user report)",
        source: "https://github.com/0xPolygon/zkevm-prover/issues/895",
      })),
      { opcode: "BASEFEE", why: "not supported (the zkEVM implements Berlin, not London)", source: "https://docs.polygon.technology/zkEVM/architecture/protocol/etrog-upgrade/" },
      { opcode: "SELFDESTRUCT", why: "replaced by SENDALL (moves the balance, deletes nothing)", source: "https://docs.polygon.technology/zkEVM/architecture/protocol/etrog-upgrade/" },
    ],
  },
  // Scroll Sepolia: "We support the `cancun` EVM target"; TLOAD/TSTORE/MCOPY since Curie.
  scrollSepolia: {
    chainId: 534351,
    rpcVariable: "SCROLL_SEPOLIA_RPC_URL",
    evmVersion: "cancun",
    forbidden: [
      PREVRANDAO,
      { opcode: "BLOBHASH", why: "not yet available on Scroll", source: "https://docs.scroll.io/en/developers/ethereum-and-scroll-differences/" },
      { opcode: "BLOBBASEFEE", why: "not yet available on Scroll", source: "https://docs.scroll.io/en/developers/ethereum-and-scroll-differences/" },
      { opcode: "SELFDESTRUCT", why: "disabled: the transaction reverts", source: "https://docs.scroll.io/en/developers/ethereum-and-scroll-differences/" },
    ],
  },
  // Linea Sepolia: Prague since 2025-10-07 (https://docs.linea.build/changelog/release-notes); cancun is a safe target.
  lineaSepolia: {
    chainId: 59141,
    rpcVariable: "LINEA_SEPOLIA_RPC_URL",
    evmVersion: "cancun",
    forbidden: [
      PREVRANDAO,
      { opcode: "BLOBHASH", why: "always returns 0 (no blob transactions)", source: "https://docs.linea.build/network/overview/ethereum-differences" },
      { opcode: "BLOBBASEFEE", why: "always returns the minimum value", source: "https://docs.linea.build/network/overview/ethereum-differences" },
    ],
  },
} as const satisfies Record<string, EvmTarget>;

/**
 * Where builds for `evmVersion` other than the default one go, relative to the project root: the test
 * build of VERITRAIN_EVM_TARGET and the opcode scan of the networks of that version share them (same
 * settings, so the second build is a cache hit), and never touch artifacts/.
 */
export const buildPaths = (evmVersion: EvmVersion) => ({ artifacts: `builds/${evmVersion}/artifacts`, cache: `builds/${evmVersion}/cache` });

/** A network with an EVM target. */
export type TargetNetwork = keyof typeof EVM_TARGETS;
