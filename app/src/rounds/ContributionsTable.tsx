import { Time } from "../ui/format.tsx";
import { RawBlockLink } from "../ui/RawBlockLink.tsx";
import type { ContributionCell, RoundRow } from "./roundRows.ts";

function Cell({ cell }: { cell: ContributionCell }) {
  switch (cell.state) {
    case "committed":
      return (
        <td data-testid="contribution" data-state="committed" data-digest={cell.digest}>
          <RawBlockLink digest={cell.digest} short /> <small><Time seconds={cell.at} /></small>
          {cell.foundWrong && <> <span className="error">found wrong</span></>}
        </td>
      );
    case "missing":
      return <td data-testid="contribution" data-state="missing" className="error">missing</td>;
    case "due":
      return <td data-testid="contribution" data-state="due">due</td>;
    case "gone":
      return <td data-testid="contribution" data-state="gone">dropped earlier</td>;
  }
}

/**
 * Every slot's contribution to every round: the committed update (its digest's raw-block CID and
 * when it was committed), missing, still due, or nothing since the slot was dropped.
 *
 * @example
 * <ContributionsTable rows={rows} slotCount={job.slots.length} />
 */
export function ContributionsTable({ rows, slotCount }: { rows: readonly RoundRow[]; slotCount: number }) {
  return (
    <table data-testid="contributions-table">
      <caption>Updates committed, by round and slot</caption>
      <thead>
        <tr><th scope="col">Round</th>{Array.from({ length: slotCount }, (_, slot) => <th key={slot} scope="col">Slot {slot}</th>)}</tr>
      </thead>
      <tbody>
        {rows.map((round) => (
          <tr key={round.number} data-round={round.number}>
            <th scope="row">Round {round.number}</th>
            {round.contributions.map((cell) => <Cell key={cell.slot} cell={cell} />)}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
