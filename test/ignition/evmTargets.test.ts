import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { config } from "hardhat";
import { EVM_TARGETS } from "../../ignition/evmTargets.ts";

/** Opcodes introduced by Cancun: a shanghai target must forbid each. */
const CANCUN_OPCODES = ["TLOAD", "TSTORE", "MCOPY", "BLOBHASH", "BLOBBASEFEE"];

describe("EVM_TARGETS", () => {
  it("forbids PREVRANDAO on every network and gives every entry a source URL", () => {
    for (const [network, { forbidden }] of Object.entries(EVM_TARGETS)) {
      assert.ok(forbidden.some(({ opcode }) => opcode === "PREVRANDAO"), network);
      for (const { opcode, source } of forbidden) assert.match(source, /^https:\/\//, `${network} ${opcode}`);
    }
  });

  it("forbids every Cancun opcode on a shanghai network", () => {
    for (const [network, { evmVersion, forbidden }] of Object.entries(EVM_TARGETS)) {
      if (evmVersion !== "shanghai") continue;
      const names = new Set<string>(forbidden.map(({ opcode }) => opcode));
      for (const opcode of CANCUN_OPCODES) assert.ok(names.has(opcode), `${network} allows ${opcode}`);
    }
  });

  it("gives hardhat.config.ts a network and a build profile of each network's name, chain and EVM version", () => {
    for (const [network, { chainId, evmVersion }] of Object.entries(EVM_TARGETS)) {
      assert.equal(config.networks[network]?.chainId, chainId, network);
      assert.deepEqual(config.solidity.profiles[network]?.compilers.map((compiler) => compiler.settings?.evmVersion), [evmVersion], network);
    }
  });

  describe("when VERITRAIN_EVM_TARGET names no network's EVM version", () => {
    it("stops Hardhat with one line saying what, why and what to set", () => {
      const require = createRequire(import.meta.url);
      const cli = join(dirname(require.resolve("hardhat/package.json")), require("hardhat/package.json").bin.hardhat);
      const { status, stderr, stdout } = spawnSync(process.execPath, [cli, "compile", "--quiet"], {
        env: { ...process.env, VERITRAIN_EVM_TARGET: "prague" },
        encoding: "utf8",
      });
      assert.notEqual(status, 0);
      assert.match(
        `${stdout}${stderr}`,
        /VERITRAIN_EVM_TARGET=prague is not the EVM version of any network in ignition\/evmTargets\.ts, so no test build targets it: set one of shanghai, cancun, or unset it for the default cancun build/,
      );
    });
  });
});
