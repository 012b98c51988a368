package ofdm

import (
	"fmt"
	"math"

	"github.com/hesemcom/hesemcom/internal/vec"
)

// Modulator maps data symbols onto OFDM symbols.
type Modulator struct {
	g    *Grid
	fft  *FFT
	freq []complex64
}

// Grid returns the numerology.
func (m *Modulator) Grid() *Grid { return m.g }

// Clone returns an independent modulator on the same grid.
func (m *Modulator) Clone() *Modulator { return m.g.Modulator() }

// OutLen reports the samples Modulate produces for n data symbols:
// n/DataCarriers·(N+CP).
func (m *Modulator) OutLen(n int) int { return n / len(m.g.dataBin) * m.g.SymbolLen() }

// Modulate places each group of DataCarriers symbols of src on the data
// subcarriers of one OFDM symbol (in frequency order), inserts the pilots,
// and writes the cyclic-prefixed time samples into dst[:0], which it returns.
// len(src) must be a multiple of DataCarriers.
func (m *Modulator) Modulate(dst, src []complex64) ([]complex64, error) {
	g := m.g
	nd := len(g.dataBin)
	if len(src)%nd != 0 {
		return dst[:0], fmt.Errorf("ofdm: %d symbols is not a whole number of OFDM symbols of %d data subcarriers", len(src), nd)
	}
	n, cp := g.cfg.FFTSize, g.cfg.CPLen
	dst = vec.Grow(dst, m.OutLen(len(src)))
	f := m.freq
	for s := 0; s < len(src)/nd; s++ {
		clear(f)
		for i, b := range g.dataBin {
			f[b] = src[s*nd+i]
		}
		for i, b := range g.pilotBin {
			f[b] = g.pilots[i]
		}
		out := dst[s*(n+cp) : (s+1)*(n+cp)]
		body := out[cp:]
		m.fft.Inverse(body, f)
		vec.ScaleRealTo(body, g.scaleTx, body)
		copy(out[:cp], body[n-cp:])
	}
	return dst, nil
}

// Demodulator strips the cyclic prefix, transforms, estimates the channel at
// the pilots and equalises the data subcarriers.
type Demodulator struct {
	g    *Grid
	fft  *FFT
	freq []complex64
	hp   []complex64 // pilot estimates of the current group
	hs   []complex64 // smoothed pilot estimates
	lm   *lmmseTable
	hd   []complex64 // channel on the data subcarriers of the current symbol
	csi  []complex64 // perfect CSI on the FFT grid, if set
	acc  []complex64 // FFT outputs of a time-averaging group
	// N0 is the time-domain noise variance per sample (the channel's n0),
	// needed by MMSE; it is converted with SubcarrierN0. ZF ignores it.
	N0 float64
}

// Grid returns the numerology.
func (d *Demodulator) Grid() *Grid { return d.g }

// Clone returns an independent demodulator with the same settings.
func (d *Demodulator) Clone() *Demodulator {
	c := d.g.Demodulator()
	c.N0 = d.N0
	if d.csi != nil {
		c.SetCSI(d.csi)
	}
	return c
}

// SetCSI makes the demodulator use h, the channel's frequency response on
// the N-point FFT grid (FFT order), instead of the pilot estimates: perfect
// channel state information. nil returns to estimation. len(h) must be N.
func (d *Demodulator) SetCSI(h []complex64) error {
	if h == nil {
		d.csi = nil
		return nil
	}
	if len(h) != d.g.cfg.FFTSize {
		return fmt.Errorf("ofdm: CSI has %d bins, want %d", len(h), d.g.cfg.FFTSize)
	}
	d.csi = append(d.csi[:0], h...)
	return nil
}

// OutLen reports the data symbols Demodulate produces for n samples:
// n/(N+CP)·DataCarriers.
func (d *Demodulator) OutLen(n int) int { return n / d.g.SymbolLen() * len(d.g.dataBin) }

// Demodulate equalises the data subcarriers of every OFDM symbol in src
// (len(src) a multiple of N+CP) into dst[:0] and returns it.
func (d *Demodulator) Demodulate(dst, src []complex64) ([]complex64, error) {
	dst, _, err := d.demod(dst, nil, src, false)
	return dst, err
}

// DemodulateCSI is Demodulate that also writes each data symbol's effective
// noise variance after equalisation into nv[:0] (n0/|Ĥ|² for ZF, the MSE for
// MMSE, with n0 = SubcarrierN0(N0)), the input of qam's LLRPerSymbol. N0
// must be positive.
func (d *Demodulator) DemodulateCSI(dst []complex64, nv []float32, src []complex64) ([]complex64, []float32, error) {
	if !(d.N0 > 0) || math.IsInf(d.N0, 0) {
		return dst[:0], nv[:0], fmt.Errorf("ofdm: noise variance N0 = %v must be positive for soft outputs", d.N0)
	}
	return d.demod(dst, nv, src, true)
}

func (d *Demodulator) demod(dst []complex64, nv []float32, src []complex64, wantNV bool) ([]complex64, []float32, error) {
	g := d.g
	n, cp, sl := g.cfg.FFTSize, g.cfg.CPLen, g.SymbolLen()
	if len(src)%sl != 0 {
		return dst[:0], nv, fmt.Errorf("ofdm: %d samples is not a whole number of %d-sample OFDM symbols", len(src), sl)
	}
	if g.cfg.Equalizer == MMSE && !(d.N0 > 0) {
		return dst[:0], nv, fmt.Errorf("ofdm: MMSE needs a positive noise variance N0, have %v", d.N0)
	}
	if d.lm != nil && d.csi == nil && !(d.N0 > 0) {
		return dst[:0], nv, fmt.Errorf("ofdm: LMMSE interpolation needs a positive noise variance N0, have %v", d.N0)
	}
	nsym := len(src) / sl
	nd := len(g.dataBin)
	dst = vec.Grow(dst, nsym*nd)
	if wantNV {
		nv = vec.Grow(nv, nsym*nd)
	}
	n0 := float32(g.SubcarrierN0(d.N0))
	ta := g.cfg.TimeAverage
	d.acc = vec.Grow(d.acc, min(ta, nsym)*n)
	for g0 := 0; g0 < nsym; g0 += ta {
		cnt := min(ta, nsym-g0)
		// Transform the group and average its pilot estimates.
		clear(d.hp)
		for s := range cnt {
			y := d.acc[s*n : (s+1)*n]
			d.fft.Transform(y, src[(g0+s)*sl+cp:(g0+s+1)*sl])
			vec.ScaleRealTo(y, g.scaleRx, y)
			for i, b := range g.pilotBin {
				p := g.pilots[i]
				// LS: Y/P = Y·conj(P)/|P|², |P|² = 1.
				d.hp[i] += y[b] * complex(real(p), -imag(p))
			}
		}
		inv := 1 / float32(cnt)
		for i := range d.hp {
			d.hp[i] *= complex(inv, 0)
		}
		hp := d.hp
		if w := g.cfg.Smoothing; w > 1 {
			hp = d.smooth(w)
		}
		// Channel on the data subcarriers.
		if d.csi != nil {
			for i, b := range g.dataBin {
				d.hd[i] = d.csi[b]
			}
		} else if d.lm != nil {
			w := d.lm.weights(g, float64(n0)/float64(cnt))
			for i, near := range d.lm.near {
				var h complex64
				for j, p := range near {
					h += w[i][j] * hp[p]
				}
				d.hd[i] = h
			}
		} else {
			for i, a := range g.interpA {
				w := g.interpW[i]
				d.hd[i] = hp[a] + complex(w, 0)*(hp[a+1]-hp[a])
			}
		}
		for s := range cnt {
			y := d.acc[s*n : (s+1)*n]
			out := dst[(g0+s)*nd : (g0+s+1)*nd]
			for i, b := range g.dataBin {
				h := d.hd[i]
				// A deep fade floors |Ĥ|² so outputs and variances stay finite.
				hh := max(real(h)*real(h)+imag(h)*imag(h), 1e-30)
				hc := complex(real(h), -imag(h))
				var w float32
				if g.cfg.Equalizer == MMSE {
					w = 1 / (hh + n0)
				} else {
					w = 1 / hh
				}
				out[i] = y[b] * hc * complex(w, 0)
				if wantNV {
					if g.cfg.Equalizer == MMSE {
						nv[(g0+s)*nd+i] = n0 / (hh + n0)
					} else {
						nv[(g0+s)*nd+i] = n0 / hh
					}
				}
			}
		}
	}
	return dst, nv, nil
}

// smooth returns the moving average of the pilot estimates over w pilots
// (fewer at the band edges, where the window is truncated symmetrically so
// the average stays centred).
func (d *Demodulator) smooth(w int) []complex64 {
	n := len(d.hp)
	if cap(d.hs) < n {
		d.hs = make([]complex64, n)
	}
	hs := d.hs[:n]
	for i := range hs {
		r := min(w/2, i, n-1-i)
		var s complex64
		for j := i - r; j <= i+r; j++ {
			s += d.hp[j]
		}
		hs[i] = s / complex(float32(2*r+1), 0)
	}
	return hs
}

// Estimate returns the channel on the data subcarriers used for the last
// group of OFDM symbols (valid until the next call).
func (d *Demodulator) Estimate() []complex64 { return d.hd }
