import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { describe, it } from "node:test";
import { createPublicClient, http, parseAbi } from "viem";

const PORT = "8597";

describe("devnet (README main command)", () => {
  it("starts a node on 127.0.0.1, deploys the protocol, prints addresses and stops on SIGTERM", { timeout: 240_000 }, async () => {
    const devnet = spawn(process.execPath, ["scripts/devnet.ts", "--port", PORT], {
      cwd: new URL("..", import.meta.url),
      stdio: ["ignore", "pipe", "ignore"],
    });
    try {
      const lines = createInterface({ input: devnet.stdout });
      let report: { rpcUrl: string; chainId: number; contracts: Record<string, `0x${string}`> } | undefined;
      for await (const line of lines) {
        if (line.startsWith("{")) {
          report = JSON.parse(line);
          break;
        }
      }
      assert.ok(report, "devnet printed its report");
      assert.equal(report.rpcUrl, `http://127.0.0.1:${PORT}`);
      const client = createPublicClient({ transport: http(report.rpcUrl) });
      for (const name of ["VeritrainToken", "StakeManager", "JobRegistry", "ValidatorCommittee", "Disputes", "VRFCoordinatorV2_5Mock"]) {
        const address = report.contracts[name];
        assert.ok(address, `${name} deployed`);
        assert.ok(((await client.getCode({ address })) ?? "0x").length > 2, `${name} has code`);
      }
      const token = await client.readContract({
        address: report.contracts.JobRegistry!,
        abi: parseAbi(["function token() view returns (address)"]),
        functionName: "token",
      });
      assert.equal(token, report.contracts.VeritrainToken);
    } finally {
      devnet.kill("SIGTERM");
      if (devnet.exitCode === null) await once(devnet, "exit");
    }
    const client = createPublicClient({ transport: http(`http://127.0.0.1:${PORT}`, { retryCount: 0, timeout: 2000 }) });
    await assert.rejects(client.getChainId(), "the chain node stopped with the devnet");
  });
});
