package link

import (
	"fmt"
	"math"
	"slices"

	"github.com/hesemcom/hesemcom/app/source"
	"github.com/hesemcom/hesemcom/sim"
)

// A Scenario is the user-facing description of a sweep, from flags or a
// YAML/JSON file. Zero fields take the defaults of DefaultScenario.
type Scenario struct {
	Datasets     []string  `json:"datasets"`     // mnist, fashion
	Models       []string  `json:"models"`       // 1–4, he-wide
	SNRs         []float64 `json:"snrs_db"`      // Es/N0 per complex symbol
	Channels     []string  `json:"channels"`     // awgn, rayleigh, rician-K<k>; iq level also tdl-a/b/c (ParseIQChannel)
	Transport    string    `json:"transport"`    // Model 4: slot, digital or hybrid
	Level        string    `json:"level"`        // symbol or iq
	Images       int       `json:"images"`       // per point and realisation, ≤ 10000
	Realisations int       `json:"realisations"` // noise realisations per point
	Seed         uint64    `json:"seed"`
	Weights      string    `json:"weights"`     // per-snr or agnostic
	RotateKeys   int       `json:"rotate_keys"` // Model 4: new keys every K batches, 0 never
	// Eve adds, for every model, the eavesdropper's accuracy ("<model>+eve"
	// points; Model 4: on the ciphertexts, Model 1: on the ciphered PDUs).
	Eve bool `json:"eve"`
	// TransportOptions: the digital/hybrid transports' fields (bits, qm,
	// rate, frame_bytes, loss, harq, degree2, analog_bits, analog_power_db,
	// perfect_csi), flattened into the scenario.
	TransportOptions
}

// DefaultScenario is Table III's grid on both datasets.
func DefaultScenario() Scenario {
	return Scenario{
		Datasets: []string{"mnist", "fashion"}, Models: []string{Model2, Model3, Model4},
		SNRs: []float64{0, 5, 10, 15, 20, 25}, Channels: []string{"awgn"}, Transport: "slot",
		Level: "symbol", Images: 10000, Realisations: 3, Seed: 1, Weights: "per-snr",
	}
}

// Sweep checks the scenario and returns the sweep it describes.
func (s Scenario) Sweep() (sim.Sweep, error) {
	var pts []sim.Point
	if s.Images <= 0 || s.Images > 10000 {
		return sim.Sweep{}, fmt.Errorf("link: images %d out of range [1, 10000] (the test sets)", s.Images)
	}
	if s.Realisations <= 0 {
		return sim.Sweep{}, fmt.Errorf("link: realisations %d must be positive", s.Realisations)
	}
	if _, err := ParseWeightsPolicy(s.Weights); err != nil {
		return sim.Sweep{}, err
	}
	if s.RotateKeys < 0 {
		return sim.Sweep{}, fmt.Errorf("link: rotate_keys %d must be ≥ 0", s.RotateKeys)
	}
	level := s.Level
	switch level {
	case "":
		level = "symbol"
	case "symbol", "iq":
	default:
		return sim.Sweep{}, fmt.Errorf("link: level %q: want symbol or iq", s.Level)
	}
	transport := s.Transport
	switch transport {
	case "":
		transport = "slot"
	case "slot", "digital", "hybrid":
	default:
		return sim.Sweep{}, fmt.Errorf("link: transport %q: want slot, digital or hybrid", s.Transport)
	}
	if _, _, _, err := s.TransportOptions.Configs(); err != nil {
		return sim.Sweep{}, err
	}
	if len(s.SNRs) == 0 || len(s.Datasets) == 0 || len(s.Models) == 0 || len(s.Channels) == 0 {
		return sim.Sweep{}, fmt.Errorf("link: a scenario needs datasets, models, SNRs and channels")
	}
	for _, d := range s.Datasets {
		name, err := source.ParseName(d)
		if err != nil {
			return sim.Sweep{}, err
		}
		for _, ms := range s.Models {
			m, err := ParseModel(ms)
			if err != nil {
				return sim.Sweep{}, err
			}
			if level == "iq" && (m == Model1 || s.Eve) {
				return sim.Sweep{}, fmt.Errorf("link: model 1 and the eavesdropper are not available at the iq level")
			}
			for _, cs := range s.Channels {
				ch, err := parseLevelChannel(level, cs) // iq.go
				if err != nil {
					return sim.Sweep{}, err
				}
				for _, snr := range s.SNRs {
					if math.IsNaN(snr) || math.IsInf(snr, 0) || snr < -30 || snr > 60 {
						return sim.Sweep{}, fmt.Errorf("link: SNR %v dB out of range [-30, 60]", snr)
					}
					p := sim.Point{Dataset: string(name), Model: m, Channel: ch.Name, SNR: snr, Level: level}
					if m == Model4 {
						p.Transport = transport
					}
					if !slices.Contains(pts, p) {
						pts = append(pts, p)
					}
					if s.Eve {
						q := p
						q.Model = EveModel(m)
						if !slices.Contains(pts, q) {
							pts = append(pts, q)
						}
					}
				}
			}
		}
	}
	// CKKS batches hold 4096 images at N = 2^13: units of that size waste no
	// slots; the plaintext models are indifferent.
	return sim.Sweep{Points: pts, Items: s.Images, Realisations: s.Realisations, Seed: s.Seed, Chunk: 4096}, nil
}
