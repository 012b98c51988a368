package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hesemcom/hesemcom/sim"
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

// TestTransportSigMFReplay is issue 9's record-and-replay check from the
// command line: the digital transport at the iq level recorded to SigMF
// ('transport table --sigmf'), replayed in another command through a
// receiver that reads the key file, gives the live run's decisions.
func TestTransportSigMFReplay(t *testing.T) {
	for _, args := range [][]string{
		{"transport", "table", "--sigmf", "x", "--level", "symbol", "--snr", "20"},
		{"transport", "table", "--sigmf", "x", "--level", "iq", "--snr", "10,20"},
		{"transport", "table", "--sigmf", "x", "--level", "iq", "--snr", "20", "--transport", "slot"},
		{"transport", "table", "--sigmf", "x", "--level", "iq", "--snr", "20", "--perfect-csi"},
	} {
		if code, _, stderr := runCLI(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, stderr)
		}
	}
	if code, _, _ := runCLI(t, "transport", "replay", filepath.Join(t.TempDir(), "none")); code == 0 {
		t.Error("replay of a missing recording succeeded")
	}
	if testing.Short() {
		t.Skip("one N = 2^13 CKKS batch through LDPC and OFDM, twice: skipped with -short")
	}
	base := filepath.Join(t.TempDir(), "rec")
	code, stdout, stderr := runCLI(t, "transport", "table", "--level", "iq", "--channel", "awgn", "--snr", "30", "--transport", "digital", "--plaintext=false",
		"--images", "64", "--qm", "8", "--rate", "0.8", "--sigmf", base, "--json")
	if code != 0 {
		t.Fatalf("table: exit %d: %s", code, stderr)
	}
	var live sim.Result
	if err := json.Unmarshal([]byte(stdout), &live); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = runCLI(t, "transport", "replay", base, "--json")
	if code != 0 {
		t.Fatalf("replay: exit %d: %s", code, stderr)
	}
	var rep struct {
		Images     int `json:"images"`
		Correct    int `json:"correct"`
		FramesLost int `json:"frames_lost"`
		Agree      int `json:"decisions_as_live"`
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	c := live.Points[0].Counts
	t.Logf("live %d/%d correct, %d/%d frames lost; replay %d correct, %d lost, %d/%d decisions as live",
		c.Correct, c.Items, c.Extra["frames_lost"], c.Extra["frames"], rep.Correct, rep.FramesLost, rep.Agree, rep.Images)
	if rep.Images != 64 || rep.Agree != 64 || int64(rep.Correct) != c.Correct || int64(rep.FramesLost) != c.Extra["frames_lost"] {
		t.Errorf("replay %+v, live %+v", rep, c)
	}
}
