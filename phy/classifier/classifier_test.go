package classifier

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math"
	"math/rand/v2"
	"os"
	"testing"
)

// stripes is a synthetic 4-class set of 28×28 images: a bright bar,
// horizontal, vertical or along one of the two diagonals, at a random offset
// on a noisy background. The classes differ by orientation only, which a
// CNN with global average pooling can see anywhere in the image.
func stripes(n int, seed uint64) *Images {
	r := rand.New(rand.NewPCG(seed, 1))
	d := &Images{Rows: 28, Cols: 28, Pixels: make([]byte, n*784), Labels: make([]byte, n)}
	for i := range n {
		c := r.IntN(4)
		d.Labels[i] = byte(c)
		img := d.Pixels[i*784 : (i+1)*784]
		off := r.IntN(15) - 7
		for y := range 28 {
			for x := range 28 {
				v := r.IntN(60)
				var t int // distance from the bar's centre line
				switch c {
				case 0:
					t = y - 14 - off
				case 1:
					t = x - 14 - off
				case 2:
					t = x - y - off
				case 3:
					t = x + y - 27 - off
				}
				if t >= -1 && t <= 1 {
					v += 180
				}
				img[y*28+x] = byte(v)
			}
		}
	}
	return d
}

func TestTrainSynthetic(t *testing.T) {
	m, err := New(Config{Width: 4, Blocks: 1, Classes: 4}, 1)
	if err != nil {
		t.Fatal(err)
	}
	n := 512
	if testing.Short() {
		n = 256
	}
	train, test := stripes(n, 1), stripes(200, 2)
	if err := m.Train(context.Background(), train, TrainConfig{Epochs: 6, BatchSize: 32, LR: 5e-3, Seed: 1}, nil); err != nil {
		t.Fatal(err)
	}
	acc, err := m.Accuracy(context.Background(), test, 2)
	if err != nil {
		t.Fatal(err)
	}
	// Chance is 0.25; the classes differ by a bar 180 grey levels bright.
	t.Logf("held-out accuracy %.3f", acc)
	if acc < 0.9 {
		t.Errorf("held-out accuracy %.3f on the synthetic bars, want ≥ 0.9", acc)
	}
	// Classify and ClassifyBatch agree with each other.
	got, err := m.ClassifyBatch(nil, test.Pixels)
	if err != nil {
		t.Fatal(err)
	}
	for i := range test.Len() {
		k, err := m.Classify(test.Pixels[i*784 : (i+1)*784])
		if err != nil || k != int(got[i]) {
			t.Fatalf("image %d: Classify %d (%v), ClassifyBatch %d", i, k, err, got[i])
		}
	}
}

func TestTrainDeterministic(t *testing.T) {
	d := stripes(64, 3)
	var files [][]byte
	for range 2 {
		m, _ := New(Config{Width: 2, Blocks: 1, Classes: 4}, 5)
		if err := m.Train(context.Background(), d, TrainConfig{Epochs: 1, BatchSize: 16, Seed: 9}, nil); err != nil {
			t.Fatal(err)
		}
		b, err := m.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, b)
	}
	if !bytes.Equal(files[0], files[1]) {
		t.Error("two trainings with the same seeds gave different models")
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"odd rows", Config{Rows: 27}},
		{"tiny", Config{Rows: 4, Cols: 4}},
		{"width", Config{Width: -1}},
		{"blocks", Config{Blocks: 9}},
		{"classes", Config{Classes: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := New(tc.cfg, 1); err == nil {
				t.Errorf("New(%+v) = nil error", tc.cfg)
			}
		})
	}
	m, _ := New(Config{}, 1)
	if _, err := m.Classify(make([]byte, 10)); err == nil {
		t.Error("Classify of a 10-byte image = nil error")
	}
	if _, err := m.ClassifyBatch(nil, make([]byte, 785)); err == nil {
		t.Error("ClassifyBatch of 785 bytes = nil error")
	}
	bad := &Images{Rows: 28, Cols: 28, Pixels: make([]byte, 784), Labels: []byte{10}}
	if err := m.Train(context.Background(), bad, TrainConfig{Epochs: 1}, nil); err == nil {
		t.Error("training with label 10 of 10 classes = nil error")
	}
}

func TestFileRoundTrip(t *testing.T) {
	m, _ := New(Config{Width: 4, Blocks: 2, Classes: 4}, 3)
	d := stripes(64, 4)
	if err := m.Train(context.Background(), d, TrainConfig{Epochs: 1, BatchSize: 16, Seed: 1}, nil); err != nil {
		t.Fatal(err)
	}
	m.Meta = Meta{Dataset: "stripes", Images: 64, Epochs: 1, TestAcc: 0.5}
	b, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	r, err := Read(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if r.Meta != m.Meta || r.Config() != m.Config() {
		t.Errorf("read back %+v %+v, want %+v %+v", r.Config(), r.Meta, m.Config(), m.Meta)
	}
	b2, _ := r.MarshalBinary()
	if !bytes.Equal(b, b2) {
		t.Error("re-encoding the read model changed its bytes")
	}
	want, _ := m.ClassifyBatch(nil, d.Pixels)
	got, _ := r.ClassifyBatch(nil, d.Pixels)
	if !bytes.Equal(got, want) {
		t.Error("the read model classifies differently")
	}
}

// reseal fixes the trailing CRC after a deliberate modification.
func reseal(b []byte) []byte {
	binary.LittleEndian.PutUint32(b[len(b)-4:], crc32.ChecksumIEEE(b[:len(b)-4]))
	return b
}

func TestReadRejects(t *testing.T) {
	m, _ := New(Config{Width: 2, Blocks: 1}, 1)
	good, _ := m.MarshalBinary()
	hl := int(binary.LittleEndian.Uint32(good[12:]))
	payload := 16 + hl
	mod := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	for _, tc := range []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"magic", mod(func(b []byte) []byte { b[0] = 'X'; return b })},
		{"version", mod(func(b []byte) []byte { b[8] = 2; return reseal(b) })},
		{"checksum", mod(func(b []byte) []byte { b[payload] ^= 1; return b })},
		{"truncated", mod(func(b []byte) []byte { return reseal(b[:len(b)-8]) })},
		{"trailing", mod(func(b []byte) []byte { return reseal(append(b[:len(b)-4], 0, 0, 0, 0, 0, 0, 0, 0)) })},
		{"nan", mod(func(b []byte) []byte {
			binary.LittleEndian.PutUint32(b[payload:], math.Float32bits(float32(math.NaN())))
			return reseal(b)
		})},
		{"header length", mod(func(b []byte) []byte { binary.LittleEndian.PutUint32(b[12:], 1<<30); return reseal(b) })},
		{"header json", mod(func(b []byte) []byte { b[16] = '['; return reseal(b) })},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Unmarshal(tc.b); !errors.Is(err, ErrFormat) {
				t.Errorf("Unmarshal = %v, want ErrFormat", err)
			}
		})
	}
	// A file of another architecture: tensor list mismatch.
	other, _ := New(Config{Width: 2, Blocks: 2}, 1)
	ob, _ := other.MarshalBinary()
	ohl := int(binary.LittleEndian.Uint32(ob[12:]))
	// Splice the other header onto this model's weights.
	spliced := append(append(append([]byte(nil), ob[:16+ohl]...), good[payload:len(good)-4]...), 0, 0, 0, 0)
	if _, err := Unmarshal(reseal(spliced)); !errors.Is(err, ErrFormat) {
		t.Errorf("mismatched weights: %v, want ErrFormat", err)
	}
}

func FuzzUnmarshal(f *testing.F) {
	m, _ := New(Config{Width: 1, Blocks: 1, Classes: 2, Rows: 8, Cols: 8}, 1)
	good, _ := m.MarshalBinary()
	f.Add(good)
	f.Add(good[:40])
	f.Add([]byte(format.Magic))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Unmarshal(b)
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error %v does not wrap ErrFormat", err)
			}
			return
		}
		if _, err := m.Classify(make([]byte, m.ImageSize())); err != nil {
			t.Fatal(err)
		}
	})
}

// loadVectors reads the first 100 official test images of a dataset from
// testvectors/jscc (see its README for provenance).
func loadVectors(t *testing.T, ds string) *Images {
	t.Helper()
	img, err := os.ReadFile("../../testvectors/jscc/" + ds + "_t10k_first100.images")
	if err != nil {
		t.Fatal(err)
	}
	lab, err := os.ReadFile("../../testvectors/jscc/" + ds + "_t10k_first100.labels")
	if err != nil {
		t.Fatal(err)
	}
	return &Images{Rows: 28, Cols: 28, Pixels: img, Labels: lab}
}

func TestPretrained(t *testing.T) {
	// Minimum correct of the first 100 test images: the recorded clean
	// accuracy on all 10k minus 5 binomial standard deviations of 100 draws.
	for _, ds := range []string{"mnist", "fashion"} {
		t.Run(ds, func(t *testing.T) {
			m, err := Pretrained(ds)
			if err != nil {
				t.Fatal(err)
			}
			if m.Meta.Dataset != ds || m.Meta.Images != 60000 {
				t.Errorf("metadata %+v: want %s trained on 60000 images", m.Meta, ds)
			}
			p := m.Meta.TestAcc
			floor := 100 * (p - 5*math.Sqrt(p*(1-p)/100))
			acc, err := m.Clone().Accuracy(context.Background(), loadVectors(t, ds), 1)
			if err != nil {
				t.Fatal(err)
			}
			if 100*acc < floor {
				t.Errorf("%d of the first 100 test images right, want ≥ %.0f (recorded accuracy %.4f)", int(100*acc), floor, p)
			}
		})
	}
	if _, err := Pretrained("cifar"); err == nil {
		t.Error("Pretrained(cifar) = nil error")
	}
}
