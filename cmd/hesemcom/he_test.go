package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestHEParamsCmd(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"he", "params", "--json"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var v struct {
		Presets []struct {
			Name   string `json:"name"`
			Secure bool   `json:"secure_128"`
		} `json:"presets"`
	}
	if err := json.Unmarshal(out.Bytes(), &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Presets) < 2 {
		t.Fatalf("%d presets", len(v.Presets))
	}
	for _, p := range v.Presets {
		if !p.Secure {
			t.Errorf("preset %s not 128-bit secure", p.Name)
		}
	}
	if code := run([]string{"he", "bench", "--preset", "nope"}, &out, &errb); code != 2 {
		t.Errorf("unknown preset: exit %d, want 2", code)
	}
}

func TestHEBenchCmd(t *testing.T) {
	if testing.Short() {
		t.Skip("he bench runs a full N = 2^13 batch; skipped in -short")
	}
	var out, errb bytes.Buffer
	if code := run([]string{"he", "bench", "--json", "--slot-images", "1", "--reps", "2", "--fit-images", "200"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var v map[string]any
	if err := json.Unmarshal(out.Bytes(), &v); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	for _, k := range []string{"primitives", "batch_major", "slot_packed", "sizes", "argmax_agreement"} {
		if _, ok := v[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	out.Reset()
	if code := run([]string{"he", "bench", "--slot-images", "-1", "--reps", "2", "--fit-images", "200"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "batch-major") {
		t.Errorf("table lacks the batch-major row:\n%s", out.String())
	}
}
