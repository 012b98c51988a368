package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hesemcom/hesemcom/sim"
)

// TestTable3Small runs table3 on a few images: all of Table III is the
// default, and for Models 1–3 (Model 4's CKKS set-up per cell takes half a
// minute; the sweep tests cover it) every cell of both datasets and six SNRs
// is there, Model 1's codec recorded, and the outputs written.
func TestTable3Small(t *testing.T) {
	if def := newTable3Cmd(&globalFlags{}).Flag("models").DefValue; def != "[1,2,3,4]" {
		t.Errorf("default --models %s, want all of Table III [1,2,3,4]", def)
	}
	dir := t.TempDir()
	code, stdout, stderr := runCLI(t, "table3", "--models", "1,2,3", "--images", "8", "--realisations", "1", "--out", dir, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "Model 1 source codec: ") {
		t.Errorf("stderr does not name Model 1's codec:\n%s", stderr)
	}
	var got struct {
		Result *sim.Result `json:"result"`
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatal(err)
	}
	cells := map[string]int{}
	for _, p := range got.Result.Points {
		cells[p.Point.Model]++
		if p.Counts.Items != 8 {
			t.Errorf("%v: %d items, want 8", p.Point, p.Counts.Items)
		}
	}
	for _, m := range []string{"model1", "model2", "model3"} {
		if cells[m] != 12 {
			t.Errorf("%s: %d cells, want 12 (2 datasets × 6 SNRs)", m, cells[m])
		}
	}
	if got.Result.Meta["model1_codec"] == "" {
		t.Error("result does not record Model 1's codec")
	}
	if r := readResult(t, filepath.Join(dir, "result.json")); len(r.Points) != len(got.Result.Points) {
		t.Errorf("result.json has %d points, stdout %d", len(r.Points), len(got.Result.Points))
	}
}
