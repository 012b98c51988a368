package codec

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/hesemcom/hesemcom/app/source"
)

const vectorDir = "../../testvectors/codec/"

func readVector(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(vectorDir + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func needOpenJPEG(t testing.TB) {
	t.Helper()
	if err := OpenJPEGAvailable(); err != nil {
		t.Skipf("skipping JPEG 2000 test: %v", err)
	}
}

func mnist(t testing.TB, n int) *source.Dataset {
	t.Helper()
	d, err := source.LoadTest(source.MNIST)
	if err != nil {
		t.Fatal(err)
	}
	return d.Slice(0, n)
}

// TestCodestreamReference parses OpenJPEG's own codestreams (no tool needed):
// the main header without COM is the same at every rate, and rebuilding
// from header and packet data reproduces the file minus the COM segment.
func TestCodestreamReference(t *testing.T) {
	var headers [][]byte
	for _, name := range []string{"mnist_t10k_0_opj250_n3_lossless.j2k", "mnist_t10k_0_opj250_n3_r3.j2k"} {
		b := readVector(t, name)
		cs, err := parseCodestream(b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		headers = append(headers, cs.header)
		com := bytes.Index(b, []byte{0xff, 0x64})
		if com < 0 {
			t.Fatalf("%s: no COM marker", name)
		}
		lcom := int(b[com+2])<<8 | int(b[com+3])
		want := append(bytes.Clone(b[:com]), b[com+2+lcom:]...)
		if got := assemble(cs.header, cs.data); !bytes.Equal(got, want) {
			t.Errorf("%s: rebuilt codestream differs from the original without COM", name)
		}
		t.Logf("%s: %d bytes, header %d (without COM), packet data %d", name, len(b), len(cs.header), len(cs.data))
	}
	if !bytes.Equal(headers[0], headers[1]) {
		t.Error("main headers differ between the lossless and the ratio-3 codestream")
	}
}

func TestParseCodestreamErrors(t *testing.T) {
	good := readVector(t, "mnist_t10k_0_opj250_n3_r3.j2k")
	for _, tc := range []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"no SOC", good[2:]},
		{"truncated header", good[:40]},
		{"truncated data", good[:len(good)-5]},
		{"trailing bytes", append(bytes.Clone(good), 0)},
		{"JPEG", []byte{0xff, 0xd8, 0xff, 0xd9}},
	} {
		if _, err := parseCodestream(tc.b); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

// FuzzParseCodestream: parsing arbitrary bytes returns an error or a split
// that reassembles into a codestream that parses to the same parts.
func FuzzParseCodestream(f *testing.F) {
	f.Add(readVector(f, "mnist_t10k_0_opj250_n3_r3.j2k"))
	f.Add(readVector(f, "mnist_t10k_0_opj250_n3_lossless.j2k"))
	f.Add([]byte{0xff, 0x4f, 0xff, 0x90})
	f.Fuzz(func(t *testing.T, b []byte) {
		cs, err := parseCodestream(b)
		if err != nil {
			return
		}
		cs2, err := parseCodestream(assemble(cs.header, cs.data))
		if err != nil || !bytes.Equal(cs2.header, cs.header) || !bytes.Equal(cs2.data, cs.data) {
			t.Fatalf("reassembled codestream does not parse back: %v", err)
		}
	})
}

// TestJ2KReferenceDecode decodes the reference packet data through the
// stripped-header path and compares with opj_decompress on the full file.
func TestJ2KReferenceDecode(t *testing.T) {
	needOpenJPEG(t)
	c, err := New(Config{Kind: J2K, Resolutions: 3}) // the options of the reference files
	if err != nil {
		t.Fatal(err)
	}
	cs, err := parseCodestream(readVector(t, "mnist_t10k_0_opj250_n3_r3.j2k"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Decode(nil, cs.data)
	if err != nil {
		t.Fatal(err)
	}
	if want := readVector(t, "mnist_t10k_0_opj250_n3_r3_decoded.raw"); !bytes.Equal(got, want) {
		t.Error("decoded image differs from opj_decompress on the full codestream")
	}
}

// TestJ2KLossless: with a budget above the lossless size, the reversible 5/3
// path of JPEG 2000 (T.800 Annex F) must reconstruct every pixel exactly.
func TestJ2KLossless(t *testing.T) {
	needOpenJPEG(t)
	c, err := New(Config{Kind: J2K, Budget: 784})
	if err != nil {
		t.Fatal(err)
	}
	d := mnist(t, 3)
	for i := range d.Len() {
		p, err := c.Encode(nil, d.Image(i))
		if err != nil {
			t.Fatal(err)
		}
		back, err := c.Decode(nil, p)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(back, d.Image(i)) {
			t.Errorf("image %d: lossless round trip differs (%d-byte payload)", i, len(p))
		}
	}
}

// TestBudget: every payload fits the budget, decodes, and a larger budget
// never lowers the mean quality.
func TestBudget(t *testing.T) {
	n := 12
	if testing.Short() {
		n = 4
	}
	d := mnist(t, n)
	for _, kind := range []Kind{J2K, JPEG} {
		t.Run(kind.String(), func(t *testing.T) {
			if kind == J2K {
				needOpenJPEG(t)
			}
			var prev float64
			for _, budget := range []int{120, 196, 260} {
				c, err := New(Config{Kind: kind, Budget: budget})
				if err != nil {
					t.Fatal(err)
				}
				st, err := Evaluate(c, d.Pixels, 2, nil)
				if err != nil {
					t.Fatal(err)
				}
				if st.Failures != 0 || st.MaxBytes > budget {
					t.Errorf("budget %d: %d failures, max %d bytes", budget, st.Failures, st.MaxBytes)
				}
				if st.MeanPSNR < prev {
					t.Errorf("budget %d: mean PSNR %.2f dB below the %.2f dB of a smaller budget", budget, st.MeanPSNR, prev)
				}
				prev = st.MeanPSNR
				t.Logf("budget %d: mean %.1f bytes, mean PSNR %.2f dB", budget, st.MeanBytes, st.MeanPSNR)
			}
		})
	}
}

// TestJPEGStripping: the payload is the quality byte plus exactly the scan of
// the full stream, whose header is the agreed one.
func TestJPEGStripping(t *testing.T) {
	c, err := New(Config{Kind: JPEG})
	if err != nil {
		t.Fatal(err)
	}
	j := c.impl.(*jpegCodec)
	img := mnist(t, 1).Image(0)
	p, err := c.Encode(nil, img)
	if err != nil {
		t.Fatal(err)
	}
	full, _ := j.encodeAt(img, int(p[0]))
	h, scan, err := splitJPEG(full)
	if err != nil {
		t.Fatal(err)
	}
	agreed, _ := j.header(int(p[0]))
	if !bytes.Equal(h, agreed) || !bytes.Equal(p[1:], scan) {
		t.Error("payload is not quality ‖ scan under the agreed header")
	}
	if len(full)-len(p) != len(h)+1 {
		t.Errorf("stripped %d bytes, want header %d + EOC 2 − quality byte 1", len(full)-len(p), len(h))
	}
	t.Logf("JPEG quality %d: full stream %d bytes, payload %d", p[0], len(full), len(p))
}

func TestFallback(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	hideLibrary(t)
	c, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Config().Kind != JPEG || c.Notice() == "" {
		t.Errorf("Auto without OpenJPEG: kind %v, notice %q; want jpeg with a notice", c.Config().Kind, c.Notice())
	}
	if b := c.Backend(); !strings.HasPrefix(b, "JPEG (") {
		t.Errorf("Backend() = %q, want the standard library's JPEG", b)
	}
	if _, err := New(Config{Kind: J2K}); err == nil {
		t.Error("explicit J2K without OpenJPEG: no error")
	}
}

func TestErrors(t *testing.T) {
	for _, cfg := range []Config{
		{Kind: 7}, {Rows: -1}, {Budget: 1}, {Resolutions: 9}, {Cols: 5000},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v): no error", cfg)
		}
	}
	c, _ := New(Config{Kind: JPEG})
	if _, err := c.Encode(nil, make([]byte, 10)); err == nil {
		t.Error("Encode of a wrong-size image: no error")
	}
	for _, p := range [][]byte{nil, {0}, {101, 1, 2}, {50, 1, 2, 3}, make([]byte, 197)} {
		if _, err := c.Decode(nil, p); !errors.Is(err, ErrPayload) {
			t.Errorf("Decode(%d bytes): err %v, want ErrPayload", len(p), err)
		}
	}
	var k Kind
	if k.UnmarshalText([]byte("png")) == nil {
		t.Error("UnmarshalText(png): no error")
	}
}

// FuzzDecodeJPEG: the receiver never panics on damaged payloads.
func FuzzDecodeJPEG(f *testing.F) {
	c, _ := New(Config{Kind: JPEG})
	img := make([]byte, 784)
	for i := range img {
		img[i] = byte(i * 3)
	}
	p, _ := c.Encode(nil, img)
	f.Add(p)
	f.Add([]byte{75})
	f.Add([]byte{1, 0xff, 0xd9})
	f.Fuzz(func(t *testing.T, p []byte) {
		out, err := c.Decode(nil, p)
		if err == nil && len(out) != 784 {
			t.Fatalf("decoded %d bytes without error", len(out))
		}
	})
}

func TestPSNR(t *testing.T) {
	a := []byte{0, 0, 0, 0}
	for _, tc := range []struct {
		b    []byte
		want float64
	}{
		{[]byte{0, 0, 0, 0}, MaxPSNR},
		{[]byte{255, 255, 255, 255}, 0},
		{[]byte{1, 1, 1, 1}, 48.13080360867910}, // 10·log10(255²)
	} {
		if got := PSNR(a, tc.b); fmt.Sprintf("%.9f", got) != fmt.Sprintf("%.9f", tc.want) {
			t.Errorf("PSNR(%v) = %v, want %v", tc.b, got, tc.want)
		}
	}
}

func BenchmarkEncode(b *testing.B) {
	img := mnist(b, 1).Image(0)
	for _, kind := range []Kind{J2K, JPEG} {
		b.Run(kind.String(), func(b *testing.B) {
			if kind == J2K {
				needOpenJPEG(b)
			}
			c, err := New(Config{Kind: kind})
			if err != nil {
				b.Fatal(err)
			}
			var p []byte
			for b.Loop() {
				p, _ = c.Encode(p, img)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "images/s")
		})
	}
}

// TestJ2KDamagedPayload: the receiver returns an image or ErrPayload for
// damaged packet data (as after a skipped MAC check), never hangs or panics.
func TestJ2KDamagedPayload(t *testing.T) {
	needOpenJPEG(t)
	c, err := New(Config{Kind: J2K})
	if err != nil {
		t.Fatal(err)
	}
	p, err := c.Encode(nil, mnist(t, 1).Image(0))
	if err != nil {
		t.Fatal(err)
	}
	for name, bad := range map[string][]byte{
		"truncated": p[:len(p)/2],
		"flipped":   func() []byte { q := bytes.Clone(p); q[3] ^= 0x5a; q[len(q)/2] ^= 0xff; return q }(),
		"zeros":     make([]byte, len(p)),
		"ff run":    bytes.Repeat([]byte{0xff}, 20),
	} {
		out, err := c.Decode(nil, bad)
		if err != nil && !errors.Is(err, ErrPayload) {
			t.Errorf("%s: error %v does not wrap ErrPayload", name, err)
		}
		if err == nil && len(out) != 784 {
			t.Errorf("%s: %d bytes without error", name, len(out))
		}
	}
}

// TestJ2KAdaptive: adaptive payloads name a known mode, and an unknown mode
// byte is rejected.
func TestJ2KAdaptive(t *testing.T) {
	needOpenJPEG(t)
	c, err := New(Config{Kind: J2K})
	if err != nil {
		t.Fatal(err)
	}
	d := mnist(t, 2)
	for i := range d.Len() {
		p, err := c.Encode(nil, d.Image(i))
		if err != nil {
			t.Fatal(err)
		}
		if p[0] != 1 && p[0] != 2 {
			t.Errorf("image %d: mode byte %d", i, p[0])
		}
		fixed, _ := New(Config{Kind: J2K, Resolutions: int(p[0]), Budget: DefaultBudget - 1})
		q, err := fixed.Encode(nil, d.Image(i))
		if err != nil || !bytes.Equal(q, p[1:]) {
			t.Errorf("image %d: adaptive payload is not the fixed-mode %d payload behind the mode byte", i, p[0])
		}
		bad := bytes.Clone(p)
		bad[0] = 7
		if _, err := c.Decode(nil, bad); !errors.Is(err, ErrPayload) {
			t.Errorf("mode byte 7: err %v, want ErrPayload", err)
		}
	}
}
