package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hesemcom/hesemcom/sim"
)

func readResult(t *testing.T, path string) *sim.Result {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := sim.ReadResult(f)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestSweepShardMerge: two shards merged through 'hesemcom merge' give the
// unsharded counts exactly.
func TestSweepShardMerge(t *testing.T) {
	dir := t.TempDir()
	args := []string{"sweep", "--dataset", "mnist,fashion", "--model", "2,3", "--snr", "0,10", "--images", "300", "--realisations", "2", "--seed", "9"}
	for _, shard := range []string{"", "0/2", "1/2"} {
		out := filepath.Join(dir, "whole")
		a := append([]string{}, args...)
		if shard != "" {
			out = filepath.Join(dir, "shard"+shard[:1])
			a = append(a, "--shard", shard)
		}
		if code, _, stderr := runCLI(t, append(a, "--out", out)...); code != 0 {
			t.Fatalf("sweep %s: exit %d: %s", shard, code, stderr)
		}
	}
	code, stdout, stderr := runCLI(t, "merge", "--json", "--out", filepath.Join(dir, "merged"),
		filepath.Join(dir, "shard1", "result.json"), filepath.Join(dir, "shard0", "result.json"))
	if code != 0 {
		t.Fatalf("merge: exit %d: %s", code, stderr)
	}
	var merged sim.Result
	if err := json.Unmarshal([]byte(stdout), &merged); err != nil {
		t.Fatal(err)
	}
	whole := readResult(t, filepath.Join(dir, "whole", "result.json"))
	if !merged.Complete || len(merged.Points) != 8 {
		t.Fatalf("merged: complete %v, %d points", merged.Complete, len(merged.Points))
	}
	for i := range whole.Points {
		if !reflect.DeepEqual(whole.Points[i].Counts, merged.Points[i].Counts) {
			t.Fatalf("%s: merged %+v, unsharded %+v", whole.Points[i].Point, merged.Points[i].Counts, whole.Points[i].Counts)
		}
	}
	for _, f := range []string{"results.csv", "table.md", "accuracy_mnist.png", "accuracy_fashion.png"} {
		if _, err := os.Stat(filepath.Join(dir, "merged", f)); err != nil {
			t.Errorf("merged output: %v", err)
		}
	}
	md, _ := os.ReadFile(filepath.Join(dir, "whole", "table.md"))
	if !strings.Contains(string(md), "(91.13)") { // the paper's MNIST Model 2 at 10 dB
		t.Errorf("table.md lacks the paper's numbers:\n%s", md)
	}
}

func TestSweepConfigFile(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "s.yaml")
	os.WriteFile(cfg, []byte("datasets: [mnist]\nmodels: [\"3\"]\nsnrs_db: [5]\nimages: 100\nrealisations: 1\nseed: 4\n"), 0o644)
	code, stdout, stderr := runCLI(t, "sweep", "--config", cfg, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var r sim.Result
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Points) != 1 || r.Points[0].Point.Model != "model3" || r.Points[0].Counts.Items != 100 || r.Sweep.Seed != 4 {
		t.Fatalf("got %+v", r.Points)
	}
	// A flag given explicitly wins over the file.
	code, stdout, _ = runCLI(t, "sweep", "--config", cfg, "--snr", "7", "--json")
	if code != 0 || !strings.Contains(stdout, `"snr_db": 7`) {
		t.Fatalf("exit %d: %s", code, stdout)
	}
	os.WriteFile(cfg, []byte("datasets: [mnist]\nbogus_field: 1\n"), 0o644)
	if code, _, _ := runCLI(t, "sweep", "--config", cfg); code != 2 {
		t.Fatalf("unknown field: exit %d, want 2", code)
	}
}

func TestSweepUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"sweep", "--images", "0"},
		{"sweep", "--images", "20000"},
		{"sweep", "--snr", "x"},
		{"sweep", "--model", "7"},
		{"sweep", "--channel", "ether"},
		{"sweep", "--shard", "3/2"},
		{"sweep", "--weights", "random"},
		{"merge", "/nonexistent.json"},
		{"run", "--dataset", "cifar"},
		{"run", "--images", "-1"},
	} {
		code, _, stderr := runCLI(t, args...)
		if code == 0 || !strings.HasPrefix(stderr, "hesemcom: ") {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr)
		}
	}
}

func TestRunJSON(t *testing.T) {
	if testing.Short() {
		t.Skip("encrypted link: skipped with -short")
	}
	dir := t.TempDir()
	code, stdout, stderr := runCLI(t, "run", "--images", "200", "--snr", "15", "--json", "--out", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var res struct {
		Images    int     `json:"images"`
		Accuracy  float64 `json:"accuracy"`
		Agreement int     `json:"decisions_agreeing_with_plaintext"`
		Stages    []struct {
			Name string `json:"name"`
		} `json:"stages"`
	}
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatal(err)
	}
	if res.Images != 200 || res.Accuracy < 0.8 || res.Agreement < 199 || len(res.Stages) != 6 {
		t.Fatalf("got %+v", res)
	}
	for _, f := range []string{"run.json", "stages.png"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
}

// TestSweepTransportOptions: the transports' fields of a scenario file
// reach the hybrid link (the payload shows b), an explicit flag replaces
// its field, and bad values are usage errors.
func TestSweepTransportOptions(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "s.yaml")
	os.WriteFile(cfg, []byte("datasets: [mnist]\nmodels: [\"4\"]\ntransport: hybrid\nsnrs_db: [30]\nimages: 32\nrealisations: 1\nqm: 8\nrate: 0.8\nanalog_bits: 12\nanalog_power_db: 3\n"), 0o644)
	for _, bad := range [][]string{
		{"--qm", "3"}, {"--rate", "1.5"}, {"--loss", "some"}, {"--analog-bits", "17"}, {"--analog-power", "40"}, {"--frame-bytes", "4"}, {"--harq", "17"}, {"--harq", "-1"},
	} {
		if code, _, stderr := runCLI(t, append([]string{"sweep", "--config", cfg}, bad...)...); code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", bad, code, stderr)
		}
	}
	os.WriteFile(filepath.Join(dir, "bad.yaml"), []byte("models: [\"4\"]\nanalog_bits: 20\n"), 0o644)
	if code, _, _ := runCLI(t, "sweep", "--config", filepath.Join(dir, "bad.yaml")); code != 2 {
		t.Errorf("analog_bits 20 in the file: exit %d, want 2", code)
	}
	if testing.Short() {
		t.Skip("one N = 2^13 CKKS batch over the hybrid transport: skipped with -short")
	}
	for _, tc := range []struct {
		flags []string
		b     int64
	}{{nil, 12}, {[]string{"--analog-bits", "4"}, 4}} {
		code, stdout, stderr := runCLI(t, append([]string{"sweep", "--config", cfg, "--json"}, tc.flags...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", tc.flags, code, stderr)
		}
		var r sim.Result
		if err := json.Unmarshal([]byte(stdout), &r); err != nil {
			t.Fatal(err)
		}
		x := r.Points[0].Counts.Extra
		// 196 features × 8192 coefficients × (2B − b) digital bits, B = 46.
		want := int64(196 * 8192 * (2*46 - tc.b))
		if len(r.Points) != 1 || r.Points[0].Point.Transport != "hybrid" || x["payload_bits"] < want || x["payload_bits"] > want+7 || x["frames_lost"] != 0 {
			t.Errorf("%v: %+v, payload want %d", tc.flags, r.Points, want)
		}
		if !strings.Contains(r.Meta["transport_options"], `"analog_power_db":3`) {
			t.Errorf("meta %v", r.Meta)
		}
	}
}
