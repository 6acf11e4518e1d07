import cliProgress from "cli-progress";

/** A wait shown on the console until it ends. */
export type ConsoleWait = {
  /** Progress towards the wait's `total` (a bar), and optionally a new label. */
  update(value: number, label?: string): void;
  /** Ends the wait with one line; its elapsed time is appended. */
  done(line: string): void;
};

/** The devnet's console: one readable line per phase, and a spinner or bar during each wait (one wait at a time: a new one ends the one shown). */
export type DevnetConsole = {
  /** Prints one line. */
  say(line: string): void;
  /** Starts a wait: a spinner (or a bar of `total` steps) with the elapsed time on a TTY; a plain line now, one every `heartbeatMs` and one at the end otherwise. */
  wait(label: string, total?: number): ConsoleWait;
  /** Ends every wait still shown (the run failed or was interrupted). */
  close(): void;
};

/** Parameters of {@link createDevnetConsole}. */
export type CreateDevnetConsoleParameters = {
  /** Where it writes. @default process.stderr */
  stream?: NodeJS.WriteStream | NodeJS.WritableStream;
  /** Animate (carriage returns, a spinner) — only on a terminal. @default whether `stream` is a TTY */
  tty?: boolean;
  /** Prefix of every line. @default "devnet" */
  prefix?: string;
  /** Without a TTY, a long wait prints a "still waiting" line this often. @default 30,000 */
  heartbeatMs?: number;
};

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/** `12 s`, `2 min 05 s`. */
export function formatElapsed(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, "0")} s`;
}

/**
 * The devnet's console renderer. On a TTY each wait is a cli-progress line — a spinner, or a bar
 * when the wait has a total (keepers healthy, proofs accepted) — with its elapsed time, replaced
 * by one plain line when it ends. Elsewhere (CI, a pipe, a file) nothing is animated: a wait prints
 * `prefix: label…` when it starts, a `still waiting` line every `heartbeatMs`, and its closing
 * line with the elapsed time; no carriage return is ever written.
 *
 * @example
 * const out = createDevnetConsole();
 * const deploy = out.wait("deploying the protocol");
 * await deployProtocol();
 * deploy.done("protocol deployed"); // devnet: protocol deployed (24 s)
 */
export function createDevnetConsole({ stream = process.stderr, tty = "isTTY" in stream && stream.isTTY === true, prefix = "devnet", heartbeatMs = 30_000 }: CreateDevnetConsoleParameters = {}): DevnetConsole {
  const write = (line: string) => stream.write(`${prefix}: ${line}\n`);
  return tty ? ttyConsole(stream, prefix, write) : plainConsole(write, heartbeatMs);
}

function plainConsole(write: (line: string) => void, heartbeatMs: number): DevnetConsole {
  let heartbeat: NodeJS.Timeout | undefined;
  const end = () => clearInterval(heartbeat);
  return {
    say: write,
    wait(label, total) {
      end();
      const start = Date.now();
      let value = 0;
      write(`${label}…`);
      const timer = setInterval(() => write(`${label}${total === undefined ? "" : `: ${value}/${total}`} (still waiting, ${formatElapsed(Date.now() - start)})`), heartbeatMs);
      timer.unref();
      heartbeat = timer;
      return {
        update(next, nextLabel) {
          value = next;
          label = nextLabel ?? label;
        },
        done(line) {
          clearInterval(timer);
          write(`${line} (${formatElapsed(Date.now() - start)})`);
        },
      };
    },
    close: end,
  };
}

function ttyConsole(stream: NodeJS.WritableStream, prefix: string, write: (line: string) => void): DevnetConsole {
  let active: { bar: cliProgress.SingleBar; spinner: NodeJS.Timeout } | undefined;
  const end = () => {
    if (!active) return;
    clearInterval(active.spinner);
    active.bar.stop();
    active = undefined;
  };
  return {
    // Clears the bar's line first; cli-progress redraws the bar below at its next tick.
    say: (line) => {
      if (active) stream.write("\r\x1b[2K");
      write(line);
    },
    wait(label, total) {
      end();
      const bar = new cliProgress.SingleBar({
        stream,
        clearOnComplete: true,
        hideCursor: true,
        barsize: 20,
        format: total === undefined ? `{spinner} ${prefix}: {label} {duration_formatted}` : `{spinner} ${prefix}: {label} [{bar}] {value}/{total} {duration_formatted}`,
        formatTime: (seconds: number) => formatElapsed(seconds * 1000),
      });
      let frame = 0;
      bar.start(total ?? 1, 0, { spinner: SPINNER[frame], label });
      const spinner = setInterval(() => bar.update({ spinner: SPINNER[(frame = (frame + 1) % SPINNER.length)] }), 100);
      spinner.unref();
      const wait = { bar, spinner };
      active = wait;
      const start = Date.now();
      return {
        update: (value, nextLabel) => bar.update(value, nextLabel === undefined ? {} : { label: nextLabel }),
        done(line) {
          if (active === wait) end();
          write(`${line} (${formatElapsed(Date.now() - start)})`);
        },
      };
    },
    close: end,
  };
}
