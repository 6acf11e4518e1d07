import { AccountLink, Time, Tokens } from "../ui/format.tsx";
import { Countdown } from "./Countdown.tsx";
import type { StepPart, TimelineStep } from "./jobTimeline.ts";

function Part({ part }: { part: StepPart }) {
  if (typeof part === "string") return <>{part}</>;
  if ("tokens" in part) return <Tokens value={part.tokens} />;
  return <AccountLink address={part.account} />;
}

/**
 * A job's life as an ordered list: each done step with its block time, the current phase with a
 * live countdown to its deadline, then the phases to come.
 *
 * @example
 * <JobTimeline steps={jobTimeline(data, onChain)} now={now} />
 */
export function JobTimeline({ steps, now }: { steps: TimelineStep[]; now: number }) {
  return (
    <ol className="timeline" aria-label="timeline">
      {steps.map((step) => (
        <li key={step.key} className={`timeline-${step.state}`} data-testid="timeline-step" data-state={step.state} aria-current={step.state === "current" ? "step" : undefined}>
          <strong>{step.title}</strong>
          {step.parts.length > 0 && <> — {step.parts.map((part, i) => <Part key={i} part={part} />)}</>}
          {step.at !== undefined && <> <small className="timeline-time"><Time seconds={step.at} /></small></>}
          {step.until !== undefined && <> <Countdown deadline={step.until} now={now} /></>}
          {step.state === "pending" && <span className="visually-hidden"> (to come)</span>}
        </li>
      ))}
    </ol>
  );
}
