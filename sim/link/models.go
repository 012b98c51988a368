package link

import (
	"fmt"
	"strings"

	"github.com/hesemcom/hesemcom/app/he"
	"github.com/hesemcom/hesemcom/internal/units"
	"github.com/hesemcom/hesemcom/phy/jscc"
)

// Model labels used in sim.Point.Model.
const (
	Model1  = "model1"
	Model2  = "model2"
	Model3  = "model3"
	Model4  = "model4"
	HEWide  = "he-wide"
	Eve     = "eve" // suffix: "model3+eve" is the eavesdropper on model 3
	dataMN  = "mnist"
	dataFMN = "fashion"
)

// ParseModel accepts 1–4, "model1"–"model4" and "he-wide".
func ParseModel(s string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "model1":
		return Model1, nil
	case "2", "model2", "original":
		return Model2, nil
	case "3", "model3", "he":
		return Model3, nil
	case "4", "model4":
		return Model4, nil
	case "he-wide", "hewide":
		return HEWide, nil
	}
	return "", fmt.Errorf("link: unknown model %q (1, 2, 3, 4 or he-wide)", s)
}

// Arch returns the JSCC architecture behind a model label.
func Arch(model string) (jscc.Arch, error) {
	switch model {
	case Model2:
		return jscc.Original, nil
	case Model3, Model4:
		return jscc.HE, nil
	case HEWide:
		return jscc.HEWide, nil
	}
	return 0, fmt.Errorf("link: model %q has no JSCC architecture", model)
}

// WeightsPolicy chooses which pretrained model serves an SNR.
type WeightsPolicy int

const (
	// PerSNR uses the model trained at the point's SNR when one is embedded,
	// else the SNR-agnostic one.
	PerSNR WeightsPolicy = iota
	// Agnostic always uses the SNR-agnostic model (trained over [0, 25] dB).
	Agnostic
)

// ParseWeightsPolicy parses "per-snr" or "agnostic".
func ParseWeightsPolicy(s string) (WeightsPolicy, error) {
	switch s {
	case "per-snr":
		return PerSNR, nil
	case "agnostic":
		return Agnostic, nil
	}
	return 0, fmt.Errorf("link: weights policy %q: want per-snr or agnostic", s)
}

func (p WeightsPolicy) String() string {
	if p == Agnostic {
		return "agnostic"
	}
	return "per-snr"
}

// A ModelSource returns the JSCC model for a dataset, architecture and SNR.
// The returned model may be shared: callers Clone it.
type ModelSource func(dataset string, arch jscc.Arch, snr units.DB) (*jscc.Model, error)

// Pretrained returns the ModelSource of the models embedded in the binary.
func Pretrained(policy WeightsPolicy) ModelSource {
	return func(dataset string, arch jscc.Arch, snr units.DB) (*jscc.Model, error) {
		if policy == PerSNR {
			if m, err := jscc.Pretrained(jscc.PretrainedName(dataset, arch, &snr)); err == nil {
				return m, nil
			}
		}
		m, err := jscc.Pretrained(jscc.PretrainedName(dataset, arch, nil))
		if err != nil {
			return nil, fmt.Errorf("link: no pretrained %s model for %s: %w", arch, dataset, err)
		}
		return m, nil
	}
}

// TableII converts a Table II (HE architecture) model's weights for app/he.
func TableII(m *jscc.Model) (*he.TableII, error) {
	w := m.Weights()
	if w.Arch != jscc.HE || w.Channels != 1 {
		return nil, fmt.Errorf("link: model %s is not a Table II model", m.Describe())
	}
	t := &he.TableII{
		K:        w.Kernel,
		Conv:     append([]float64(nil), w.ConvKernel...),
		ConvBias: w.ConvBias[0],
		Gain:     w.Gain,
		FC:       append([]float64(nil), w.FCWeight...),
		FCBias:   append([]float64(nil), w.FCBias...),
	}
	if err := t.Validate(); err != nil {
		return nil, fmt.Errorf("link: %w", err)
	}
	return t, nil
}
