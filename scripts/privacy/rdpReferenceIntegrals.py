"""Reference values of ln A_alpha for test/keepers/privacy/rdpAccountant.test.ts.

A_alpha = E_{z ~ N(0, sigma^2)} [((1 - q) + q * exp((2z - 1) / (2 sigma^2)))^alpha], the quantity whose
log over (alpha - 1) is the RDP of the Poisson-subsampled Gaussian (Mironov, Talwar & Zhang 2019,
Section 3.3). Computed here by numerical integration of that definition with mpmath at 50 digits,
an independent second method to the series the accountant evaluates (docs/privacy-accounting.md).
The parameter sets are TF-Privacy's `test_compute_log_a_equals_mp` ones.

Run with Debian's Python (mpmath is in python3-mpmath): /usr/bin/python3 scripts/privacy/rdpReferenceIntegrals.py
"""

import mpmath

mpmath.mp.dps = 50

CASES = [
    (1e-7, 0.1, 1.01),
    (1e-6, 0.1, 256),
    (1e-5, 0.1, 256.1),
    (1e-6, 1, 27),
    (1e-4, 1.0, 1.5),
    (1e-3, 1.0, 2),
    (0.01, 10, 20),
    (0.1, 100, 20.5),
    (0.99, 0.1, 256),
    (0.999, 100, 256.1),
]


def log_a(q, sigma, alpha):
    q, sigma, alpha = mpmath.mpf(q), mpmath.mpf(sigma), mpmath.mpf(alpha)

    def integrand(z):
        ratio = (1 - q) + q * mpmath.exp((2 * z - 1) / (2 * sigma**2))
        return mpmath.npdf(z, mu=0, sigma=sigma) * ratio**alpha

    # The integrand's mass sits between 0 and its peak, alpha/sigma^2 away at most; split there.
    peak = alpha
    points = [-mpmath.inf, -40 * sigma, 0, 0.5, peak, peak + 40 * sigma, mpmath.inf]
    return mpmath.log(mpmath.quad(integrand, sorted(set(points)), maxdegree=10))


for q, sigma, alpha in CASES:
    print(f"[{q!r}, {sigma!r}, {alpha!r}, {float(log_a(q, sigma, alpha))!r}],")
