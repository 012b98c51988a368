package jscc

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"sync"

	"github.com/hesemcom/hesemcom/internal/units"
)

// A Recipe is everything needed to reproduce one pretrained model from the
// training set: `hesemcom train --recipe NAME` runs it.
type Recipe struct {
	Name    string // "<dataset>-<arch>-agnostic" or "<dataset>-<arch>-snr<dB>"
	Dataset string
	Config  Config
	Train   TrainConfig
}

// EvalSNRs are the SNRs of Table III, in dB.
var EvalSNRs = []units.DB{0, 5, 10, 15, 20, 25}

// recipeEpochs is the training length of the SNR-agnostic models and
// perSNREpochs that of the per-SNR models, chosen so that each model trains
// in at most 3 minutes on 2 cores (issue 5).
var (
	recipeEpochs = map[Arch]int{Original: 10, HE: 10, HEWide: 6}
	perSNREpochs = 6
)

// Recipes lists the recipes of the pretrained models: for each dataset and
// architecture an SNR-agnostic model (SNR uniform in [0, 25] dB), and for
// Original and HE one model per evaluation SNR.
func Recipes() []Recipe {
	var rs []Recipe
	for _, ds := range []string{"mnist", "fashion"} {
		for _, a := range Archs {
			tc := TrainConfig{Epochs: recipeEpochs[a], SNRLo: 0, SNRHi: 25, Seed: 1}
			rs = append(rs, Recipe{Name: fmt.Sprintf("%s-%v-agnostic", ds, a), Dataset: ds, Config: Config{Arch: a}, Train: tc})
			if a == HEWide {
				continue
			}
			for _, s := range EvalSNRs {
				tc := tc
				tc.SNRLo, tc.SNRHi, tc.Epochs = s, s, perSNREpochs
				rs = append(rs, Recipe{Name: fmt.Sprintf("%s-%v-snr%g", ds, a, float64(s)), Dataset: ds, Config: Config{Arch: a}, Train: tc})
			}
		}
	}
	return rs
}

// RecipeByName returns the named recipe.
func RecipeByName(name string) (Recipe, error) {
	for _, r := range Recipes() {
		if r.Name == name {
			return r, nil
		}
	}
	return Recipe{}, fmt.Errorf("jscc: no recipe %q", name)
}

// PretrainedName returns the name of the embedded model for dataset and arch:
// the SNR-agnostic one if snr is nil, else the one trained at *snr.
func PretrainedName(dataset string, arch Arch, snr *units.DB) string {
	if snr == nil {
		return fmt.Sprintf("%s-%v-agnostic", dataset, arch)
	}
	return fmt.Sprintf("%s-%v-snr%g", dataset, arch, float64(*snr))
}

//go:embed models
var modelFS embed.FS

var pretrained struct {
	sync.Mutex
	m map[string]*Model
}

// PretrainedNames lists the embedded models, sorted.
func PretrainedNames() []string {
	var names []string
	ents, _ := fs.ReadDir(modelFS, "models")
	for _, e := range ents {
		if n, ok := strings.CutSuffix(e.Name(), ".jscc"); ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

// ErrNoPretrained is returned by Pretrained for a name not embedded.
var ErrNoPretrained = fmt.Errorf("jscc: no such pretrained model")

// Pretrained returns a copy of the embedded model name (see PretrainedNames);
// copies share read-only weights, so each caller may use its own freely.
func Pretrained(name string) (*Model, error) {
	pretrained.Lock()
	defer pretrained.Unlock()
	if m := pretrained.m[name]; m != nil {
		return m.Clone(), nil
	}
	b, err := modelFS.ReadFile("models/" + name + ".jscc")
	if err != nil {
		return nil, fmt.Errorf("%w: %q (embedded: %v)", ErrNoPretrained, name, PretrainedNames())
	}
	m, err := Unmarshal(b)
	if err != nil {
		return nil, fmt.Errorf("jscc: embedded model %s: %w", name, err)
	}
	if pretrained.m == nil {
		pretrained.m = map[string]*Model{}
	}
	pretrained.m[name] = m
	return m.Clone(), nil
}
