package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/hesemcom/hesemcom/phy/classifier"
)

// tinyClassifierFile writes an untrained (seeded) classifier, so the CLI
// test does not depend on the embedded models.
func tinyClassifierFile(t *testing.T) string {
	t.Helper()
	m, err := classifier.New(classifier.Config{Width: 2, Blocks: 1}, 1)
	if err != nil {
		t.Fatal(err)
	}
	b, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "tiny.hsmc")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestClassicalJSON(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the classical link")
	}
	clf := tinyClassifierFile(t)
	code, out, stderr := runCLI(t, "classical", "--images", "16", "--snr", "-10,40", "--codec", "jpeg",
		"--mod", "256qam", "--rate", "0.9", "--classifier", clf, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var res struct {
		Points []struct {
			SNR          float64          `json:"snr_db"`
			UsesPerImage float64          `json:"channel_uses_per_image"`
			Budget       int              `json:"payload_budget_bytes"`
			Counts       map[string]int64 `json:"breakdown"`
			Paper        *float64         `json:"paper_accuracy"`
		} `json:"points"`
		Avalanche struct {
			CTR struct {
				Per float64 `json:"plain_errors_per_cipher_error"`
			} `json:"nea2_ctr"`
			CBC struct {
				Per float64 `json:"plain_errors_per_cipher_error"`
			} `json:"aes_cbc"`
		} `json:"avalanche"`
		PerImage float64 `json:"seconds_per_image"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(res.Points) != 2 {
		t.Fatalf("%d points, want 2", len(res.Points))
	}
	lo, hi := res.Points[0], res.Points[1]
	if lo.UsesPerImage != 98 || lo.Budget != 81 || lo.Counts["guessed"] != 16 || hi.Counts["intact"] != 16 {
		t.Errorf("points %+v %+v", lo, hi)
	}
	// CTR: exactly one plaintext bit per ciphertext bit; CBC: about half a
	// block (64 bits) plus one.
	if res.Avalanche.CTR.Per != 1 || res.Avalanche.CBC.Per < 50 || res.Avalanche.CBC.Per > 80 {
		t.Errorf("avalanche %+v", res.Avalanche)
	}
	if res.PerImage <= 0 {
		t.Errorf("time per image %v", res.PerImage)
	}
}

func TestClassicalUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"classical", "--dataset", "cifar"},
		{"classical", "--snr", "x"},
		{"classical", "--mod", "8psk"},
		{"classical", "--rate", "1.2"},
		{"classical", "--policy", "retry"},
		{"classical", "--images", "0"},
		{"classical", "--codec", "png"},
		{"classical", "--channel", "tdl-z"},
		{"classical", "--classifier", "/nonexistent/model.hsmc"},
		{"train-classifier", "--dataset", "mnist"},
		{"train-classifier", "--dataset", "cifar", "--out", "x"},
	} {
		if code, _, stderr := runCLI(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, stderr)
		}
	}
}
