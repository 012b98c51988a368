package pulse

import (
	"errors"
	"fmt"
	"math"

	"github.com/hesemcom/hesemcom/internal/vec"
)

func checkTaps(taps []float32, sps int) error {
	if len(taps) == 0 {
		return errors.New("pulse: no filter taps")
	}
	if len(taps) > 1<<16 {
		return fmt.Errorf("pulse: %d taps, at most %d", len(taps), 1<<16)
	}
	if sps < 1 || sps > 1024 {
		return fmt.Errorf("pulse: %d samples per symbol out of range [1, 1024]", sps)
	}
	for i, v := range taps {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("pulse: tap %d is not finite", i)
		}
	}
	return nil
}

// Interpolator is a polyphase pulse shaper: it upsamples symbols by SPS
// (inserting SPS−1 zeros) and filters them with taps, producing SPS samples
// per symbol (a 1:SPS rate). It keeps the last symbols across calls.
type Interpolator struct {
	sps  int
	q    int         // symbols per polyphase branch, ceil(len(taps)/sps)
	poly [][]float32 // poly[p][t] = h[p + (q−1−t)·sps], 0 beyond the taps
	work []complex64 // the last q−1 symbols, then the current input
	taps []float32
}

// NewInterpolator returns a shaper with the given taps (e.g. from RRC) and
// samples per symbol. The taps are copied.
func NewInterpolator(taps []float32, sps int) (*Interpolator, error) {
	if err := checkTaps(taps, sps); err != nil {
		return nil, err
	}
	q := (len(taps) + sps - 1) / sps
	it := &Interpolator{sps: sps, q: q, taps: append([]float32(nil), taps...)}
	it.poly = make([][]float32, sps)
	for p := range it.poly {
		br := make([]float32, q)
		for t := range br {
			if i := p + (q-1-t)*sps; i < len(taps) {
				br[t] = taps[i]
			}
		}
		it.poly[p] = br
	}
	it.work = make([]complex64, q-1, q-1+4096)
	return it, nil
}

// NewRRCShaper is NewInterpolator with the taps of RRC(cfg).
func NewRRCShaper(cfg Config) (*Interpolator, error) {
	cfg, err := cfg.Check()
	if err != nil {
		return nil, err
	}
	taps, err := RRC(cfg)
	if err != nil {
		return nil, err
	}
	return NewInterpolator(taps, cfg.SPS)
}

// SPS returns the samples per symbol.
func (it *Interpolator) SPS() int { return it.sps }

// OutLen reports how many samples Shape produces for n symbols: n·SPS.
func (it *Interpolator) OutLen(n int) int { return n * it.sps }

// Shape filters the symbols in src, continuing from the previous call, and
// writes len(src)·SPS samples into dst[:0], which it returns. Output sample
// k·SPS+p is the full convolution of the upsampled stream with the taps at
// that index, so symbol k's pulse is centred (len(taps)−1)/2 samples after
// k·SPS. It does not allocate when cap(dst) suffices and src is no longer
// than the longest src seen so far.
func (it *Interpolator) Shape(dst, src []complex64) ([]complex64, error) {
	q := it.q
	it.work = append(it.work[:q-1], src...)
	w := it.work
	dst = vec.Grow(dst, len(src)*it.sps)
	for k := range src {
		win := w[k : k+q]
		out := dst[k*it.sps : (k+1)*it.sps]
		for p, br := range it.poly {
			var re, im float32
			for t, h := range br {
				re += h * real(win[t])
				im += h * imag(win[t])
			}
			out[p] = complex(re, im)
		}
	}
	copy(it.work, w[len(w)-(q-1):])
	it.work = it.work[:q-1]
	return dst, nil
}

// Reset clears the history (a new, independent signal starts).
func (it *Interpolator) Reset() {
	clear(it.work[:it.q-1])
	it.work = it.work[:it.q-1]
}

// Clone returns an independent copy with the same taps and history.
func (it *Interpolator) Clone() *Interpolator {
	c := *it
	c.work = append(make([]complex64, 0, cap(it.work)), it.work...)
	return &c
}

// Decimator filters samples with taps and keeps every SPS-th output (an
// SPS:1 rate): the matched filter of a single-carrier receiver.
type Decimator struct {
	sps    int
	rev    []float32 // taps reversed: the dot product runs forward
	work   []complex64
	skip   int // outputs still to skip before the next kept one, in samples
	offset int
}

// NewDecimator returns a filter with the given taps that keeps the outputs
// at full-convolution indices offset, offset+SPS, offset+2·SPS, …
// (0 ≤ offset < SPS): offset chooses the sampling phase. For a matched
// filter pass Reversed(txTaps) (an RRC is its own matched filter).
func NewDecimator(taps []float32, sps, offset int) (*Decimator, error) {
	if err := checkTaps(taps, sps); err != nil {
		return nil, err
	}
	if offset < 0 || offset >= sps {
		return nil, fmt.Errorf("pulse: sampling offset %d out of range [0, %d)", offset, sps)
	}
	d := &Decimator{sps: sps, rev: Reversed(taps), skip: offset, offset: offset}
	d.work = make([]complex64, len(taps)-1, len(taps)-1+4096)
	return d, nil
}

// NewRRCMatchedFilter is NewDecimator with the taps of RRC(cfg) and offset 0,
// which samples the shaper's symbols at their peaks: output m carries
// symbol m − cfg.Span (see Delay).
func NewRRCMatchedFilter(cfg Config) (*Decimator, error) {
	cfg, err := cfg.Check()
	if err != nil {
		return nil, err
	}
	taps, err := RRC(cfg)
	if err != nil {
		return nil, err
	}
	return NewDecimator(taps, cfg.SPS, 0)
}

// Delay returns the symbol delay of an RRC shaper followed by its matched
// filter: cfg.Span symbols (after Check's defaults).
func Delay(cfg Config) int { return cfg.withDefaults().Span }

// SPS returns the decimation factor.
func (d *Decimator) SPS() int { return d.sps }

// OutLen reports exactly how many outputs the next Filter call produces for
// n input samples, given the current sampling phase: ⌈(n − skip)/SPS⌉, about
// n/SPS.
func (d *Decimator) OutLen(n int) int {
	if n <= d.skip {
		return 0
	}
	return (n - d.skip + d.sps - 1) / d.sps
}

// Filter consumes src, continuing from the previous call, and writes the
// kept outputs (OutLen(len(src)) of them) into dst[:0], which it returns. It
// does not allocate when cap(dst) suffices and src is no longer than the
// longest src seen so far.
func (d *Decimator) Filter(dst, src []complex64) ([]complex64, error) {
	h := len(d.rev) - 1
	dst = vec.Grow(dst, d.OutLen(len(src)))
	d.work = append(d.work[:h], src...)
	w := d.work
	j := h + d.skip
	for o := range dst {
		win := w[j-h : j+1]
		var re, im float32
		for t, c := range d.rev {
			re += c * real(win[t])
			im += c * imag(win[t])
		}
		dst[o] = complex(re, im)
		j += d.sps
	}
	d.skip = j - len(w)
	copy(d.work, w[len(w)-h:])
	d.work = d.work[:h]
	return dst, nil
}

// Reset clears the history and restores the initial sampling offset.
func (d *Decimator) Reset() {
	h := len(d.rev) - 1
	clear(d.work[:h])
	d.work = d.work[:h]
	d.skip = d.offset
}

// Clone returns an independent copy with the same taps, history and phase.
func (d *Decimator) Clone() *Decimator {
	c := *d
	c.work = append(make([]complex64, 0, cap(d.work)), d.work...)
	return &c
}
