package jscc

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

	"github.com/hesemcom/hesemcom/internal/modelfile"
	"github.com/hesemcom/hesemcom/internal/nn"
)

// loadVectors reads the first 100 official test images of a dataset from
// testvectors/jscc (see its README for provenance).
func loadVectors(t testing.TB, ds string) *Images {
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

// synthetic returns n 28×28 images of 4 classes: a bright bar at one of four
// positions and orientations plus uniform pixel noise.
func synthetic(n int, seed uint64) *Images {
	rng := rand.New(rand.NewPCG(seed, 0))
	d := &Images{Rows: 28, Cols: 28, Pixels: make([]byte, n*784), Labels: make([]byte, n)}
	for i := 0; i < n; i++ {
		c := rng.IntN(4)
		d.Labels[i] = byte(c)
		px := d.Pixels[i*784 : (i+1)*784]
		for j := range px {
			px[j] = byte(rng.IntN(80))
		}
		for k := 4; k < 24; k++ {
			switch c {
			case 0:
				px[8*28+k] = 255
			case 1:
				px[20*28+k] = 255
			case 2:
				px[k*28+8] = 255
			case 3:
				px[k*28+k] = 255
			}
		}
	}
	return d
}

func TestConfigValidation(t *testing.T) {
	for _, c := range []Config{
		{},
		{Arch: 9},
		{Arch: HE, Kernel: 4},
		{Arch: HE, Channels: 3},
		{Arch: HEWide, Channels: 65},
		{Arch: Original, Rows: 27},
		{Arch: HE, Classes: 1},
	} {
		if _, err := New(c, 1); err == nil {
			t.Errorf("config %+v accepted", c)
		}
	}
	m, err := New(Config{Arch: HEWide}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Config(); got.Kernel != 5 || got.Channels != 8 || got.Rows != 28 || m.Features() != Features || m.ChannelUses() != 98 {
		t.Errorf("defaults: %+v, %d features", got, m.Features())
	}
}

func TestArchText(t *testing.T) {
	for _, a := range Archs {
		b, err := a.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParseArch(string(b))
		if err != nil || got != a {
			t.Errorf("%v: round trip gives %v, %v", a, got, err)
		}
	}
	if _, err := ParseArch("relu"); err == nil {
		t.Error(`ParseArch("relu") accepted`)
	}
}

func TestTrainSynthetic(t *testing.T) {
	train, test := synthetic(1024, 1), synthetic(256, 2)
	for _, a := range Archs {
		t.Run(a.String(), func(t *testing.T) {
			m, err := New(Config{Arch: a, Channels: map[Arch]int{HEWide: 2}[a]}, 3)
			if err != nil {
				t.Fatal(err)
			}
			tc := TrainConfig{Epochs: 2, BatchSize: 32, SNRLo: 5, SNRHi: 15, Seed: 4}
			if err := m.Train(context.Background(), train, tc, nil); err != nil {
				t.Fatal(err)
			}
			acc, each, err := m.Accuracy(context.Background(), test, 10, 1, 2)
			if err != nil {
				t.Fatal(err)
			}
			// Four bars, chance 0.25: a working model is far above it after
			// two short epochs, a broken gradient or channel stays near chance.
			if acc < 0.8 || len(each) != 2 {
				t.Errorf("accuracy %.3f (%v) at 10 dB, want >= 0.8", acc, each)
			}
			if a.HEFriendly() {
				checkPower(t, m, train)
			}
			if testing.Short() {
				return
			}
			// Determinism: the same recipe gives the same weights.
			m2, _ := New(Config{Arch: a, Channels: map[Arch]int{HEWide: 2}[a]}, 3)
			if err := m2.Train(context.Background(), train, tc, nil); err != nil {
				t.Fatal(err)
			}
			b1, _ := m.MarshalBinary()
			b2, _ := m2.MarshalBinary()
			if !bytes.Equal(b1, b2) {
				t.Error("two trainings with the same seed differ")
			}
		})
	}
}

// checkPower verifies the calibrated gain: mean power 1 per complex symbol.
func checkPower(t *testing.T, m *Model, d *Images) {
	t.Helper()
	var e float64
	var f []float32
	for i := 0; i < d.Len(); i++ {
		f, _ = m.Encode(f, d.Pixels[i*784:(i+1)*784])
		for _, v := range f {
			e += float64(v) * float64(v)
		}
	}
	if got := e / float64(d.Len()*m.ChannelUses()); math.Abs(got-1) > 1e-3 {
		t.Errorf("mean power per complex symbol %v, want 1", got)
	}
}

func TestOriginalPowerPerImage(t *testing.T) {
	m, _ := New(Config{Arch: Original}, 1)
	d := loadVectors(t, "mnist")
	f, err := m.Encode(nil, d.Pixels[:784])
	if err != nil {
		t.Fatal(err)
	}
	var e float64
	for _, v := range f {
		e += float64(v) * float64(v)
	}
	if math.Abs(e-98) > 1e-3 {
		t.Errorf("energy per image %v, want 98 (98 complex symbols of unit power)", e)
	}
}

// reference evaluates the encoder from the documented Weights formula in
// float64, independently of internal/nn.
func reference(w Weights, img []byte) []float64 {
	p := w.Kernel / 2
	h, wd := w.Rows/2, w.Cols/2
	z := make([]float64, 0, w.Channels*h*wd)
	for c := 0; c < w.Channels; c++ {
		a := make([]float64, w.Rows*w.Cols)
		for i := 0; i < w.Rows; i++ {
			for j := 0; j < w.Cols; j++ {
				s := w.ConvBias[c]
				for u := 0; u < w.Kernel; u++ {
					for v := 0; v < w.Kernel; v++ {
						y, x := i+u-p, j+v-p
						if y >= 0 && x >= 0 && y < w.Rows && x < w.Cols {
							s += w.ConvKernel[(c*w.Kernel+u)*w.Kernel+v] * float64(img[y*w.Cols+x]) / 255
						}
					}
				}
				if w.Arch == Original {
					a[i*w.Cols+j] = math.Max(s, 0)
				} else {
					a[i*w.Cols+j] = s * s
				}
			}
		}
		for i := 0; i < h; i++ {
			for j := 0; j < wd; j++ {
				q := []float64{a[2*i*w.Cols+2*j], a[2*i*w.Cols+2*j+1], a[(2*i+1)*w.Cols+2*j], a[(2*i+1)*w.Cols+2*j+1]}
				if w.Arch == Original {
					z = append(z, math.Max(math.Max(q[0], q[1]), math.Max(q[2], q[3])))
				} else {
					z = append(z, (q[0]+q[1]+q[2]+q[3])/4)
				}
			}
		}
	}
	if w.Arch == HEWide {
		n := h * wd
		y := make([]float64, n)
		for o := range y {
			y[o] = w.ProjBias[o]
			for i, v := range z {
				y[o] += w.ProjWeight[o*len(z)+i] * v
			}
		}
		z = y
	}
	if w.Arch == Original {
		var e float64
		for _, v := range z {
			e += v * v
		}
		s := math.Sqrt(float64(len(z)) / 2 / e)
		for i := range z {
			z[i] *= s
		}
	} else {
		for i := range z {
			z[i] *= w.Gain
		}
	}
	return z
}

func TestWeightsMatchEncoder(t *testing.T) {
	d := loadVectors(t, "fashion")
	for _, a := range Archs {
		t.Run(a.String(), func(t *testing.T) {
			m, _ := New(Config{Arch: a, Channels: map[Arch]int{HEWide: 3}[a]}, 5)
			if err := m.Calibrate(d); err != nil {
				t.Fatal(err)
			}
			w := m.Weights()
			var f []float32
			for i := 0; i < 5; i++ {
				img := d.Pixels[i*784 : (i+1)*784]
				f, _ = m.Encode(f, img)
				want := reference(w, img)
				for j := range want {
					if math.Abs(float64(f[j])-want[j]) > 1e-4*(1+math.Abs(want[j])) {
						t.Fatalf("image %d feature %d: %v, reference %v", i, j, f[j], want[j])
					}
				}
			}
			if len(w.FCWeight) != 10*Features || len(w.FCBias) != 10 {
				t.Errorf("FC layout %d, %d", len(w.FCWeight), len(w.FCBias))
			}
		})
	}
}

func TestEncodeDecodeErrors(t *testing.T) {
	m, _ := New(Config{Arch: HE}, 1)
	if _, err := m.Encode(nil, make([]byte, 100)); err == nil {
		t.Error("100-pixel image accepted")
	}
	if _, err := m.Decode(nil, make([]float32, 10)); err == nil {
		t.Error("10 features accepted")
	}
	if _, _, err := m.Accuracy(context.Background(), &Images{Rows: 28, Cols: 28, Pixels: make([]byte, 784), Labels: []byte{12}}, 10, 1, 1); err == nil {
		t.Error("label 12 accepted")
	}
	if err := m.Train(context.Background(), &Images{Rows: 14, Cols: 14}, TrainConfig{}, nil); err == nil {
		t.Error("14×14 images accepted by a 28×28 model")
	}
}

func TestEncodeDoesNotAllocate(t *testing.T) {
	img := loadVectors(t, "mnist").Pixels[:784]
	for _, a := range Archs {
		m, _ := New(Config{Arch: a}, 1)
		dst, _ := m.Encode(nil, img)
		logits, _ := m.Decode(nil, dst)
		if n := testing.AllocsPerRun(20, func() {
			dst, _ = m.Encode(dst, img)
			logits, _ = m.Decode(logits, dst)
		}); n != 0 {
			t.Errorf("%v: Encode+Decode allocate %v times", a, n)
		}
	}
}

func TestFileRoundTrip(t *testing.T) {
	for _, a := range Archs {
		m, _ := New(Config{Arch: a, Kernel: 3, Channels: map[Arch]int{HEWide: 2}[a]}, 7)
		if a.HEFriendly() {
			m.gain.Gain = 0.25
		}
		m.Meta = Meta{Dataset: "mnist", SNRLo: 0, SNRHi: 25, Seed: 7, Epochs: 3, TestSNR: 10, TestAcc: 0.9}
		b, err := m.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		got, err := Read(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%v: %v", a, err)
		}
		b2, _ := got.MarshalBinary()
		if !bytes.Equal(b, b2) || got.Meta != m.Meta || got.Config() != m.Config() {
			t.Errorf("%v: round trip differs", a)
		}
	}
}

// rebuild assembles a model file from a header and payload with a valid CRC,
// so validation behind the checksum is exercised.
func rebuild(hdr string, payload []byte) []byte {
	var b bytes.Buffer
	b.WriteString(format.Magic)
	binary.Write(&b, binary.LittleEndian, uint32(modelfile.Version))
	binary.Write(&b, binary.LittleEndian, uint32(len(hdr)))
	b.WriteString(hdr)
	b.Write(payload)
	binary.Write(&b, binary.LittleEndian, crc32.ChecksumIEEE(b.Bytes()))
	return b.Bytes()
}

func TestReadRejectsMalformed(t *testing.T) {
	m, _ := New(Config{Arch: HE, Kernel: 3}, 1)
	m.gain.Gain = 1
	good, _ := m.MarshalBinary()
	hl := binary.LittleEndian.Uint32(good[12:])
	hdr := string(good[16 : 16+hl])
	payload := good[16+hl : len(good)-4]
	nan := append([]byte(nil), payload...)
	binary.LittleEndian.PutUint32(nan[8:], math.Float32bits(float32(math.NaN())))
	flip := append([]byte(nil), good...)
	flip[len(flip)/2] ^= 1
	badVersion := append([]byte(nil), good...)
	badVersion[8] = 2
	replace := func(old, new string) string {
		out := bytes.Replace([]byte(hdr), []byte(old), []byte(new), 1)
		if bytes.Equal(out, []byte(hdr)) {
			t.Fatalf("header has no %q", old)
		}
		return string(out)
	}
	for name, b := range map[string][]byte{
		"empty":           nil,
		"magic":           append([]byte("HSMJSCX\n"), good[8:]...),
		"version":         badVersion,
		"truncated":       good[:len(good)-9],
		"checksum":        flip,
		"header length":   rebuild(hdr, payload)[:20],
		"unknown arch":    rebuild(replace(`"arch":"he"`, `"arch":"tanh"`), payload),
		"unknown field":   rebuild(replace(`"config":{`, `"config":{"x":1,`), payload),
		"tensor shape":    rebuild(replace(`[1,1,3,3]`, `[1,1,5,5]`), payload),
		"tensor name":     rebuild(replace(`"fc.weight"`, `"fc.w"`), payload),
		"zero gain":       rebuild(replace(`"gain":1`, `"gain":0`), payload),
		"NaN weight":      rebuild(hdr, nan),
		"short payload":   rebuild(hdr, payload[:len(payload)-4]),
		"huge model":      rebuild(replace(`"arch":"he","kernel":3,"channels":1,"rows":28,"cols":28`, `"arch":"he-wide","kernel":3,"channels":64,"rows":256,"cols":256`), payload),
		"trailing":        rebuild(hdr, append(append([]byte(nil), payload...), 0, 0, 0, 0)),
		"trailing header": rebuild(hdr+"{}", payload),
	} {
		if _, err := Unmarshal(b); !errors.Is(err, ErrFormat) {
			t.Errorf("%s: error %v, want ErrFormat", name, err)
		}
	}
	if _, err := Unmarshal(good); err != nil {
		t.Errorf("good file rejected: %v", err)
	}
}

func FuzzUnmarshal(f *testing.F) {
	for _, a := range Archs {
		m, _ := New(Config{Arch: a, Kernel: 1, Channels: map[Arch]int{HEWide: 1}[a], Rows: 4, Cols: 4}, 1)
		if a.HEFriendly() {
			m.gain.Gain = 1
		}
		b, _ := m.MarshalBinary()
		f.Add(b)
	}
	f.Add([]byte(format.Magic + "\x01\x00\x00\x00\x02\x00\x00\x00{}\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Unmarshal(b)
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error %v does not wrap ErrFormat", err)
			}
			return
		}
		// A file that loads must survive a round trip and run.
		b2, err := m.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Unmarshal(b2); err != nil {
			t.Fatalf("re-encoded model rejected: %v", err)
		}
		c := m.Config()
		if _, err := m.Encode(nil, make([]byte, c.Rows*c.Cols)); err != nil {
			t.Fatal(err)
		}
	})
}

var _ nn.Dataset = (*Images)(nil)

// FuzzUnmarshalHeader fuzzes the header and payload behind a valid checksum,
// which FuzzUnmarshal's random bytes rarely get past.
func FuzzUnmarshalHeader(f *testing.F) {
	for _, a := range Archs {
		m, _ := New(Config{Arch: a, Kernel: 1, Channels: map[Arch]int{HEWide: 1}[a], Rows: 4, Cols: 4}, 1)
		if a.HEFriendly() {
			m.gain.Gain = 1
		}
		b, _ := m.MarshalBinary()
		hl := binary.LittleEndian.Uint32(b[12:])
		f.Add(string(b[16:16+hl]), b[16+hl:len(b)-4])
	}
	f.Fuzz(func(t *testing.T, hdr string, payload []byte) {
		m, err := Unmarshal(rebuild(hdr, payload))
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error %v does not wrap ErrFormat", err)
			}
			return
		}
		c := m.Config()
		if _, err := m.Encode(nil, make([]byte, c.Rows*c.Cols)); err != nil {
			t.Fatal(err)
		}
	})
}

func TestParamCount(t *testing.T) {
	for _, a := range Archs {
		m, _ := New(Config{Arch: a}, 1)
		var n int64
		for _, p := range m.net.Params() {
			n += int64(len(p.W))
		}
		if got := paramCount(m.Config()); got != n {
			t.Errorf("%v: paramCount %d, model has %d", a, got, n)
		}
	}
}

func TestTrainAtZeroDB(t *testing.T) {
	// A per-SNR model at 0 dB must train at 0 dB, not fall back to a range.
	m, _ := New(Config{Arch: HE, Kernel: 3}, 1)
	if err := m.Train(context.Background(), synthetic(128, 1), TrainConfig{Epochs: 1, SNRLo: 0, SNRHi: 0, Seed: 1}, nil); err != nil {
		t.Fatal(err)
	}
	if m.Meta.SNRLo != 0 || m.Meta.SNRHi != 0 || m.Meta.Agnostic() {
		t.Errorf("trained over [%v, %v] dB, want [0, 0]", m.Meta.SNRLo, m.Meta.SNRHi)
	}
}
