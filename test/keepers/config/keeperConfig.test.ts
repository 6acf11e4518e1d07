import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { PROTOCOL_CONTRACT_NAMES } from "../../../keepers/src/chain/protocolContracts.ts";
import { loadKeeperConfig } from "../../../keepers/src/config/keeperConfig.ts";
import { VeritrainError } from "../../../keepers/src/errors.ts";

describe("the keeper config's deployment block", () => {
  const work = mkdtempSync(join(tmpdir(), "veritrain-config-"));
  after(() => rmSync(work, { recursive: true, force: true }));

  /** A deployment directory as Ignition leaves it: deployed_addresses.json, and journal.jsonl when `journal` is given. */
  const deployment = (name: string, journal?: string[]) => {
    const directory = join(work, name);
    mkdirSync(directory);
    const file = join(directory, "deployed_addresses.json");
    const addresses = Object.fromEntries(PROTOCOL_CONTRACT_NAMES.map((contract, i) => [`Veritrain#${contract}`, `0x${(i + 1).toString(16).padStart(40, "0")}`]));
    writeFileSync(file, JSON.stringify(addresses));
    if (journal) writeFileSync(join(directory, "journal.jsonl"), journal.join("\n"));
    return file;
  };
  const confirm = (block: number) => JSON.stringify({ futureId: "Veritrain#X", type: "TRANSACTION_CONFIRM", receipt: { blockNumber: block, status: "SUCCESS" } });
  const load = (file: string, flags: Record<string, string> = {}, env: NodeJS.ProcessEnv = {}) => loadKeeperConfig({ flags: { deployment: file, ...flags }, env });

  it("is the lowest block of a confirmed transaction in Ignition's journal beside the deployment file", () => {
    const file = deployment("journal", [
      JSON.stringify({ futureId: "Veritrain#X", type: "DEPLOYMENT_EXECUTION_STATE_INITIALIZE" }),
      confirm(7_300_412),
      confirm(7_300_409),
      confirm(7_300_415),
      '{"type":"TRANSACTION_CONFIRM","receipt":{"blockNum', // cut by an interrupted deployment
    ]);
    assert.equal(load(file).deploymentBlock, 7_300_409n);
  });

  it("is 0 without a journal (an addresses file copied alone)", () => {
    assert.equal(load(deployment("alone")).deploymentBlock, 0n);
  });

  it("is --deployment-block, else VERITRAIN_DEPLOYMENT_BLOCK, else the config file's, before the journal", () => {
    const file = deployment("set", [confirm(500)]);
    const config = join(work, "set", "config.json");
    writeFileSync(config, JSON.stringify({ deploymentBlock: "300" }));
    assert.equal(load(file, { config }).deploymentBlock, 300n);
    assert.equal(load(file, { config }, { VERITRAIN_DEPLOYMENT_BLOCK: "200" }).deploymentBlock, 200n);
    assert.equal(load(file, { config, deploymentBlock: "100" }, { VERITRAIN_DEPLOYMENT_BLOCK: "200" }).deploymentBlock, 100n);
  });

  it("refuses a block that is not a whole number, in one line", () => {
    const file = deployment("bad", [confirm(500)]);
    for (const value of ["-1", "12a", "0x10", ""]) {
      assert.throws(() => load(file, { deploymentBlock: value }), (error: unknown) => {
        assert.ok(error instanceof VeritrainError);
        assert.equal(error.code, "CONFIG_INVALID");
        assert.equal(error.message, "config deploymentBlock must be a block number: the block the deployment's first contract was created in (pass --deployment-block <n>)");
        return true;
      }, value);
    }
  });
});
