import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { describe, it } from "node:test";
import { createDevnetConsole, formatElapsed } from "../../../keepers/src/devnet/devnetConsole.ts";

/** A stream that is not a TTY (like CI's or a pipe), keeping what is written. */
function capture() {
  let text = "";
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

describe("createDevnetConsole", () => {
  describe("when the stream is not a TTY", () => {
    it("prints plain lines — the wait's start, heartbeats with progress, its end with the elapsed time — and no carriage return", async () => {
      const out = capture();
      const progress = createDevnetConsole({ stream: out.stream, heartbeatMs: 40 });
      progress.say("subgraph: http://127.0.0.1:9101/subgraphs/name/veritrain");
      const wait = progress.wait("starting 26 keepers", 26);
      wait.update(7);
      await new Promise((resolve) => setTimeout(resolve, 100));
      wait.done("26 keepers running");
      const lines = out.text().split("\n");
      assert.equal(lines.pop(), "", "every line ends with a newline");
      assert.equal(lines[0], "devnet: subgraph: http://127.0.0.1:9101/subgraphs/name/veritrain");
      assert.equal(lines[1], "devnet: starting 26 keepers…");
      assert.ok(lines.length >= 4, "at least one heartbeat");
      for (const heartbeat of lines.slice(2, -1)) assert.match(heartbeat, /^devnet: starting 26 keepers: 7\/26 \(still waiting, 0 s\)$/);
      assert.match(lines.at(-1)!, /^devnet: 26 keepers running \(0 s\)$/);
      assert.ok(!out.text().includes("\r") && !out.text().includes("\x1b"), "no carriage return or escape sequence");
    });

    it("stops the heartbeat when the wait ends or the console closes", async () => {
      const out = capture();
      const progress = createDevnetConsole({ stream: out.stream, heartbeatMs: 20, prefix: "bench:e2e" });
      progress.wait("deploying").done("deployed");
      progress.wait("ingesting");
      progress.close();
      const written = out.text();
      await new Promise((resolve) => setTimeout(resolve, 80));
      assert.equal(out.text(), written);
      assert.deepEqual(written.split("\n").slice(0, 3), ["bench:e2e: deploying…", "bench:e2e: deployed (0 s)", "bench:e2e: ingesting…"]);
    });
  });
});

describe("formatElapsed", () => {
  it("gives seconds under a minute, minutes and seconds above", () => {
    assert.equal(formatElapsed(12_400), "12 s");
    assert.equal(formatElapsed(125_000), "2 min 05 s");
  });
});
