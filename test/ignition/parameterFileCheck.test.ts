import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { after, describe, it } from "node:test";
import { checkParameterFile } from "../../ignition/parameterFileCheck.ts";

const ADDRESS = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const TESTNETS = ["cardona", "scroll-sepolia", "linea-sepolia"] as const;
const committed = (network: string) => JSON.parse(readFileSync(`ignition/parameters/${network}.json`, "utf8")) as { Veritrain: Record<string, unknown> };

describe("checkParameterFile and npm run deploy", () => {
  const directory = mkdtempSync(join(tmpdir(), "veritrain-parameters-"));
  after(() => rmSync(directory, { recursive: true, force: true }));
  /** Writes `network`'s committed file with `changes` applied; returns its path. */
  const variant = (network: string, changes: Record<string, unknown>, name = `${network}.json`) => {
    const file = join(directory, name);
    const { Veritrain } = committed(network);
    writeFileSync(file, JSON.stringify({ Veritrain: { ...Veritrain, ...changes } }));
    return file;
  };
  const filled = { token: ADDRESS, treasury: ADDRESS, governanceProposer: ADDRESS, storageProofVerifier: ADDRESS, storageProofVerifyingKeyHash: `0x${"11".repeat(32)}` };

  it("refuses every committed testnet file as shipped, naming the first unfilled field", () => {
    for (const network of TESTNETS) {
      const file = `ignition/parameters/${network}.json`;
      assert.throws(() => checkParameterFile({ file, randomness: "drand-evmnet" }), new RegExp(`${file}: "token" is not filled in \\(SET_ME`), network);
    }
  });

  it("accepts a drand file whose Chainlink fields are still SET_ME, but not a Chainlink one", () => {
    const file = variant("scroll-sepolia", filled);
    checkParameterFile({ file, randomness: "drand-evmnet" });
    assert.throws(() => checkParameterFile({ file, randomness: "chainlink-vrf" }), /"vrfCoordinator" is not filled in/);
    checkParameterFile({ file: variant("scroll-sepolia", { ...filled, vrfCoordinator: ADDRESS, vrfSubscriptionId: "7", vrfKeyHash: `0x${"22".repeat(32)}` }), randomness: "chainlink-vrf" });
  });

  it("refuses an address field that is not an address, a file that is not JSON, and one without a Veritrain object", () => {
    assert.throws(() => checkParameterFile({ file: variant("cardona", { ...filled, treasury: "0x1234" }), randomness: "drand-evmnet" }), /"treasury" must be an address \(0x and 40 hex digits\), got "0x1234"/);
    assert.throws(() => checkParameterFile({ file: variant("cardona", { ...filled, token: 7 }), randomness: "drand-evmnet" }), /"token" must be an address/);
    const notJson = join(directory, "not.json");
    writeFileSync(notJson, "{ Veritrain: ");
    assert.throws(() => checkParameterFile({ file: notJson, randomness: "drand-evmnet" }), /not\.json cannot be read as JSON/);
    const other = join(directory, "other.json");
    writeFileSync(other, JSON.stringify({ VeritrainLocal: {} }));
    assert.throws(() => checkParameterFile({ file: other, randomness: "drand-evmnet" }), /has no "Veritrain" object/);
  });

  it("npm run deploy refuses an unfilled file in one line before compiling or sending anything, and an unknown network", async () => {
    const run = (args: string[]) => promisify(execFile)(process.execPath, ["scripts/deploy.ts", ...args], { env: { ...process.env, VERITRAIN_RANDOMNESS: "" } }).then(
      () => assert.fail("deploy succeeded"),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    const unfilled = await run(["--network", "cardona"]);
    assert.equal(unfilled.code, 1);
    assert.equal(unfilled.stderr, 'deploy: ignition/parameters/cardona.json: "token" is not filled in (SET_ME: ERC-20 (with EIP-2612 permit) used for escrow, stake and bonds): set it before deploying; nothing was compiled or sent\n');
    const unknown = await run(["--network", "mainnet"]);
    assert.match(unknown.stderr, /argument 'mainnet' is invalid\. Allowed choices are cardona, scrollSepolia, lineaSepolia/);
  });
});
