import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { type Address, getAddress, parseEther } from "viem";
import { DEVELOPMENT_VERIFYING_KEY_HASH } from "../../ignition/modules/developmentVerifier.ts";
import { DRAND_EVMNET, randomnessSource } from "../../ignition/modules/drandBeacon.ts";
import { TIMING_DEFAULTS } from "../../ignition/modules/protocol.ts";
import { EVMNET, publicKeyWords } from "../contracts/drandVectors.ts";
import { ignition, networkHelpers, viem } from "../contracts/fixture.ts";

const TESTNETS = ["cardona", "scroll-sepolia", "linea-sepolia"] as const;

/** The public module, built afresh with VERITRAIN_RANDOMNESS = `source` (unset when undefined). */
async function buildVeritrain(source: string | undefined, tag: string) {
  const previous = process.env.VERITRAIN_RANDOMNESS;
  if (source === undefined) delete process.env.VERITRAIN_RANDOMNESS;
  else process.env.VERITRAIN_RANDOMNESS = source;
  try {
    return (await import(`../../ignition/modules/Veritrain.ts?${tag}`)).default;
  } finally {
    if (previous === undefined) delete process.env.VERITRAIN_RANDOMNESS;
    else process.env.VERITRAIN_RANDOMNESS = previous;
  }
}

function parameterFile(network: string): Record<string, unknown> {
  const text = readFileSync(new URL(`../../ignition/parameters/${network}.json`, import.meta.url), "utf8");
  return (JSON.parse(text) as { Veritrain: Record<string, unknown> }).Veritrain;
}

/** Deploys the public module with drand, from Cardona's parameter file with its SET_ME entries filled in. */
async function deployWithDrand() {
  const [deployer] = await viem.getWalletClients();
  const token = await viem.deployContract("VeritrainToken", [deployer!.account.address, parseEther("1000000")]);
  const verifier = await viem.deployContract("StorageProofVerifierV1");
  const module = await buildVeritrain(undefined, "drand-deploy");
  const file = parameterFile("cardona");
  const parameters = {
    ...file,
    token: token.address,
    treasury: deployer!.account.address,
    governanceProposer: deployer!.account.address,
    storageProofVerifier: verifier.address,
    storageProofVerifyingKeyHash: DEVELOPMENT_VERIFYING_KEY_HASH,
  };
  // The file's Chainlink entries stay SET_ME: the drand path does not read them.
  assert.match(String(file.vrfCoordinator), /^SET_ME/);
  return ignition.deploy(module, { parameters: { Veritrain: parameters } });
}

describe("Veritrain Ignition module (public networks)", () => {
  it("uses drand evmnet unless VERITRAIN_RANDOMNESS=chainlink-vrf, and refuses other values", async () => {
    assert.equal(randomnessSource(undefined), "drand-evmnet");
    assert.equal(randomnessSource("chainlink-vrf"), "chainlink-vrf");
    assert.throws(() => randomnessSource("prevrandao"), /VERITRAIN_RANDOMNESS must be one of/);
    const ids = async (source: string | undefined, tag: string) =>
      [...(await buildVeritrain(source, tag)).futures].map((future: { id: string }) => future.id);
    assert.ok((await ids(undefined, "default")).some((id) => id.includes("DrandBeaconCoordinator")));
    assert.ok(!(await ids("chainlink-vrf", "chainlink")).some((id) => id.includes("DrandBeaconCoordinator")));
  });

  it("keeps evmnet's beacon in every testnet parameter file", () => {
    for (const network of TESTNETS) {
      const p = parameterFile(network);
      assert.deepEqual((p.drandPublicKey as string[]).map(BigInt), [...publicKeyWords(EVMNET.publicKey)], network);
      assert.deepEqual(DRAND_EVMNET.publicKey.map(BigInt), [...publicKeyWords(EVMNET.publicKey)]);
      assert.equal(BigInt(p.drandGenesisTime as number), EVMNET.genesisTime, network);
      assert.equal(BigInt(p.drandPeriod as number), EVMNET.period, network);
      const minDelay = BigInt(p.drandMinDelay as number);
      assert.ok(minDelay >= 60n, `${network}: drandMinDelay covers block-timestamp lag`);
      assert.ok(minDelay * 4n <= BigInt(p.roundRequestTimeout as number), `${network}: beacons come well within roundRequestTimeout`);
      assert.ok(minDelay * 4n <= BigInt(p.reassignCooldown as number), `${network}: and within reassignCooldown`);
      const seedTimeout = BigInt((p.seedTimeout as number | undefined) ?? TIMING_DEFAULTS.seedTimeout);
      assert.ok(minDelay * 4n <= seedTimeout, `${network}: and within a distributed job's seedTimeout`);
    }
  });

  it("deploys the drand coordinator with the parameter file's beacon and makes it every consumer's coordinator", async () => {
    const deployed = (await networkHelpers.loadFixture(deployWithDrand)) as unknown as Record<string, { address: Address }>;
    const at = (name: string) => {
      const future = deployed[name];
      assert.ok(future, `the module returns ${name}`);
      return future.address;
    };
    const drandBeaconCoordinator = await viem.getContractAt("DrandBeaconCoordinator", at("drandBeaconCoordinator"));
    const committee = await viem.getContractAt("ValidatorCommittee", at("committee"));
    const datasetRegistry = await viem.getContractAt("DatasetRegistry", at("datasetRegistry"));
    const storageProofs = await viem.getContractAt("StorageProofs", at("storageProofs"));
    const roundJobRegistry = await viem.getContractAt("RoundJobRegistry", at("roundJobRegistry"));
    assert.deepEqual(await drandBeaconCoordinator.read.publicKey(), publicKeyWords(EVMNET.publicKey));
    assert.equal(await drandBeaconCoordinator.read.genesisTime(), EVMNET.genesisTime);
    assert.equal(await drandBeaconCoordinator.read.period(), EVMNET.period);
    assert.equal(await drandBeaconCoordinator.read.minDelay(), 300n);
    for (const consumer of [committee, datasetRegistry, storageProofs, roundJobRegistry]) {
      assert.equal(getAddress(await consumer.read.vrfCoordinator()), getAddress(drandBeaconCoordinator.address));
    }
  });
});
