import { execFileSync } from "node:child_process";

/**
 * The first Python that imports torch, or undefined: the one on PATH, or Debian's `/usr/bin/python3`
 * (python3-torch installs for it, not for a pyenv). PyTorch is a peer to measure and check against,
 * never a dependency: callers skip or report null without it.
 */
export const torchPython: string | undefined = ["python3", "/usr/bin/python3"].find((candidate) => {
  try {
    execFileSync(candidate, ["-c", "import torch"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
});
