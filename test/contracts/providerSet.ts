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
 * Grows DatasetRegistry's provider list to `count` entries by writing synthetic providers straight into its
 * storage (`hardhat_setStorageAt`), so gas can be measured with thousands of providers without
 * thousands of joins. Only the list is written — the `_providerList` entries (account, joinedAt 0), the
 * `_providerIndex` mapping and `_providerCount`, exactly as `join` leaves them with no emptied entry —
 * which is all a placement draw reads; the synthetic providers have no stake or endpoint. Their addresses
 * are `keccak256("provider", i)`.
 *
 * The list's slot is found, not assumed: the slot S whose value is the current length, at whose
 * `keccak256(S)` the first provider sits, with `_providerIndex[first] = 1` at slot S + 1 and the count at S + 3.
 *
 * @example
 * await padProviders({ registry: p.datasetRegistry.address, count: 10_000 });
 */
export async function padProviders({ registry, count }: PadProvidersParameters): Promise<Address[]> {
  const publicClient = await viem.getPublicClient();
  const contract = await viem.getContractAt("DatasetRegistry", registry);
  const current = await contract.read.providerList();
  if (current.length === 0) throw new Error("padProviders needs one provider that joined, to find the list's slot");
  if (current.some((e) => hexToBigInt(e.account) === 0n)) throw new Error("padProviders needs a list without emptied entries");
  const read = async (slot: bigint) => hexToBigInt((await publicClient.getStorageAt({ address: registry, slot: word(slot) })) ?? "0x0");
  const indexSlot = (provider: Address, listSlot: bigint) =>
    hexToBigInt(keccak256(encodeAbiParameters([{ type: "address" }, { type: "uint256" }], [provider, listSlot + 1n])));
  const first = hexToBigInt(current[0]!.account);
  let listSlot: bigint | undefined;
  for (let slot = 0n; slot < 64n && listSlot === undefined; slot++) {
    if ((await read(slot)) !== BigInt(current.length)) continue;
    const entries = hexToBigInt(keccak256(word(slot)));
    if ((await read(entries)) % 2n ** 160n === first && (await read(indexSlot(current[0]!.account, slot))) === 1n) listSlot = slot;
  }
  if (listSlot === undefined) throw new Error("DatasetRegistry's provider list not found in slots 0..63");
  const entries = hexToBigInt(keccak256(word(listSlot)));
  const added: Address[] = [];
  for (let i = current.length; i < count; i++) {
    const provider = `0x${keccak256(encodeAbiParameters([{ type: "string" }, { type: "uint256" }], ["provider", BigInt(i)])).slice(26)}` as Address;
    await networkHelpers.setStorageAt(registry, entries + BigInt(i), word(hexToBigInt(provider)) as Hex);
    await networkHelpers.setStorageAt(registry, indexSlot(provider, listSlot), word(BigInt(i + 1)) as Hex);
    added.push(provider);
  }
  const length = BigInt(Math.max(count, current.length));
  await networkHelpers.setStorageAt(registry, listSlot, word(length) as Hex);
  await networkHelpers.setStorageAt(registry, listSlot + 3n, word(length) as Hex);
  return added;
}
