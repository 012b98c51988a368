package pulse

import (
	"fmt"
	"math"
)

// Config describes a root-raised-cosine pulse. It is an unchecked literal;
// RRC validates it.
type Config struct {
	// Rolloff is the excess bandwidth β in [0, 1]; 0 is a sinc pulse.
	Rolloff float64 `json:"rolloff"`
	// Span is the filter length in symbols; Span·SPS must be even so the
	// filter has a centre tap. Zero means 12 (about −40 dB truncation ISI
	// after shaper and matched filter at β = 0.35, see the tests).
	Span int `json:"span"`
	// SPS is the number of samples per symbol, ≥ 1. Zero means 4.
	SPS int `json:"sps"`
}

// Defaults for the zero fields of Config.
const (
	DefaultSpan = 12
	DefaultSPS  = 4
)

func (c Config) withDefaults() Config {
	if c.Span == 0 {
		c.Span = DefaultSpan
	}
	if c.SPS == 0 {
		c.SPS = DefaultSPS
	}
	return c
}

// Check validates c (after defaults) and returns the completed Config.
func (c Config) Check() (Config, error) {
	c = c.withDefaults()
	switch {
	case math.IsNaN(c.Rolloff) || c.Rolloff < 0 || c.Rolloff > 1:
		return c, fmt.Errorf("pulse: roll-off %v out of range [0, 1]", c.Rolloff)
	case c.Span < 1 || c.Span > 1024:
		return c, fmt.Errorf("pulse: span %d symbols out of range [1, 1024]", c.Span)
	case c.SPS < 1 || c.SPS > 1024:
		return c, fmt.Errorf("pulse: %d samples per symbol out of range [1, 1024]", c.SPS)
	case c.Span*c.SPS%2 != 0:
		return c, fmt.Errorf("pulse: span·sps = %d·%d is odd: the filter would have no centre tap", c.Span, c.SPS)
	}
	return c, nil
}

// RRC returns the Span·SPS+1 taps of a root-raised-cosine filter with unit
// energy. The closed form and its two removable singularities (t = 0 and
// |t| = T/(4β)) are the standard ones, e.g. Proakis & Salehi, Digital
// Communications, 5th ed., §9.2 / GNU Radio firdes::root_raised_cosine.
func RRC(cfg Config) ([]float32, error) {
	cfg, err := cfg.Check()
	if err != nil {
		return nil, err
	}
	n := cfg.Span*cfg.SPS + 1
	mid := (n - 1) / 2
	h := make([]float64, n)
	var e float64
	for i := range h {
		h[i] = rrcAt(float64(i-mid)/float64(cfg.SPS), cfg.Rolloff)
		e += h[i] * h[i]
	}
	taps := make([]float32, n)
	s := 1 / math.Sqrt(e)
	for i, v := range h {
		taps[i] = float32(v * s)
	}
	return taps, nil
}

// rrcAt evaluates the RRC impulse response at t symbol periods (T = 1,
// unnormalised).
func rrcAt(t, beta float64) float64 {
	const eps = 1e-9
	if math.Abs(t) < eps {
		return 1 + beta*(4/math.Pi-1)
	}
	if beta > 0 && math.Abs(math.Abs(t)-1/(4*beta)) < eps {
		a := math.Pi / (4 * beta)
		return beta / math.Sqrt2 * ((1+2/math.Pi)*math.Sin(a) + (1-2/math.Pi)*math.Cos(a))
	}
	num := math.Sin(math.Pi*t*(1-beta)) + 4*beta*t*math.Cos(math.Pi*t*(1+beta))
	den := math.Pi * t * (1 - (4*beta*t)*(4*beta*t))
	return num / den
}

// RaisedCosine evaluates the raised-cosine pulse (the ideal RRC ∗ RRC
// cascade) at t symbol periods: sinc(t)·cos(πβt)/(1 − (2βt)²), equal to 1 at
// t = 0 and to 0 at every other integer t (Nyquist's criterion).
func RaisedCosine(t, beta float64) float64 {
	sinc := 1.0
	if t != 0 {
		sinc = math.Sin(math.Pi*t) / (math.Pi * t)
	}
	if beta > 0 && math.Abs(math.Abs(t)-1/(2*beta)) < 1e-9 {
		return math.Pi / 4 * sinc // the limit of the cosine factor
	}
	return sinc * math.Cos(math.Pi*beta*t) / (1 - (2*beta*t)*(2*beta*t))
}

// Reversed returns the taps in reverse order: the matched filter of a real
// pulse (an RRC is symmetric, so its matched filter is itself).
func Reversed(taps []float32) []float32 {
	r := make([]float32, len(taps))
	for i, v := range taps {
		r[len(taps)-1-i] = v
	}
	return r
}
