import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { encodeErrorResult, getAddress, parseEther, toFunctionSelector, type Abi, type AbiParameter, type Hex } from "viem";
import { formatAbiItem } from "viem/utils";
import { artifactUrl, PROTOCOL_CONTRACT_NAMES } from "../../../keepers/src/chain/protocolContracts.ts";
import { describeRevert } from "../../../keepers/src/chain/describeRevert.ts";
import { CONTRACT_REVERT } from "../../../keepers/src/chain/revertSentence.ts";
import { protocolErrors } from "../../../keepers/src/chain/protocolErrors.ts";

const ALICE = getAddress("0x70997970c51812dc3a010c7d01b50e0d17dc79c8");
const BOB = getAddress("0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc");

/** A sample value of an ABI type, each distinct enough to be found in the sentence. */
function sample(parameter: AbiParameter, i: number): unknown {
  const fixed = /^(.*)\[(\d+)\]$/.exec(parameter.type);
  if (fixed) return Array.from({ length: Number(fixed[2]) }, (_, j) => sample({ ...parameter, type: fixed[1]! }, i + j));
  if (parameter.type === "address") return i % 2 === 0 ? ALICE : BOB;
  if (parameter.type === "string") return `field${i}`;
  if (parameter.type === "bytes32") return `0x${"ab".repeat(31)}${(i + 16).toString(16)}`;
  if (parameter.type === "uint8") return 1;
  if (/^u?int/.test(parameter.type)) return BigInt(1000 + i);
  throw new Error(`no sample for ${parameter.type}`);
}

/** The revert data of the protocol's error `name` with `args`. */
async function revertData(name: string, args: readonly unknown[]): Promise<Hex> {
  const { abi } = await protocolErrors();
  return encodeErrorResult({ abi, errorName: name, args } as never);
}

describe("describeRevert", () => {
  it("decodes every custom error of contracts/** into one documented sentence with its values", async () => {
    const { abi, docs } = await protocolErrors();
    const protocol = [...docs.entries()].filter(([, doc]) => doc.source.startsWith("project/contracts/"));
    // Every error a protocol contract's ABI can revert with is documented (whatever the build's split into compilation units).
    for (const name of PROTOCOL_CONTRACT_NAMES) {
      const { abi: contractAbi } = JSON.parse(readFileSync(artifactUrl(name), "utf8")) as { abi: Abi };
      for (const item of contractAbi) if (item.type === "error") assert.ok(docs.has(toFunctionSelector(formatAbiItem(item))), `${name}: ${item.name} documented`);
    }
    assert.ok(protocol.length > 60, `${protocol.length} protocol errors found`);
    for (const [selector, doc] of protocol) {
      assert.equal(doc.tag, "notice", `${doc.name} has a @notice`);
      assert.notEqual(doc.text, "", `${doc.name} has a sentence`);
      const item = abi.find((entry) => entry.type === "error" && entry.name === doc.name);
      assert.ok(item && item.type === "error", `${doc.name} is in the union ABI`);
      const args = item.inputs.map(sample);
      const error = await describeRevert(await revertData(doc.name, args));
      assert.equal(error.code, CONTRACT_REVERT);
      assert.equal(error.details.selector, selector);
      assert.ok(error.message.startsWith(`${doc.name}: `), error.message);
      assert.ok(!error.message.includes("\n") && !error.message.includes("`" + doc.parameters[0]?.name + "`"), error.message);
      for (const [i, parameter] of doc.parameters.entries()) {
        const value = args[i];
        const shown = parameter.enumMembers ? parameter.enumMembers[value as number]! : Array.isArray(value) ? value.map(String).join(", ") : String(value);
        assert.ok(error.message.includes(shown), `${doc.name}: ${parameter.name} shown as ${shown} in "${error.message}"`);
      }
    }
  });

  it("names the values in the NatSpec's own words, enum members by name", async () => {
    const error = await describeRevert(await revertData("JobRegistryWrongStatus", [3n, 2, 1]));
    assert.equal(error.message, "JobRegistryWrongStatus: job 3 is in Assigned status but the call needs Bidding; check the job with `npm run veritrain -- job status 3`");
    const holder = await describeRevert(await revertData("StorageProofsNotHolder", [1n, 0n, ALICE, BOB]));
    assert.equal(holder.message, `StorageProofsNotHolder: ${ALICE} submits for column 0 of dataset 1 but ${BOB} holds it; only the column's holder may submit its proof`);
  });

  it("decodes OpenZeppelin errors a protocol call can bubble up, amounts in VTT, with what to do", async () => {
    const error = await describeRevert(await revertData("ERC20InsufficientBalance", [ALICE, 0n, parseEther("10")]));
    assert.equal(
      error.message,
      `ERC20InsufficientBalance: Indicates an error related to the current balance (0 VTT) of a sender (${ALICE}). Used in transfers (needed 10 VTT); get tokens first, e.g. \`npm run veritrain -- devnet fund ${ALICE}\``,
    );
    assert.deepEqual(error.details.args, [ALICE, "0", parseEther("10").toString()]);
    const stake = await describeRevert(await revertData("StakeManagerInsufficientAvailable", [ALICE, parseEther("1.5"), parseEther("100")]));
    assert.match(stake.message, /^StakeManagerInsufficientAvailable: 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 has 1\.5 VTT free stake but 100 VTT was asked for; stake more first/);
    for (const name of ["ERC2612ExpiredSignature", "AccessControlUnauthorizedAccount", "ReentrancyGuardReentrantCall", "SafeERC20FailedOperation", "ECDSAInvalidSignature"]) {
      const { abi } = await protocolErrors();
      const item = abi.find((entry) => entry.type === "error" && entry.name === name);
      assert.ok(item && item.type === "error", `${name} is in the union ABI`);
      const described = await describeRevert(await revertData(name, item.inputs.map(sample)));
      assert.ok(described.message.startsWith(`${name}: `) && !described.message.includes("(undocumented error)"), described.message);
    }
  });

  it("decodes Error(string) and Panic(uint256)", async () => {
    assert.equal((await describeRevert("0x08c379a0000000000000000000000000000000000000000000000000000000000000002000000000000000000000000000000000000000000000000000000000000000046e6f706500000000000000000000000000000000000000000000000000000000")).message, "the contract reverted: nope");
    assert.match((await describeRevert("0x4e487b710000000000000000000000000000000000000000000000000000000000000011")).message, /^the contract panicked with code 17/);
  });

  it("gives an unknown selector raw, in one line", async () => {
    const error = await describeRevert("0xdeadbeef0000000000000000000000000000000000000000000000000000000000000001");
    assert.equal(error.code, CONTRACT_REVERT);
    assert.equal(error.message, "the contract reverted with an unknown error, selector 0xdeadbeef (data 0xdeadbeef0000000000000000000000000000000000000000000000000000000000000001)");
  });
});
