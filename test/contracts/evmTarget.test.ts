import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { config, network } from "hardhat";
import { viem } from "./fixture.ts";

/** Creation code that runs PUSH1 0x20 PUSH0 PUSH0 MCOPY STOP: valid from cancun on, INVALID on shanghai. */
const MCOPY_CODE = "0x60205f5f5e00";

describe("the contract tests' EVM target", () => {
  const target = process.env.VERITRAIN_EVM_TARGET || undefined;

  it("compiles the default profile for VERITRAIN_EVM_TARGET (cancun when unset)", () => {
    const evmVersions = config.solidity.profiles.default!.compilers.map((compiler) => compiler.settings?.evmVersion);
    assert.deepEqual(evmVersions, [target ?? "cancun"]);
  });

  it("runs the simulated network at that hardfork (cancun when unset), not Hardhat's latest", async () => {
    const { networkConfig } = await network.getOrCreate();
    assert.equal(networkConfig.type === "edr-simulated" && networkConfig.hardfork, target ?? "cancun");
  });

  it("runs `hardhat node` (the devnets' chain: Hardhat's network named node) at that hardfork too, not Hardhat's latest", () => {
    // Left to Hardhat's default, the devnets ran prague until session 46: EIP-7623's calldata floor doubled the gas of
    // every chunk a publication or a refutation sends, against the cancun and shanghai targets.
    const node = config.networks.node!;
    assert.equal(node.type === "edr-simulated" && node.hardfork, target ?? "cancun");
  });

  it("runs the simulated network at that hardfork: MCOPY executes only from cancun on", async () => {
    const publicClient = await viem.getPublicClient();
    const run = () => publicClient.call({ data: MCOPY_CODE });
    if (target === "shanghai") await assert.rejects(run, /invalid opcode|InvalidFEOpcode|OpcodeNotFound/i);
    else await run();
  });
});
