package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// runCLI runs the command line in-process and returns exit code, stdout, stderr.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"--no-such-flag"},
		{"data", "info", "--bogus"},
		{"bench", "pipeline", "--blocks", "x"},
		{"bench", "pipeline", "--blocks", "0"},
		{"data", "info", "extra-arg"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			code, _, stderr := runCLI(t, args...)
			if code != 2 {
				t.Fatalf("exit %d, want 2", code)
			}
			if lines := strings.Count(strings.TrimSpace(stderr), "\n"); !strings.HasPrefix(stderr, "hesemcom: ") || lines != 0 {
				t.Fatalf("stderr not one line: %q", stderr)
			}
		})
	}
}

func TestDataInfoJSON(t *testing.T) {
	code, out, stderr := runCLI(t, "data", "info", "--json", "--data", t.TempDir())
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var res struct {
		Files []struct {
			Dataset  string `json:"dataset"`
			Split    string `json:"split"`
			Kind     string `json:"kind"`
			Verified bool   `json:"verified"`
			Images   int    `json:"images"`
		} `json:"files"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	embedded := 0
	for _, f := range res.Files {
		if f.Split == "t10k" {
			if !f.Verified {
				t.Errorf("%s %s not verified", f.Dataset, f.Kind)
			}
			if f.Kind == "images" && f.Images == 10000 {
				embedded++
			}
		}
	}
	if embedded != 2 {
		t.Fatalf("%d embedded test sets with 10000 images, want 2", embedded)
	}
}

func TestDataVerifyFailsOnEmptyDir(t *testing.T) {
	code, out, _ := runCLI(t, "data", "verify", t.TempDir())
	if code != 1 || !strings.Contains(out, "not found") {
		t.Fatalf("exit %d, out %q", code, out)
	}
}

func TestBenchPipelineJSON(t *testing.T) {
	code, out, stderr := runCLI(t, "bench", "pipeline", "--blocks", "4", "--samples", "100000", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var res struct {
		ChainSps float64 `json:"chain_samples_per_s"`
		FusedSps float64 `json:"fused_samples_per_s"`
		Ratio    float64 `json:"chain_over_fused"`
		Blocks   []struct {
			Name    string `json:"name"`
			ItemsIn int64  `json:"items_in"`
		} `json:"block_stats"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if res.ChainSps <= 0 || res.FusedSps <= 0 || res.Ratio <= 0 || len(res.Blocks) != 6 {
		t.Fatalf("got %+v", res)
	}
	if last := res.Blocks[5]; last.Name != "null_sink" || last.ItemsIn != 100000 {
		t.Fatalf("sink %+v", last)
	}
}

func TestBenchPipelineText(t *testing.T) {
	code, out, _ := runCLI(t, "bench", "pipeline", "--samples", "50000")
	if code != 0 || !strings.Contains(out, "bottleneck") || !strings.Contains(out, "GNU Radio") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}
