package link

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/hesemcom/hesemcom/internal/units"
)

// Channel is a symbol-level channel with perfect CSI and zero forcing at the
// receiver, described by the effective additive noise it leaves on each
// complex symbol.
type Channel struct {
	Name string
	// K is the Rician K factor (linear); +Inf for AWGN, 0 for Rayleigh.
	K float64
}

// ParseChannel parses "awgn", "rayleigh" or "rician-K<k>" (k linear, e.g.
// rician-K4; "rician" alone means K = 4).
func ParseChannel(s string) (Channel, error) {
	switch ls := strings.ToLower(s); {
	case ls == "awgn":
		return Channel{Name: "awgn", K: math.Inf(1)}, nil
	case ls == "rayleigh":
		return Channel{Name: "rayleigh", K: 0}, nil
	case ls == "rician":
		return Channel{Name: "rician-K4", K: 4}, nil
	case strings.HasPrefix(ls, "rician-k"):
		k, err := strconv.ParseFloat(ls[len("rician-k"):], 64)
		if err != nil || k < 0 || math.IsInf(k, 0) || math.IsNaN(k) {
			return Channel{}, fmt.Errorf("link: channel %q: want rician-K<k> with finite k ≥ 0", s)
		}
		return Channel{Name: "rician-K" + strconv.FormatFloat(k, 'g', -1, 64), K: k}, nil
	}
	return Channel{}, fmt.Errorf("link: channel %q not available at the symbol level (awgn, rayleigh, rician-K<k>)", s)
}

// Noise writes the effective noise of one image's channel use into dst
// (features values: pairs 2k, 2k+1 are symbol k's real and imaginary part)
// at the given Es/N0, drawing from r. For AWGN it is complex Gaussian noise
// of variance N0 (N0/2 per real feature, DESIGN.md §3); for fading, each
// symbol's gain h is drawn with E|h|² = 1 and the zero-forced noise n/h is
// returned.
func (c Channel) Noise(dst []float32, snr units.DB, r *rand.Rand) {
	sigma := math.Sqrt(units.N0(snr) / 2)
	// Rician: h = sqrt(K/(K+1))·e^{jθ} + sqrt(1/(K+1))·CN(0,1); θ uniform.
	var los, scat float64
	if !math.IsInf(c.K, 1) {
		los = math.Sqrt(c.K / (c.K + 1))
		scat = math.Sqrt(1 / (2 * (c.K + 1)))
	}
	for k := 0; k+1 < len(dst); k += 2 {
		nr, ni := sigma*r.NormFloat64(), sigma*r.NormFloat64()
		if !math.IsInf(c.K, 1) {
			th := 2 * math.Pi * r.Float64()
			hr := los*math.Cos(th) + scat*r.NormFloat64()
			hi := los*math.Sin(th) + scat*r.NormFloat64()
			// n/h = n·conj(h)/|h|²
			p := hr*hr + hi*hi
			if p < 1e-12 {
				p = 1e-12 // a deep fade: the symbol is lost in noise either way
			}
			nr, ni = (nr*hr+ni*hi)/p, (ni*hr-nr*hi)/p
		}
		dst[k], dst[k+1] = float32(nr), float32(ni)
	}
}
