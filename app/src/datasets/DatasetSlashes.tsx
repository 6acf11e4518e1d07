import type { Address, Hex } from "viem";
import { useSubgraph } from "../subgraph/useSubgraph.ts";
import { AccountLink, Time, Tokens } from "../ui/format.tsx";
import { QueryState } from "../ui/QueryState.tsx";
import type { DatasetFault } from "./datasetQuery.ts";

type SlashRow = { id: string; account: Address; beneficiary: Address; amount: string; toBeneficiary: string; toTreasury: string; transactionHash: Hex };

const SLASHES = `query Slashes($hashes: [Bytes!]!) {
  slashes(first: 1000, where: { transactionHash_in: $hashes }) { id account beneficiary amount toBeneficiary toTreasury transactionHash }
}`;

/**
 * The dataset's column faults (`ColumnFault`) with the stake slashes they caused (`Slash`, from
 * the same transaction): who was slashed, how much, and where it went.
 */
export function DatasetSlashes({ faults }: { faults: readonly DatasetFault[] }) {
  const slashes = useSubgraph<{ slashes: SlashRow[] }>(SLASHES, { hashes: faults.map((fault) => fault.transactionHash) }, { enabled: faults.length > 0 });
  if (faults.length === 0) return <p data-testid="slashes-empty">No column fault: no holder has been slashed.</p>;
  return (
    <QueryState query={slashes}>
      {({ slashes: rows }) => (
        <table>
          <thead><tr><th scope="col">Column</th><th scope="col">Holder</th><th scope="col">Slashed</th><th scope="col">To</th><th scope="col">When</th></tr></thead>
          <tbody>
            {faults.map((fault) => {
              const slash = rows.find((row) => row.transactionHash === fault.transactionHash && row.account.toLowerCase() === fault.provider.toLowerCase());
              return (
                <tr key={fault.id} data-testid="slash-row">
                  <td>{fault.column.index}</td>
                  <td><AccountLink address={fault.provider} /></td>
                  <td><Tokens value={fault.slashed} /></td>
                  <td>{slash ? <><Tokens value={slash.toBeneficiary} /> to <AccountLink address={slash.beneficiary} />, <Tokens value={slash.toTreasury} /> to the treasury</> : "–"}</td>
                  <td><Time seconds={fault.blockTimestamp} /></td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </QueryState>
  );
}
