"""Writes discreteGaussianVectors.json: golden outputs of the discrete Gaussian of docs/dp-noise.md,
computed by the authors' own sampler (Canonne, Kamath & Steinke's discretegauss.py, imported unmodified)
driven by the randomness rules of docs/dp-noise.md, implemented here independently of the TypeScript:

- the chunk stream: SplitMix64 keyed by (seed, domain 4, index = step), a chunk = the high 32 bits of
  one 64-bit output;
- rng.randrange(n), the authors' only randomness call, as SplitMix64.nextBelow(n): draw chunks until
  one is < 2^32 - (2^32 mod n), return it mod n;
- sample_bernoulli(p) replaced by the value-based comparison of a lazily drawn U = 0.c1c2... (base
  2^32) with p (the one function whose randomness use the specification changes).

Usage (discretegauss.py from github.com/IBM/discrete-gaussian-differential-privacy at commit
cb190d2a990a78eff6e21159203bc888e095f01b; the script checks its SHA-256):

    python3 test/keepers/privacy/discreteGaussianVectors.py path/to/discretegauss.py \\
        > test/keepers/privacy/discreteGaussianVectors.json
"""
import hashlib
import importlib.util
import json
import random
import sys
import types
from fractions import Fraction

DISCRETEGAUSS_SHA256 = "6a19497ab5d77c6910a2b85b7fcf19ba6f83226910388e84ac3ecd23090b6c04"
MASK = (1 << 64) - 1
DP_NOISE_DOMAIN = 4


def mix64(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


class SplitMix64Chunks:
    """The dpNoise stream of one (seed, step); every chunk handed out is recorded."""

    def __init__(self, seed, step):
        self.state = mix64((mix64((seed & MASK) ^ DP_NOISE_DOMAIN) + step) & MASK)
        self.drawn = []

    def chunk(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        c = mix64(self.state) >> 32
        self.drawn.append(c)
        return c

    def bernoulli_chunk(self, digit):
        return self.chunk()

    def randrange(self, n):
        limit = 2**32 - (2**32 % n)
        while True:
            u = self.chunk()
            if u < limit:
                return u % n


class TieForcingChunks(SplitMix64Chunks):
    """Hands a Bernoulli comparison a chunk equal to p's current digit half the time, so the
    continuation paths (a tie, a remainder of 0) run often; the chunks are recorded for replay."""

    def __init__(self, seed, step):
        super().__init__(seed, step)
        self.coin = random.Random(seed * 1000003 + step)

    def bernoulli_chunk(self, digit):
        if self.coin.random() < 0.5:
            self.drawn.append(digit)
            return digit
        return self.chunk()


def sample_bernoulli(p, rng):
    """docs/dp-noise.md section 2.2: U < p for U = 0.c1c2c3... in base 2^32, chunks drawn while undecided."""
    assert isinstance(p, Fraction) and 0 <= p <= 1
    if p == 0:
        return 0
    if p == 1:
        return 1
    remainder = p
    while True:
        scaled = remainder * 2**32
        digit = scaled.numerator // scaled.denominator
        c = rng.bernoulli_chunk(digit)
        if c != digit:
            return 1 if c < digit else 0
        remainder = scaled - digit
        if remainder == 0:
            return 0


def load_discretegauss(path):
    with open(path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    if digest != DISCRETEGAUSS_SHA256:
        sys.exit(f"{path}: SHA-256 {digest}, expected {DISCRETEGAUSS_SHA256} (commit cb190d2)")
    # The module imports matplotlib at top level for its plotting utilities, which are not used here.
    matplotlib = types.ModuleType("matplotlib")
    matplotlib.pyplot = types.ModuleType("matplotlib.pyplot")
    sys.modules["matplotlib"] = matplotlib
    sys.modules["matplotlib.pyplot"] = matplotlib.pyplot
    spec = importlib.util.spec_from_file_location("discretegauss", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.sample_bernoulli = sample_bernoulli
    return module


def fraction_text(f):
    return f"{f.numerator}/{f.denominator}"


def main():
    dg = load_discretegauss(sys.argv[1])
    # sigma2 values: sigma = 0.5, 1, 3, 10, 100; 1/3; sigma*C/Delta = 1.1 * 2^20 from decimal "1.1"
    # (121 * 2^38 / 25); 2^40 (sigma = C = 1, Delta = 2^-20); 2^62 (the largest accepted); 10^-6.
    sigma2s = [Fraction(1, 4), Fraction(1), Fraction(9), Fraction(100), Fraction(10000), Fraction(1, 3),
               Fraction(121 * 2**38, 25), Fraction(2**40), Fraction(2**62), Fraction(1, 10**6)]
    streams = []
    for seed, step in [(0, 0), (20260101, 7)]:
        for sigma2 in sigma2s:
            rng = SplitMix64Chunks(seed, step)
            samples = [dg.sample_dgauss(sigma2, rng) for _ in range(16)]
            streams.append({"seed": str(seed), "step": step, "sigmaSquared": fraction_text(sigma2),
                            "samples": samples, "chunksDrawn": len(rng.drawn)})
    replays = []
    for case, sigma2 in enumerate(sigma2s):
        rng = TieForcingChunks(99, case)
        samples = [dg.sample_dgauss(sigma2, rng) for _ in range(64)]
        replays.append({"sigmaSquared": fraction_text(sigma2), "samples": samples, "chunks": rng.drawn})
    bernoulli_exp = []
    for gamma in [Fraction(0), Fraction(1, 3), Fraction(1), Fraction(5, 2), Fraction(4)]:
        rng = SplitMix64Chunks(5, 0)
        outcomes = [dg.sample_bernoulli_exp(gamma, rng) for _ in range(64)]
        bernoulli_exp.append({"gamma": fraction_text(gamma), "outcomes": outcomes, "chunksDrawn": len(rng.drawn)})
    sections = {"streams": streams, "replays": replays, "bernoulliExp": bernoulli_exp}
    lines = ['{"source": "discretegauss.py @ cb190d2 via test/keepers/privacy/discreteGaussianVectors.py"']
    for name, records in sections.items():
        lines.append(f', "{name}": [\n' + ",\n".join(json.dumps(r, separators=(",", ":")) for r in records) + "\n]")
    sys.stdout.write("".join(lines) + "}\n")


main()
