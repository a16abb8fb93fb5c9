#!/usr/bin/python3
"""Writes extra `stats` reference fixtures (FORMAT.md layout) with SciPy's own tests.

Run from the repository root with Debian's python3-scipy (1.10.1, the version the thesis
fixtures name):
    /usr/bin/python3 spec/metrics/tools/make_stats_fixtures.py
Each case exercises a branch that fixtures/reference/stats-1.json does not: ties (asymptotic
Kendall with the tie-corrected variance), tiny n, n > 33 (asymptotic without ties), n > 33 with
a single discordant pair (exact again), a negative correlation, and p-values near 1e-21.
"""
import json
import sys

import numpy as np
import scipy
from scipy import stats


def fixture(name, description, x, y):
    x = [float(v) for v in x]
    y = [float(v) for v in y]
    pr = stats.pearsonr(x, y)
    sr = stats.spearmanr(x, y)
    kr = stats.kendalltau(x, y)
    ties = len(set(x)) < len(x) or len(set(y)) < len(y)
    n = len(x)
    dis = sum(1 for i in range(n) for j in range(i + 1, n) if (x[i] - x[j]) * (y[i] - y[j]) < 0)
    tot = n * (n - 1) // 2
    exact = (not ties) and (n <= 33 or min(dis, tot - dis) <= 1)
    return {
        "kind": "stats",
        "name": name,
        "description": description,
        "source": f"SciPy {scipy.__version__} scipy.stats.pearsonr / spearmanr / kendalltau (defaults), "
                  f"numpy {np.__version__}, Python {sys.version.split()[0]}; "
                  "written by spec/metrics/tools/make_stats_fixtures.py",
        "tolerance": {"abs": 1e-9, "rel": 1e-7},
        "tolerance_p": {"abs": 0, "rel": 1e-6},
        "x": x,
        "y": y,
        "notes": f"n = {n}, {'ties' if ties else 'no ties'}, {dis} discordant of {tot} pairs: kendalltau method='auto' -> "
                 f"{'exact' if exact else 'asymptotic'} p-value",
        "want": {
            "pearson": {"r": float(pr[0]), "p": float(pr[1])},
            "spearman": {"rho": float(sr[0]), "p": float(sr[1])},
            "kendall": {"tau": float(kr[0]), "p": float(kr[1])},
        },
    }


rng = np.random.default_rng(333)
k = np.arange(26)
density = 0.8 ** k
cases = []

# Ties in both series: values rounded to a coarse grid (asymptotic Kendall, tie-corrected variance).
xt = np.round(np.linspace(0, 1, 26) + rng.normal(0, 0.05, 26), 1)
yt = np.round(0.2 + 0.3 * xt + rng.normal(0, 0.05, 26), 2)
cases.append(("stats-scipy-ties", "26 pairs rounded to a coarse grid: ties in x and y, Kendall falls back to the asymptotic p.", xt, yt))

# Tiny n, no ties (exact Kendall on 5 pairs).
cases.append(("stats-scipy-n5", "5 pairs without ties: smallest sensible sample, exact Kendall.",
              [0.1, 0.4, 0.35, 0.8, 0.62], [0.21, 0.19, 0.33, 0.41, 0.52]))

# n = 40 without ties: n > 33, so Kendall is asymptotic.
x40 = rng.random(40)
y40 = 0.5 * x40 + rng.normal(0, 0.2, 40)
cases.append(("stats-scipy-n40-asymptotic", "40 pairs without ties: n > 33 so Kendall uses the normal approximation.", x40, y40))

# n = 40 with exactly one discordant pair: min(dis, tot - dis) <= 1, so Kendall is exact again.
x1 = np.linspace(0.0, 1.0, 40) ** 2
y1 = np.sqrt(np.linspace(0.05, 0.9, 40))
y1[[17, 18]] = y1[[18, 17]]
cases.append(("stats-scipy-n40-one-discordant", "40 pairs, one swapped neighbour: a single discordant pair keeps Kendall exact for n > 33.", x1, y1))

# Negative correlation, density-like x (the thesis's accuracy-vs-IoU shape, sign flipped).
yn = 0.2 + 0.3 * density + rng.normal(0, 0.03, 26)
cases.append(("stats-scipy-negative", "26 levels, y falls as density rises: negative r, rho and tau.", density, -yn))

# Very strong correlation: p-values around 1e-21 and below.
ys = 0.15 + 0.1 * density + rng.normal(0, 0.0035, 26)
cases.append(("stats-scipy-tiny-p", "26 levels with a very tight linear relation: Pearson p about 5e-23, far out in the Student-t tail.", density, ys))

for name, description, x, y in cases:
    fx = fixture(name, description, x, y)
    with open(f"fixtures/reference/{name}.json", "w") as f:
        json.dump(fx, f, indent=2)
        f.write("\n")
    print(name, fx["notes"], fx["want"])
