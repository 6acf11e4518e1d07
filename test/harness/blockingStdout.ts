// Preloaded (NODE_OPTIONS `--import`) by the test runners of scripts/runTests.ts and of scripts/test.sh's shanghai lane,
// and so by each test file's process. A test file's process reports its tests to the runner over stdout, a pipe,
// whose writes are asynchronous on Linux; forceExit ends the process once its tests are done, and node exits before
// those writes drain, so the runner loses the last verdicts of a file (nodejs/node#64833: 28 of 977 tests in one CI
// run; a failing test's name and error with them). In a test file's process (NODE_TEST_CONTEXT) stdout becomes
// blocking, so every write finishes before the exit, and the preload leaves NODE_OPTIONS, so that the keepers and
// CLIs the file starts do not inherit it.
if (process.env.NODE_TEST_CONTEXT !== undefined) {
  (process.stdout as unknown as { _handle?: { setBlocking?: (blocking: boolean) => void } })._handle?.setBlocking?.(true);
  process.env.NODE_OPTIONS = (process.env.NODE_OPTIONS ?? "").replace(`--import=${import.meta.url}`, "").trim();
}
