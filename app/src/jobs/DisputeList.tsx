import { disputeSubject, refereeEvidence, roundDecider, roundVerdict } from "../rounds/roundDispute.ts";
import { gameMoveText, gameOutcome } from "./gameMoveText.ts";
import { jobDisputeSubject, RESULT_DISPUTE } from "./jobDispute.ts";
import type { RoundDisputeData } from "../rounds/roundJobQuery.ts";
import { AccountLink, Time } from "../ui/format.tsx";
import { BondFate } from "./BondFate.tsx";
import { Countdown } from "./Countdown.tsx";
import type { DisputeData } from "./jobQuery.ts";

/**
 * A job's disputes, live: challenger, what is disputed (a job's checkpoint or its result as published; a
 * round job's slot update or aggregate of a round) and the claimed hash, bond, the committee drawn or the
 * bisection game and its moves, or what decides it without a committee (an availability dispute; the aggregate
 * referee, with its evidence and refutation, for a round job that commits its aggregation program: `refereed`), the
 * verdict and where the bond went.
 *
 * @example
 * <DisputeList disputes={job.disputes} now={now} />
 */
export function DisputeList({ disputes, now, refereed = false }: { disputes: (DisputeData | RoundDisputeData)[]; now: number; refereed?: boolean }) {
  return (
    <ul className="list disputes">
      {disputes.map((d) => {
        const decider = "slot" in d ? roundDecider({ slot: d.slot, claimedHash: d.claimedHash, refereed }) : undefined;
        const evidence = "slot" in d && refereed ? refereeEvidence(d) : undefined;
        return (
          <li key={d.id} data-testid="dispute">
            <h3>Dispute {d.id} <span className={`badge status-${d.status}`} data-testid="dispute-status">{d.status}</span></h3>
            <table className="facts">
              <tbody>
                <tr><th scope="row">Challenger</th><td><AccountLink address={d.challenger} /></td></tr>
                {"slot" in d
                  ? <tr><th scope="row">Disputed</th><td data-testid="dispute-subject">round {d.round.number}, {disputeSubject(d.slot)}; claimed hash <code className="hash">{d.claimedHash}</code></td></tr>
                  : <tr><th scope="row">Disputed</th><td data-testid="dispute-subject">{jobDisputeSubject(d.checkpointIndex)}{d.checkpointIndex !== RESULT_DISPUTE && <>, claimed hash <code className="hash">{d.claimedHash}</code></>}</td></tr>}
                <tr><th scope="row">Bond</th><td data-testid="dispute-bond"><BondFate dispute={d} /></td></tr>
                {"game" in d && d.game !== null && d.committee === null
                  ? <tr><th scope="row">Committee</th><td data-testid="dispute-committee">none: a bisection game decides it</td></tr>
                  : <>
                    <tr>
                      <th scope="row">Verdict due</th>
                      <td><Time seconds={d.verdictDeadline} />{d.status === "Open" && <> — <Countdown deadline={Number(d.verdictDeadline)} now={now} passed="overdue: anyone may expire it" /></>}</td>
                    </tr>
                    <tr>
                      <th scope="row">Committee</th>
                      <td data-testid="dispute-committee">
                        {decider !== undefined ? decider
                          : d.committeeRequestFailed ? "the request failed: no committee will be drawn"
                          : d.committee === null ? "being drawn…"
                          : d.committee.map((member, i) => <span key={member}>{i > 0 && ", "}<AccountLink address={member} /></span>)}
                      </td>
                    </tr>
                  </>}
                {evidence !== undefined && <tr><th scope="row">Referee</th><td data-testid="dispute-referee">{evidence}</td></tr>}
                {d.providerWrong !== null && <tr><th scope="row">Verdict</th><td data-testid="dispute-verdict">{"slot" in d ? roundVerdict({ slot: d.slot, providerWrong: d.providerWrong }) : d.providerWrong ? "the provider was wrong: slashed, consumer refunded" : "the result stands: the challenger was wrong"}</td></tr>}
                {"game" in d && d.game !== null && <tr><th scope="row">Game {d.game.id}</th><td data-testid="dispute-game">{gameOutcome(d.game)}</td></tr>}
              </tbody>
            </table>
            {"game" in d && d.game !== null && d.game.moves.length > 0 && (
              <details className="game-moves">
                <summary>The game's {d.game.moves.length} moves</summary>
                <ol data-testid="game-moves">
                  {d.game.moves.map((move) => <li key={move.number}>{gameMoveText(move)}</li>)}
                </ol>
              </details>
            )}
          </li>
        );
      })}
    </ul>
  );
}
