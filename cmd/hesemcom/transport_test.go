package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestTransportUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"transport", "bits", "--bits", "x"},
		{"transport", "bits", "--bits", "64"},
		{"transport", "bits", "--images", "5000"},
		{"transport", "bits", "--dataset", "cifar"},
		{"transport", "table", "--transport", "smoke-signals"},
		{"transport", "table", "--loss", "some"},
		{"transport", "table", "--snr", "x"},
		{"transport", "table", "--level", "rf"},
		{"transport", "table", "--level", "symbol", "--channel", "tdl-a"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			code, _, stderr := runCLI(t, args...)
			if code != 2 {
				t.Fatalf("exit %d, want 2 (stderr %q)", code, stderr)
			}
		})
	}
}

func TestTransportBitsJSON(t *testing.T) {
	if testing.Short() {
		t.Skip("one N = 2^13 CKKS batch: skipped with -short")
	}
	code, out, stderr := runCLI(t, "transport", "bits", "--images", "64", "--bits", "40,58", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rep struct {
		Accuracy float64 `json:"accuracy_uncompressed"`
		Rows     []struct {
			Bits      int     `json:"bits"`
			Polys     int     `json:"polys"`
			Agreement int     `json:"agreement"`
			PerImage  float64 `json:"bits_per_image"`
		} `json:"rows"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Rows) != 2 || rep.Rows[1].Bits != 58 || rep.Rows[1].Polys != 2 {
		t.Fatalf("rows %+v", rep.Rows)
	}
	// 58 bits keep every decision (measured: 4096/4096); 40 bits do not.
	if rep.Rows[1].Agreement != 64 || rep.Rows[0].Agreement == 64 {
		t.Errorf("agreement at 40 bits %d, at 58 bits %d of 64", rep.Rows[0].Agreement, rep.Rows[1].Agreement)
	}
	// 196 features × 2 polynomials × 8192 coefficients × 58 bits / 4096 images.
	if rep.Rows[1].PerImage != 196*2*2*58 {
		t.Errorf("bits per image %v", rep.Rows[1].PerImage)
	}
}
