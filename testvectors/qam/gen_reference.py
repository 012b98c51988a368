#!/usr/bin/env python3
"""Reference vectors for modem/qam, independent of the Go code.

Constellations are evaluated literally from the formulas of 3GPP TS 38.211
V17 section 5.1 (5.1.2 BPSK, 5.1.3 QPSK, 5.1.4 16QAM, 5.1.5 64QAM,
5.1.6 256QAM). LLRs are brute-force sums over all 2-D points:
L = ln sum_{x in X0} exp(-|y-x|^2/N0) - ln sum_{x in X1} exp(-|y-x|^2/N0)
(exact) and its max-log form, with L>0 favouring bit 0.
Run: python3 gen_reference.py  (pure Python 3, no packages; seeded).
"""
import math
import random


def bpsk(b):
    return complex(1 - 2 * b[0], 1 - 2 * b[0]) / math.sqrt(2)


def qpsk(b):
    return complex(1 - 2 * b[0], 1 - 2 * b[1]) / math.sqrt(2)


def qam16(b):
    return complex((1 - 2 * b[0]) * (2 - (1 - 2 * b[2])),
                   (1 - 2 * b[1]) * (2 - (1 - 2 * b[3]))) / math.sqrt(10)


def qam64(b):
    return complex((1 - 2 * b[0]) * (4 - (1 - 2 * b[2]) * (2 - (1 - 2 * b[4]))),
                   (1 - 2 * b[1]) * (4 - (1 - 2 * b[3]) * (2 - (1 - 2 * b[5])))) / math.sqrt(42)


def qam256(b):
    return complex((1 - 2 * b[0]) * (8 - (1 - 2 * b[2]) * (4 - (1 - 2 * b[4]) * (2 - (1 - 2 * b[6])))),
                   (1 - 2 * b[1]) * (8 - (1 - 2 * b[3]) * (4 - (1 - 2 * b[5]) * (2 - (1 - 2 * b[7]))))) / math.sqrt(170)


SCHEMES = [("bpsk", 1, bpsk), ("qpsk", 2, qpsk), ("16qam", 4, qam16),
           ("64qam", 6, qam64), ("256qam", 8, qam256)]


def bits_of(label, m):
    return [(label >> (m - 1 - j)) & 1 for j in range(m)]


def lse(v):
    mx = max(v)
    return mx + math.log(sum(math.exp(x - mx) for x in v))


def main():
    with open("ts38211_constellations.csv", "w") as f:
        f.write("# scheme,label,re,im  (TS 38.211 5.1, label = bits b0..b(m-1), b0 MSB)\n")
        for name, m, fn in SCHEMES:
            for lab in range(1 << m):
                p = fn(bits_of(lab, m))
                f.write("%s,%d,%.17g,%.17g\n" % (name, lab, p.real, p.imag))
    rng = random.Random(20261125)
    with open("llr_reference.csv", "w") as f:
        f.write("# scheme,method,y_re,y_im,n0,llr_0;llr_1;...  (L = ln P(b=0|y)/P(b=1|y))\n")
        for name, m, fn in SCHEMES:
            pts = [fn(bits_of(lab, m)) for lab in range(1 << m)]
            for _ in range(40):
                x = pts[rng.randrange(len(pts))]
                n0 = 10 ** (-rng.uniform(-5, 25) / 10)
                y = x + complex(rng.gauss(0, math.sqrt(n0 / 2)), rng.gauss(0, math.sqrt(n0 / 2)))
                for method in ("maxlog", "exact"):
                    llr = []
                    for j in range(m):
                        m0 = [-abs(y - p) ** 2 / n0 for lab, p in enumerate(pts) if bits_of(lab, m)[j] == 0]
                        m1 = [-abs(y - p) ** 2 / n0 for lab, p in enumerate(pts) if bits_of(lab, m)[j] == 1]
                        if method == "maxlog":
                            llr.append(max(m0) - max(m1))
                        else:
                            llr.append(lse(m0) - lse(m1))
                    f.write("%s,%s,%.17g,%.17g,%.17g,%s\n" % (
                        name, method, y.real, y.imag, n0, ";".join("%.17g" % v for v in llr)))


if __name__ == "__main__":
    main()
