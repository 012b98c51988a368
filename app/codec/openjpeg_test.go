package codec

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/hesemcom/hesemcom/app/source"
)

// needLibrary skips unless libopenjp2 loads in process.
func needLibrary(t testing.TB) *opjLib {
	t.Helper()
	l, err := loadLibrary()
	if err != nil {
		t.Skipf("skipping in-process JPEG 2000 test: %v", err)
	}
	return l
}

// needBoth skips unless both the library and the tools are there, for the
// comparisons of the two paths.
// hideLibrary makes loadLibrary fail as on a machine without libopenjp2
// until restore is called or the test ends.
func hideLibrary(t testing.TB) (restore func()) {
	saved := loadLibrary
	restore = func() { loadLibrary = saved }
	t.Cleanup(restore)
	loadLibrary = func() (*opjLib, error) { return nil, errors.New("codec: test: no libopenjp2") }
	return restore
}

func needBoth(t testing.TB) *opjLib {
	t.Helper()
	l := needLibrary(t)
	if err := toolsAvailable(); err != nil {
		t.Skipf("skipping comparison with the OpenJPEG tools: %v", err)
	}
	return l
}

// bothPaths returns a codec on the library and one on the tools, same cfg.
func bothPaths(t testing.TB, l *opjLib, cfg Config) (inProc, tools *Codec) {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg = c.Config()
	jl, err := newJ2K(cfg, l, false)
	if err != nil {
		t.Fatal(err)
	}
	jt, err := newJ2K(cfg, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	return &Codec{cfg: cfg, impl: jl}, &Codec{cfg: cfg, impl: jt}
}

type namedImage struct {
	name string
	px   []byte
}

// testImages: MNIST and Fashion-MNIST test items, seeded noise, blank, and
// one bright pixel, all 28×28.
func testImages(t testing.TB) []namedImage {
	t.Helper()
	var imgs []namedImage
	for _, name := range []source.Name{source.MNIST, source.Fashion} {
		d, err := source.LoadTest(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, i := range []int{0, 1, 7} {
			imgs = append(imgs, namedImage{fmt.Sprintf("%s[%d]", name, i), d.Image(i)})
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	noise := make([]byte, 784)
	for i := range noise {
		noise[i] = byte(r.Uint32())
	}
	dot := make([]byte, 784)
	dot[14*28+13] = 255
	return append(imgs,
		namedImage{"noise", noise},
		namedImage{"blank", make([]byte, 784)},
		namedImage{"bright pixel", dot},
	)
}

// TestInProcessMatchesTools: the in-process codestream is byte for byte
// opj_compress's, and its in-process decode is opj_decompress's output,
// for every test image, resolution mode and rate.
func TestInProcessMatchesTools(t *testing.T) {
	l := needBoth(t)
	imgs := testImages(t)
	for _, res := range []int{1, 2} {
		inProc, tools := bothPaths(t, l, Config{Kind: J2K, Resolutions: res})
		jl, jt := inProc.impl.(*j2kCodec), tools.impl.(*j2kCodec)
		for _, ratio := range []float64{0, 1.5, 4, 7.123456, 12, 40} {
			for _, im := range imgs {
				name := fmt.Sprintf("n%d r%g %s", res, ratio, im.name)
				want, err := jt.compress(im.px, res, ratio)
				if err != nil {
					t.Fatalf("%s: opj_compress: %v", name, err)
				}
				got, err := jl.compress(im.px, res, ratio)
				if err != nil {
					t.Fatalf("%s: in process: %v", name, err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s: in-process codestream (%d bytes) differs from opj_compress (%d bytes)", name, len(got), len(want))
					continue
				}
				cs, err := parseCodestream(got)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				wantImg, err := jt.decodeMode(nil, res, cs.data, false)
				if err != nil {
					t.Fatalf("%s: opj_decompress: %v", name, err)
				}
				gotImg, err := jl.decodeMode(nil, res, cs.data, true)
				if err != nil {
					t.Fatalf("%s: in-process decode: %v", name, err)
				}
				if !bytes.Equal(gotImg, wantImg) {
					t.Errorf("%s: in-process decode differs from opj_decompress", name)
				}
				if ratio == 0 && !bytes.Equal(gotImg, im.px) {
					t.Errorf("%s: lossless decode differs from the image", name)
				}
			}
		}
	}
}

// TestInProcessCodecIdentical: Encode, Decode and DecodeOwn give the same
// bytes with and without the in-process path, for several budgets and
// resolution settings.
func TestInProcessCodecIdentical(t *testing.T) {
	l := needBoth(t)
	n := 10
	if testing.Short() {
		n = 3
	}
	var imgs [][]byte
	for _, name := range []source.Name{source.MNIST, source.Fashion} {
		d, err := source.LoadTest(name)
		if err != nil {
			t.Fatal(err)
		}
		for i := range n {
			imgs = append(imgs, d.Image(100+i))
		}
	}
	for _, im := range testImages(t) {
		imgs = append(imgs, im.px)
	}
	for _, cfg := range []Config{
		{Kind: J2K},
		{Kind: J2K, Budget: 120},
		{Kind: J2K, Budget: 300, Resolutions: 3},
	} {
		inProc, tools := bothPaths(t, l, cfg)
		for i, img := range imgs {
			pl, errL := inProc.Encode(nil, img)
			pt, errT := tools.Encode(nil, img)
			if fmt.Sprint(errL) != fmt.Sprint(errT) || !bytes.Equal(pl, pt) {
				t.Errorf("%+v image %d: payloads differ (in process %d bytes, %v; tools %d bytes, %v)", cfg, i, len(pl), errL, len(pt), errT)
				continue
			}
			if errL != nil {
				continue
			}
			want, err := tools.Decode(nil, pt)
			if err != nil {
				t.Fatal(err)
			}
			for name, dec := range map[string]func(dst, p []byte) ([]byte, error){
				"Decode in process": inProc.Decode, "DecodeOwn in process": inProc.DecodeOwn, "DecodeOwn tools": tools.DecodeOwn,
			} {
				if got, err := dec(nil, pl); err != nil || !bytes.Equal(got, want) {
					t.Errorf("%+v image %d: %s differs from opj_decompress (%v)", cfg, i, name, err)
				}
			}
		}
	}
}

// damage returns k damaged variants of payload p: bit flips, byte
// overwrites, truncations and extensions, seeded.
func damage(p []byte, k int, seed uint64) [][]byte {
	r := rand.New(rand.NewPCG(seed, 7))
	out := make([][]byte, 0, k)
	for range k {
		q := bytes.Clone(p)
		switch r.IntN(4) {
		case 0:
			for range 1 + r.IntN(8) {
				i := 1 + r.IntN(len(q)-1)
				q[i] ^= 1 << r.IntN(8)
			}
		case 1:
			for range 1 + r.IntN(4) {
				q[1+r.IntN(len(q)-1)] = byte(r.Uint32())
			}
		case 2:
			q = q[:1+r.IntN(len(q)-1)]
		default:
			for range 1 + r.IntN(20) {
				q = append(q, byte(r.Uint32()))
			}
		}
		out = append(out, q)
	}
	return out
}

// TestInProcessDamagedMatchesTools: on damaged payloads (what best effort
// decodes) the in-process decoder fails exactly when opj_decompress does
// and otherwise gives the same image.
func TestInProcessDamagedMatchesTools(t *testing.T) {
	l := needBoth(t)
	k := 40
	if testing.Short() {
		k = 8
	}
	inProc, tools := bothPaths(t, l, Config{Kind: J2K})
	for _, im := range testImages(t) {
		p, err := inProc.Encode(nil, im.px)
		if err != nil {
			t.Fatal(err)
		}
		fails := 0
		for j, q := range damage(p, k, uint64(len(im.name))) {
			want, errT := tools.Decode(nil, q)
			got, errL := inProc.DecodeOwn(nil, q) // in process, whatever the input
			if (errT == nil) != (errL == nil) || !bytes.Equal(got, want) {
				t.Errorf("%s damage %d: in process (%v) differs from opj_decompress (%v)", im.name, j, errL, errT)
			}
			if errL != nil {
				fails++
				if !errors.Is(errL, ErrPayload) {
					t.Errorf("%s damage %d: %v does not wrap ErrPayload", im.name, j, errL)
				}
			}
		}
		t.Logf("%s: %d of %d damaged payloads undecodable", im.name, fails, k)
	}
}

// FuzzDecodeJ2KInProcess: the in-process decoder, which Decode uses when
// the tools are missing, returns an image or ErrPayload for any payload
// (a crash would kill the fuzzer). Seeds: real payloads and damaged ones.
func FuzzDecodeJ2KInProcess(f *testing.F) {
	l := needLibrary(f)
	c, err := New(Config{Kind: J2K})
	if err != nil {
		f.Fatal(err)
	}
	c.impl.(*j2kCodec).lib, c.impl.(*j2kCodec).tools = l, false
	for _, im := range testImages(f) {
		p, err := c.Encode(nil, im.px)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(p)
		for _, q := range damage(p, 3, 1) {
			f.Add(q)
		}
	}
	f.Add([]byte{1})
	f.Add([]byte{2, 0xff, 0x90})
	f.Fuzz(func(t *testing.T, p []byte) {
		if len(p) > 0 {
			// A valid mode byte, so that every input reaches OpenJPEG.
			p = append([]byte{1 + p[0]&1}, p[1:]...)
		}
		out, err := c.Decode(nil, p)
		if err != nil && !errors.Is(err, ErrPayload) {
			t.Fatalf("error %v does not wrap ErrPayload", err)
		}
		if err == nil && len(out) != 784 {
			t.Fatalf("decoded %d bytes without error", len(out))
		}
	})
}

// TestLibraryAbsent: without libopenjp2 the tools serve everything, and
// the codec's output is unchanged.
func TestLibraryAbsent(t *testing.T) {
	needBoth(t)
	restore := hideLibrary(t)
	c, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	j, ok := c.impl.(*j2kCodec)
	if !ok || j.lib != nil || !j.tools {
		t.Fatalf("Auto without the library: %T, want the tools", c.impl)
	}
	if b := c.Backend(); !strings.Contains(b, "tools") {
		t.Errorf("Backend() = %q, want the tools", b)
	}
	img := mnist(t, 1).Image(0)
	p, err := c.Encode(nil, img)
	if err != nil {
		t.Fatal(err)
	}
	restore()
	c2, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if b := c2.Backend(); !strings.Contains(b, "in process") {
		t.Errorf("Backend() = %q, want the library in process", b)
	}
	if p2, err := c2.Encode(nil, img); err != nil || !bytes.Equal(p, p2) {
		t.Errorf("payload with the library differs from the tools' (%v)", err)
	}
}

// BenchmarkEncodeJ2K codes one MNIST digit with the default (adaptive)
// J2K codec, in process and through the tools.
func BenchmarkEncodeJ2K(b *testing.B) {
	l := needBoth(b)
	img := mnist(b, 1).Image(0)
	inProc, tools := bothPaths(b, l, Config{Kind: J2K})
	for _, bc := range []struct {
		name string
		c    *Codec
	}{{"in-process", inProc}, {"tools", tools}} {
		b.Run(bc.name, func(b *testing.B) {
			var p []byte
			var err error
			for b.Loop() {
				if p, err = bc.c.Encode(p, img); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "images/s")
			b.ReportMetric(b.Elapsed().Seconds()/float64(b.N)*1e3, "ms/image")
		})
	}
}

// TestRateControlCycleStop: stopping rate control at the first repeated
// target gives the payload that running all maxTries tries gives.
func TestRateControlCycleStop(t *testing.T) {
	l := needLibrary(t)
	n := 60
	if testing.Short() {
		n = 10
	}
	c, err := New(Config{Kind: J2K})
	if err != nil {
		t.Fatal(err)
	}
	j, err := newJ2K(c.Config(), l, false)
	if err != nil {
		t.Fatal(err)
	}
	full := func(img []byte, res, budget int) []byte {
		data, err := j.packetData(img, res, 0)
		if err != nil || len(data) <= budget {
			return data
		}
		target := float64(budget + len(j.headers[res]) + 16)
		var best []byte
		for range maxTries {
			d, err := j.packetData(img, res, max(784/target, 1.001))
			if err != nil {
				t.Fatal(err)
			}
			if len(d) <= budget && len(d) > len(best) {
				best = d
			}
			miss := budget - len(d)
			if miss >= 0 && miss <= 2 {
				break
			}
			if miss < 0 {
				target += float64(miss - 1)
			} else {
				target += float64(miss)
			}
			if target < 16 {
				break
			}
		}
		return best
	}
	for _, name := range []source.Name{source.MNIST, source.Fashion} {
		d, err := source.LoadTest(name)
		if err != nil {
			t.Fatal(err)
		}
		for i := range n {
			for _, res := range []int{1, 2} {
				for _, budget := range []int{30, 75, 120, 195} {
					got, err := j.rateControl(d.Image(i), res, budget)
					if err != nil && !errors.Is(err, ErrBudget) {
						t.Fatal(err)
					}
					if want := full(d.Image(i), res, budget); !bytes.Equal(got, want) {
						t.Errorf("%s[%d] n%d budget %d: %d bytes, without the cycle stop %d", name, i, res, budget, len(got), len(want))
					}
				}
			}
		}
	}
}
