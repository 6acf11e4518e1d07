import { encodeAbiParameters, hexToBigInt, keccak256, numberToHex, type Address, type Hex } from "viem";
import { networkHelpers, viem } from "./fixture.ts";

/** Parameters of {@link padProviders}. */
export type PadProvidersParameters = {
  /** DatasetRegistry's address. */
  registry: Address;
  /** Size the provider set should reach. */
  count: number;
};

const word = (value: bigint) => numberToHex(value, { size: 32 });

/**
 * Grows DatasetRegistry's provider set to `count` by writing synthetic providers straight into its
 * storage (`hardhat_setStorageAt`), so gas can be measured with thousands of providers without
 * thousands of joins. Only the set is written — the `EnumerableSet.AddressSet` `_values` array and
 * `_positions` mapping, exactly as `join` leaves them — which is all a placement draw reads; the
 * synthetic providers have no stake or endpoint. Their addresses are `keccak256("provider", i)`.
 *
 * The set's slot is found, not assumed: the slot S whose value is the current length and at whose
 * `keccak256(S)` the first provider sits, with `_positions[first] = 1` at slot S + 1.
 *
 * @example
 * await padProviders({ registry: p.datasetRegistry.address, count: 10_000 });
 */
export async function padProviders({ registry, count }: PadProvidersParameters): Promise<Address[]> {
  const publicClient = await viem.getPublicClient();
  const contract = await viem.getContractAt("DatasetRegistry", registry);
  const current = await contract.read.providers();
  if (current.length === 0) throw new Error("padProviders needs one provider that joined, to find the set's slot");
  const read = async (slot: bigint) => hexToBigInt((await publicClient.getStorageAt({ address: registry, slot: word(slot) })) ?? "0x0");
  const positionSlot = (provider: Address, setSlot: bigint) =>
    hexToBigInt(keccak256(encodeAbiParameters([{ type: "address" }, { type: "uint256" }], [provider, setSlot + 1n])));
  let setSlot: bigint | undefined;
  for (let slot = 0n; slot < 64n && setSlot === undefined; slot++) {
    if ((await read(slot)) !== BigInt(current.length)) continue;
    const values = hexToBigInt(keccak256(word(slot)));
    if ((await read(values)) === hexToBigInt(current[0]!) && (await read(positionSlot(current[0]!, slot))) === 1n) setSlot = slot;
  }
  if (setSlot === undefined) throw new Error("DatasetRegistry's provider set not found in slots 0..63");
  const values = hexToBigInt(keccak256(word(setSlot)));
  const added: Address[] = [];
  for (let i = current.length; i < count; i++) {
    const provider = `0x${keccak256(encodeAbiParameters([{ type: "string" }, { type: "uint256" }], ["provider", BigInt(i)])).slice(26)}` as Address;
    await networkHelpers.setStorageAt(registry, values + BigInt(i), word(hexToBigInt(provider)) as Hex);
    await networkHelpers.setStorageAt(registry, positionSlot(provider, setSlot), word(BigInt(i + 1)) as Hex);
    added.push(provider);
  }
  await networkHelpers.setStorageAt(registry, setSlot, word(BigInt(Math.max(count, current.length))) as Hex);
  return added;
}
