import type { SolidityConfig } from "hardhat/types/config";
import { EVM_TARGETS, type TargetNetwork } from "./evmTargets.ts";

/** The build profile `ignition deploy` compiles with when `--build-profile` is not given. */
export const IGNITION_DEFAULT_BUILD_PROFILE = "production";

export type CheckBuildProfileParameters = {
  /** The `--network` of the deployment; networks without an EVM target (local ones) are not checked. */
  network: string | undefined;
  /** The `--build-profile` of the deployment. @default IGNITION_DEFAULT_BUILD_PROFILE */
  buildProfile: string | undefined;
  /** The resolved build profiles (`config.solidity.profiles`). */
  profiles: SolidityConfig["profiles"];
};

/**
 * Throws when the deployment's build profile compiles for another EVM version than the network's
 * (ignition/evmTargets.ts), e.g. Cardona deployed with `production` (cancun: MCOPY is INVALID there).
 *
 * @example
 * checkBuildProfile({ network: "cardona", buildProfile: "cardona", profiles: config.solidity.profiles }) // passes
 */
export function checkBuildProfile({ network, buildProfile = IGNITION_DEFAULT_BUILD_PROFILE, profiles }: CheckBuildProfileParameters): void {
  if (network === undefined || !Object.hasOwn(EVM_TARGETS, network)) return;
  const expected = EVM_TARGETS[network as TargetNetwork].evmVersion;
  const evmVersions = new Set(profiles[buildProfile]?.compilers.map((compiler) => compiler.settings?.evmVersion));
  if (evmVersions.size !== 1 || !evmVersions.has(expected)) {
    throw new Error(
      `build profile "${buildProfile}" compiles for ${[...evmVersions].join(", ") || "no EVM version"} but ${network} needs ${expected}: ` +
        `deploy with \`npx hardhat --build-profile ${network} ignition deploy ignition/modules/Veritrain.ts --network ${network} …\``,
    );
  }
}
