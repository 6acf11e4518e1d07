import { duration } from "../ui/format.tsx";

/**
 * Time left until a chain deadline ("closes in 4 min 10 s"), or that it passed; updated by the
 * caller's `now` (see `useChainNow`). Not a live region: it would announce every second.
 *
 * @example
 * <Countdown deadline={job.deadline} now={now} />
 */
export function Countdown({ deadline, now, passed = "deadline passed" }: { deadline: number; now: number; passed?: string }) {
  const left = deadline - now;
  return (
    <span className="countdown" data-testid="countdown" data-seconds-left={Math.max(0, left)}>
      {left > 0 ? `${duration(left)} left` : passed}
    </span>
  );
}
