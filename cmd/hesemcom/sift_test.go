package main

import (
	"encoding/json"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/hesemcom/hesemcom/app/sift"
)

func TestSiftCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Paillier encryption of an image")
	}
	dir := t.TempDir()
	photo, err := sift.DefaultImage()
	if err != nil {
		t.Fatal(err)
	}
	crop := image.NewGray(image.Rect(0, 0, 48, 48))
	for y := range 48 {
		copy(crop.Pix[y*48:(y+1)*48], photo.Pix[(40+y)*photo.W+100:])
	}
	in := filepath.Join(dir, "crop.png")
	f, _ := os.Create(in)
	png.Encode(f, crop)
	f.Close()
	out := filepath.Join(dir, "out")
	code, stdout, stderr := runCLI(t, "sift", "--image", in, "--out", out, "--key-bits", "512", "--seed", "3", "--workers", "2", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var m struct {
		Repeatability float64 `json:"repeatability"`
		DoGExact      bool    `json:"dog_exact"`
		Plain         int     `json:"plaintext_keypoints"`
		Fresh         *struct {
			Distinct int `json:"distinct_ciphertexts"`
		} `json:"ciphertext_image_fresh"`
	}
	if err := json.Unmarshal([]byte(stdout), &m); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, stdout)
	}
	if !m.DoGExact || (m.Plain > 0 && m.Repeatability != 1) || m.Fresh == nil || m.Fresh.Distinct != 48*48 {
		t.Fatalf("metrics %+v", m)
	}
	kb, err := os.ReadFile(filepath.Join(out, "keypoints.json"))
	if err != nil {
		t.Fatal(err)
	}
	var k map[string]json.RawMessage
	if err := json.Unmarshal(kb, &k); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"plaintext_keypoints", "encrypted_keypoints", "metrics"} {
		if _, ok := k[key]; !ok {
			t.Errorf("keypoints.json lacks %q", key)
		}
	}
	for _, p := range []string{"a_plaintext.png", "b_plaintext_sift.png", "c_ciphertext.png", "d_encrypted_domain_sift.png"} {
		if _, err := os.Stat(filepath.Join(out, p)); err != nil {
			t.Errorf("panel %s: %v", p, err)
		}
	}
}

func TestSiftUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"sift", "--key-bits", "100"},
		{"sift", "--workers", "0"},
		{"sift", "extra"},
	} {
		if code, _, _ := runCLI(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	if code, _, _ := runCLI(t, "sift", "--image", filepath.Join(t.TempDir(), "missing.png")); code != 1 {
		t.Errorf("missing image: exit %d, want 1", code)
	}
}
