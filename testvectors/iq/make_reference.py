#!/usr/bin/env python3
"""Independent reference recordings for modem/iqfile (not produced by our Go code).

Writes, with struct.pack and json only:
  tone_cf32.sigmf-meta / tone_cf32.sigmf-data  SigMF 1.2.0, cf32_le, 16 samples, 2 annotations
  tone.ci16     raw interleaved int16 LE (GNU Radio "short" file sink, UHD sc16)
  tone.cu8      raw interleaved uint8 (rtl_sdr output)
  expected.json the samples as floats after the documented scaling:
                cf32 as is, ci16 v/32767, cu8 (v-127.5)/127.5
The 16 samples are 0.5*exp(j*2*pi*k/16) rounded to the datatype grid.
Run: python3 make_reference.py
"""
import cmath, json, struct

N = 16
x = [0.5 * cmath.exp(2j * cmath.pi * k / N) for k in range(N)]

with open("tone_cf32.sigmf-data", "wb") as f:
    for v in x:
        f.write(struct.pack("<ff", v.real, v.imag))
meta = {
    "global": {"core:datatype": "cf32_le", "core:version": "1.2.0", "core:sample_rate": 48000.0,
               "core:description": "16-sample tone at fs/16, reference for modem/iqfile",
               "other:extension": {"ignored": True}},
    "captures": [{"core:sample_start": 0, "core:frequency": 915e6}],
    "annotations": [{"core:sample_start": 8, "core:sample_count": 8, "core:label": "second half"},
                    {"core:sample_start": 0, "core:sample_count": 8, "core:label": "first half"}],
}
with open("tone_cf32.sigmf-meta", "w") as f:
    json.dump(meta, f, indent=2)

ci16 = [(round(v.real * 32767), round(v.imag * 32767)) for v in x]
with open("tone.ci16", "wb") as f:
    for re, im in ci16:
        f.write(struct.pack("<hh", re, im))
cu8 = [(round(v.real * 127.5 + 127.5), round(v.imag * 127.5 + 127.5)) for v in x]
with open("tone.cu8", "wb") as f:
    for re, im in cu8:
        f.write(struct.pack("<BB", re, im))

f32 = lambda v: struct.unpack("<f", struct.pack("<f", v))[0]
with open("expected.json", "w") as f:
    json.dump({
        "cf32": [[f32(v.real), f32(v.imag)] for v in x],
        "ci16": [[re / 32767, im / 32767] for re, im in ci16],
        "cu8": [[(re - 127.5) / 127.5, (im - 127.5) / 127.5] for re, im in cu8],
    }, f, indent=1)
