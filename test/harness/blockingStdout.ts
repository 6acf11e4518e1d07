// Preloaded into each test file's process by scripts/runTests.ts (NODE_OPTIONS `--import`). A test file's process
// reports its tests to the runner over stdout, a pipe, whose writes are asynchronous on Linux; `forceExit` ends the
// process once its tests are done, and node exits before those writes drain, so the runner loses the last verdicts
// of a file (nodejs/node#64833: 22 of 971 tests in one CI run, a failing one's name and error with them). Blocking
// writes finish before the exit. The file's own child processes (keepers, CLIs) do not inherit the preload.
(process.stdout as unknown as { _handle?: { setBlocking?: (blocking: boolean) => void } })._handle?.setBlocking?.(true);
process.env.NODE_OPTIONS = (process.env.NODE_OPTIONS ?? "").replace(`--import=${import.meta.url}`, "").trim();
