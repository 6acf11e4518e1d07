import { zeroAddress } from "viem";
import type { ProtocolConnection } from "./protocolContracts.ts";

/**
 * ValidatorCommittee's seats and the validators active now (listed, not leaving). With fewer active than seats, a
 * dispute opened now could end with no committee able to judge it (docs/architecture.md, "No committee"): a provider
 * whose disputes only a committee judges does not bid then.
 *
 * @example
 * const { seats, active } = await committeeSeats(chain); // { seats: 9, active: 9 }
 */
export async function committeeSeats(chain: Pick<ProtocolConnection, "contracts">): Promise<{ seats: number; active: number }> {
  const { ValidatorCommittee } = chain.contracts;
  const [{ size }, validators] = await Promise.all([ValidatorCommittee.read.config(), ValidatorCommittee.read.validators()]);
  return { seats: Number(size), active: validators.filter((v) => v.account !== zeroAddress && v.leftAt === 0).length };
}
