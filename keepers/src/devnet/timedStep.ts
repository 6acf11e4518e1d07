import type { ConsoleWait, DevnetConsole } from "./devnetConsole.ts";

/** Parameters of {@link timedStep}. */
export type TimedStepParameters<T> = {
  /** Where the wait is shown; none: the step runs silently. */
  progress?: DevnetConsole;
  /** The wait's label, e.g. "deploying the protocol". */
  label: string;
  /** Steps of a bar (e.g. keepers to start); none: a spinner. */
  total?: number;
  /** The closing line, from the step's value. */
  done: (value: T) => string;
};

/**
 * Runs one step of the devnet's start-up or run as a console wait ({@link DevnetConsole.wait})
 * and returns its value with the seconds it took (one decimal).
 *
 * @example
 * const { value: devnet, seconds } = await timedStep({ progress, label: "deploying", done: () => "deployed" }, () => deploy());
 */
export async function timedStep<T>({ progress, label, total, done }: TimedStepParameters<T>, work: (wait: ConsoleWait | undefined) => Promise<T>): Promise<{ value: T; seconds: number }> {
  const start = Date.now();
  const wait = progress?.wait(label, total);
  const value = await work(wait);
  wait?.done(done(value));
  return { value, seconds: Math.round((Date.now() - start) / 100) / 10 };
}
