import { SingleBar } from "cli-progress";

/**
 * A progress bar on stderr (`label [████░░] done/total`), started by the first update and
 * stopped by the last.
 *
 * @example
 * const bar = progressBar("fetch"); bar.update(1, 15); … bar.update(15, 15);
 */
export function progressBar(label: string) {
  const bar = new SingleBar({ format: `${label} [{bar}] {value}/{total}`, stream: process.stderr, hideCursor: true });
  return {
    update(done: number, total: number) {
      if (done === 1 || bar.getTotal() !== total) bar.start(total, 0);
      bar.update(done);
      if (done === total) bar.stop();
    },
  };
}
