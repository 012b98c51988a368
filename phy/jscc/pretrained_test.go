package jscc

import (
	"context"
	"encoding/json"
	"flag"
	"math"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testvectors/jscc")

func TestPretrainedMatchRecipes(t *testing.T) {
	names := PretrainedNames()
	if len(names) == 0 {
		t.Fatal("no pretrained models embedded")
	}
	for _, n := range names {
		t.Run(n, func(t *testing.T) {
			r, err := RecipeByName(n)
			if err != nil {
				t.Fatalf("embedded model without recipe: %v", err)
			}
			m, err := Pretrained(n)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := r.Config.withDefaults()
			if m.Config() != want || m.Meta.Dataset != r.Dataset || m.Meta.Epochs != r.Train.Epochs ||
				m.Meta.Seed != r.Train.Seed || m.Meta.SNRLo != float64(r.Train.SNRLo) || m.Meta.SNRHi != float64(r.Train.SNRHi) {
				t.Errorf("model %+v %+v does not match recipe %+v", m.Config(), m.Meta, r)
			}
			if testing.Short() && !m.Meta.Agnostic() {
				return // -short: accuracy of the SNR-agnostic models only
			}
			d := loadVectors(t, r.Dataset)
			if m.Config().Arch.HEFriendly() {
				// The gain was calibrated on the 60k training images; on 100 test
				// images the mean power per complex symbol is close to 1.
				var e float64
				var f []float32
				for i := 0; i < d.Len(); i++ {
					f, _ = m.Encode(f, d.Pixels[i*784:(i+1)*784])
					for _, v := range f {
						e += float64(v) * float64(v)
					}
				}
				if p := e / float64(d.Len()*98); math.Abs(p-1) > 0.25 {
					t.Errorf("mean symbol power on test images %.3f, want ≈ 1", p)
				}
			}
			acc, _, err := m.Accuracy(context.Background(), d, 25, 1, 1)
			if err != nil {
				t.Fatal(err)
			}
			// Far above chance (10%); the 10k-image tables are in RESULTS.md.
			if min := map[string]float64{"mnist": 0.85, "fashion": 0.7}[r.Dataset]; acc < min {
				t.Errorf("accuracy %.2f on 100 test images at 25 dB, want >= %.2f", acc, min)
			}
		})
	}
	if _, err := Pretrained("mnist-tanh-agnostic"); err == nil {
		t.Error("unknown name accepted")
	}
}

// golden is a pinned regression vector of our own outputs (not a reference):
// noise-free features and logits of an embedded model on test images.
type golden struct {
	Source   string      `json:"source"`
	Model    string      `json:"model"`
	Images   []int       `json:"images"`
	Features [][]float32 `json:"features"`
	Logits   [][]float32 `json:"logits"`
}

func TestGoldenOutputs(t *testing.T) {
	for _, name := range []string{"mnist-he-agnostic", "fashion-he-agnostic"} {
		path := "../../testvectors/jscc/golden_" + strings.ReplaceAll(name, "-", "_") + ".json"
		m, err := Pretrained(name)
		if err != nil {
			t.Fatal(err)
		}
		d := loadVectors(t, strings.Split(name, "-")[0])
		g := golden{
			Source: "golden: phy/jscc TestGoldenOutputs -update (our own outputs, pinned against regressions)",
			Model:  name, Images: []int{0, 1, 2, 3},
		}
		for _, i := range g.Images {
			f, _ := m.Encode(nil, d.Pixels[i*784:(i+1)*784])
			z, _ := m.Decode(nil, f)
			g.Features = append(g.Features, f)
			g.Logits = append(g.Logits, z)
		}
		if *update {
			b, _ := json.MarshalIndent(g, "", " ")
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -update to create it)", err)
		}
		var want golden
		if err := json.Unmarshal(b, &want); err != nil {
			t.Fatal(err)
		}
		cmp := func(kind string, got, want [][]float32) {
			for i := range want {
				for j := range want[i] {
					if math.Abs(float64(got[i][j]-want[i][j])) > 1e-4*(1+math.Abs(float64(want[i][j]))) {
						t.Fatalf("%s %s image %d [%d]: %v, golden %v", name, kind, i, j, got[i][j], want[i][j])
					}
				}
			}
		}
		cmp("features", g.Features, want.Features)
		cmp("logits", g.Logits, want.Logits)
	}
}
