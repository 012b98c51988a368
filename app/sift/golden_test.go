package sift

import (
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testvectors/sift")

const vectorDir = "../../testvectors/sift"

type goldenKeypoint struct {
	X, Y, Scale, Orientation float64
	Octave                   int
	Level, Response          float64
	// Descriptor quantised as OpenCV stores it: min(255, round(512·v)).
	Descriptor []int
}

func quantise(d []float32) []int {
	q := make([]int, len(d))
	for i, v := range d {
		q[i] = min(255, int(math.Round(512*float64(v))))
	}
	return q
}

// TestGoldenKeypoints pins the plaintext keypoints of the default photograph
// (a golden file: our own output, regenerated only with -update after a
// deliberate change). Floats are compared with tolerances because fused
// multiply-adds may round differently on other architectures.
func TestGoldenKeypoints(t *testing.T) {
	img, err := DefaultImage()
	if err != nil {
		t.Fatal(err)
	}
	d, _ := New(Config{})
	kps, err := d.Detect(img)
	if err != nil {
		t.Fatal(err)
	}
	got := make([]goldenKeypoint, len(kps))
	for i, k := range kps {
		got[i] = goldenKeypoint{k.X, k.Y, k.Scale, k.Orientation, k.Octave, k.Level, k.Response, quantise(k.Descriptor)}
	}
	path := filepath.Join(vectorDir, "golden_camera256_keypoints.json")
	if *update {
		b, _ := json.MarshalIndent(got, "", " ")
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var want []goldenKeypoint
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d keypoints, golden file has %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if math.Abs(g.X-w.X) > 1e-6 || math.Abs(g.Y-w.Y) > 1e-6 || math.Abs(g.Scale-w.Scale) > 1e-6 ||
			math.Abs(g.Orientation-w.Orientation) > 1e-6 || g.Octave != w.Octave {
			t.Fatalf("keypoint %d: got %+v, want %+v", i, g, w)
		}
		for j := range w.Descriptor {
			if abs(g.Descriptor[j]-w.Descriptor[j]) > 1 {
				t.Fatalf("keypoint %d descriptor[%d] = %d, want %d", i, j, g.Descriptor[j], w.Descriptor[j])
			}
		}
	}
}
