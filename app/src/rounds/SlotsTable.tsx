import { AccountLink, Tokens } from "../ui/format.tsx";
import type { RoundSlotData } from "./roundJobQuery.ts";

const DROPPED: Record<NonNullable<RoundSlotData["droppedReason"]>, string> = { MissedDeadline: "missed the training deadline", FoundWrong: "its update was found wrong" };

/**
 * A round job's slots: provider (linked to its audit page), price per round, rounds earned,
 * still in the job or dropped (why, in which round), slashed, and paid at the job's end.
 *
 * @example
 * <SlotsTable slots={job.slots} />
 */
export function SlotsTable({ slots }: { slots: readonly RoundSlotData[] }) {
  return (
    <table data-testid="slots-table">
      <thead>
        <tr><th scope="col">Slot</th><th scope="col">Provider</th><th scope="col">Price per round</th><th scope="col">Rounds earned</th><th scope="col">In the job</th><th scope="col">Slashed</th><th scope="col">Paid</th></tr>
      </thead>
      <tbody>
        {slots.map((slot) => (
          <tr key={slot.number} data-testid="slot-row" data-slot={slot.number} data-provider={slot.provider} data-price={slot.price} data-rounds-earned={slot.roundsEarned} data-active={slot.active}>
            <td>{slot.number}</td>
            <td><AccountLink address={slot.provider} /></td>
            <td><Tokens value={slot.price} /></td>
            <td>{slot.roundsEarned}</td>
            <td className={slot.active ? "ok" : "error"}>{slot.active ? "active" : `dropped${slot.droppedRound === null ? "" : ` in round ${slot.droppedRound.number}`}${slot.droppedReason === null ? "" : `: ${DROPPED[slot.droppedReason]}`}`}</td>
            <td><Tokens value={slot.slashed} /></td>
            <td><Tokens value={slot.paid} /></td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
