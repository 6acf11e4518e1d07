import { readFileSync } from "node:fs";
import type { Logger } from "pino";
import { writeFileAtomic } from "./writeFileAtomic.ts";

/** Parameters of {@link createTaskQueue}. */
export type TaskQueueParameters = {
  /** Where the ids of unfinished tasks are kept (a JSON array), so a restart resumes them. */
  file: string;
  /** Runs task `id` to its end, wrapped in the role's retry policy; `false`: given up (dead-lettered). */
  run: (id: string) => Promise<boolean>;
  /** Tasks run at once (the others wait in start order). @default 1 */
  concurrency?: number;
  /** Told whenever the running or waiting tasks change. */
  onChange?: (tasks: TaskList) => void;
  log: Logger;
  signal: AbortSignal;
};

/** Task ids: running, then waiting their turn. */
export type TaskList = { running: string[]; queued: string[] };

/** Long work of a role, run beside its event loop. */
export type TaskQueue = {
  /** Queues task `id` (persisted at once) unless it is unfinished already. */
  start(id: string): void;
  /** Resolves once no task runs (after an abort: once every running task has stopped). */
  idle(): Promise<void>;
};

/**
 * The long work a role's event handlers start instead of awaiting (training a job, re-executing
 * a result, judging a dispute), so the role goes on handling events meanwhile. Tasks are run
 * `concurrency` at a time and stay in `file` until they finish or are given up: one stopped by
 * a shutdown or a crash is started again by the next run. A task must therefore be idempotent —
 * re-read the chain and its own files before acting — like an event handler.
 *
 * @example
 * const queue = createTaskQueue({ file: join(dataDir, "compute.tasks.json"), run: (id) => attempt(() => train(id)), log, signal });
 * queue.start("job-3");
 * await queue.idle();
 */
export function createTaskQueue({ file, run, concurrency = 1, onChange, log, signal }: TaskQueueParameters): TaskQueue {
  const unfinished = new Set<string>(readIds(file));
  const queued = [...unfinished];
  const running = new Map<string, Promise<void>>();
  const tasks = (): TaskList => ({ running: [...running.keys()], queued: [...queued] });
  const persist = () => writeFileAtomic(file, JSON.stringify([...unfinished]));

  const pump = () => {
    while (!signal.aborted && running.size < concurrency && queued.length > 0) {
      const id = queued.shift()!;
      log.info({ task: id }, "task started");
      const done = run(id).then(
        (finished) => {
          unfinished.delete(id);
          persist();
          log.info({ task: id, deadLettered: !finished }, "task ended");
        },
        // Stopped by the shutdown (anything else was dead-lettered by `run`): it stays in the file.
        (error: unknown) => void (signal.aborted || log.error({ task: id, err: error }, "task failed")),
      );
      running.set(id, done.finally(() => {
        running.delete(id);
        onChange?.(tasks());
        pump();
      }));
    }
    onChange?.(tasks());
  };

  if (queued.length > 0) log.info({ tasks: queued }, "resuming unfinished tasks");
  pump();
  return {
    start(id) {
      if (unfinished.has(id)) return;
      unfinished.add(id);
      queued.push(id);
      persist();
      pump();
    },
    async idle() {
      while (running.size > 0) await Promise.all(running.values());
    },
  };
}

function readIds(file: string): string[] {
  try {
    const ids: unknown = JSON.parse(readFileSync(file, "utf8"));
    return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === "string") : [];
  } catch {
    return [];
  }
}
