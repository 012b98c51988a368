package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestBenchStream(t *testing.T) {
	code, out, stderr := runCLI(t, "bench", "stream", "--models", "3", "--levels", "symbol,iq", "--channel", "rayleigh", "--images", "300", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rows []streamBench
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].Level != "symbol" || rows[1].Level != "iq" {
		t.Fatalf("rows %+v", rows)
	}
	for _, r := range rows {
		if r.Images != 300 || !(r.ImagesPerSec > 0) || r.Bottleneck == "" || !(r.Accuracy > 0.3) {
			t.Errorf("row %+v", r)
		}
	}
	var names []string
	for _, s := range rows[1].Stages {
		names = append(names, s.Name)
	}
	if got := strings.Join(names, " "); got != "images jscc-encoder map ofdm-modulate channel(iq) ofdm-demodulate jscc-decoder classes" {
		t.Fatalf("iq blocks: %s", got)
	}
}

func TestBenchStreamTable3Usage(t *testing.T) {
	for _, args := range [][]string{
		{"bench", "stream", "--models", "1"},
		{"bench", "stream", "--levels", "rf"},
		{"bench", "stream", "--levels", "symbol", "--channel", "tdl-a"},
		{"bench", "stream", "--images", "0"},
		{"table3", "--eve-model1", "plaintext"},
		{"run", "--level", "iq", "--channel", "tdl-q"},
		{"run", "--level", "rf"},
	} {
		code, _, stderr := runCLI(t, args...)
		if code != 2 || !strings.HasPrefix(stderr, "hesemcom: ") {
			t.Errorf("%v: exit %d, %q", args, code, stderr)
		}
	}
}

func TestRunIQ(t *testing.T) {
	code, out, stderr := runCLI(t, "run", "--model", "3", "--level", "iq", "--channel", "tdl-a", "--images", "200", "--out", "", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var res struct {
		Level     string `json:"level"`
		IQSamples int    `json:"iq_samples_per_image"`
		Images    int    `json:"images"`
		Stages    []struct {
			Name string `json:"name"`
		} `json:"stages"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if res.Level != "iq" || res.IQSamples != 288 || res.Images != 200 || len(res.Stages) != 8 {
		t.Fatalf("%+v", res)
	}
}
