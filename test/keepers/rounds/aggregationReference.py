"""A third, independent implementation of the aggregation rules (docs/distributed-training.md).

Python floats are IEEE binary64 and numpy.float32 rounds to nearest even, so plain loops in the
specified order reproduce the specification on any input, including orders where binary64
rounding matters (the BigInt reference in referenceAggregation.ts covers exact cases only).

stdin: JSON list of cases {"rule": {...}, "updates": [{"slot", "examples", "bits": [uint32]}],
"server": [uint32] | null}; stdout: JSON list of aggregates as binary32 bit patterns.
"""
import json
import math
import sys

import numpy as np


def floats(bits):
    return [float(x) for x in np.array(bits, dtype=np.uint32).view(np.float32)]


def bits(values):
    return [int(x) for x in np.array(values, dtype=np.float64).astype(np.float32).view(np.uint32)]


def ascending(values):
    # by value, -0.0 before +0.0
    return sorted(values, key=lambda x: (x, 0 if math.copysign(1.0, x) < 0 else 1))


def total(values):
    s = 0.0
    for x in values:
        s += x
    return s


def aggregate(rule, updates, server):
    n, size = len(updates), len(updates[0]["values"])
    us = [u["values"] for u in updates]
    name = rule["rule"]
    if name == "fedavg":
        weight = sum(u["examples"] for u in updates)
        return [total(u["examples"] * u["values"][i] for u in updates) / weight for i in range(size)]
    if name == "median":
        out = []
        for i in range(size):
            xs = ascending([u[i] for u in us])
            out.append(xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2)
        return out
    if name == "trimmedMean":
        t = min(rule["trim"], (n - 1) // 2)
        return [total(ascending([u[i] for u in us])[t:n - t]) / (n - 2 * t) for i in range(size)]
    if name == "multiKrum":
        f = min(rule["byzantine"], max(0, n - 3))
        k = max(0, n - f - 2)
        m = min(rule["select"], n - f)

        def distance(a, b):
            return total((x - y) * (x - y) for x, y in zip(a, b))

        scores = [total(sorted(distance(us[a], us[b]) for b in range(n) if b != a)[:k]) for a in range(n)]
        chosen = sorted(sorted(range(n), key=lambda a: (scores[a], a))[:m])
        return [total(us[a][i] for a in chosen) / m for i in range(size)]
    if name == "fltrust":
        def dot(a, b):
            return total(x * y for x, y in zip(a, b))

        g_norm = math.sqrt(dot(server, server))
        if g_norm == 0:
            return [0.0] * size
        trust, weights = [], []
        for u in us:
            norm = math.sqrt(dot(u, u))
            ts = 0.0 if norm == 0 else max(0.0, dot(u, server) / (norm * g_norm))
            trust.append(ts)
            weights.append(0.0 if norm == 0 else ts * (g_norm / norm))
        t = total(trust)
        if t == 0:
            return [0.0] * size
        return [total(weights[s] * us[s][i] for s in range(n)) / t for i in range(size)]
    raise ValueError(name)


def main():
    out = []
    for case in json.load(sys.stdin):
        updates = [{"examples": u["examples"], "values": floats(u["bits"])} for u in case["updates"]]
        server = floats(case["server"]) if case.get("server") is not None else None
        out.append(bits(aggregate(case["rule"], updates, server)))
    json.dump(out, sys.stdout)


main()
