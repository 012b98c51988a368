package iqfile

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const vectorDir = "../../testvectors/iq"

func loadExpected(t *testing.T) map[string][]complex64 {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(vectorDir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string][][2]float64
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	out := map[string][]complex64{}
	for k, v := range raw {
		for _, p := range v {
			out[k] = append(out[k], complex(float32(p[0]), float32(p[1])))
		}
	}
	return out
}

func readAll(t testing.TB, f interface {
	Read([]complex64) ([]complex64, error)
}, block int) ([]complex64, error) {
	var all []complex64
	buf := make([]complex64, 0, block)
	for {
		out, err := f.Read(buf)
		all = append(all, out...)
		if err == io.EOF {
			return all, nil
		}
		if err != nil {
			return all, err
		}
	}
}

func near(a, b []complex64, tol float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(float64(real(a[i]-b[i]))) > tol || math.Abs(float64(imag(a[i]-b[i]))) > tol {
			return false
		}
	}
	return true
}

// TestReference reads recordings written by an independent Python script
// (testvectors/iq/make_reference.py) and checks our encoder reproduces them.
func TestReference(t *testing.T) {
	exp := loadExpected(t)
	t.Run("sigmf cf32", func(t *testing.T) {
		f, err := Open(filepath.Join(vectorDir, "tone_cf32.sigmf-meta"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if f.Datatype != CF32LE || f.Samples != 16 || f.SampleRate() != 48000 {
			t.Fatalf("datatype %v samples %d rate %v", f.Datatype, f.Samples, f.SampleRate())
		}
		a := f.Meta.Annotations
		if len(a) != 2 || a[0].Label != "first half" || a[1].SampleStart != 8 {
			t.Fatalf("annotations not sorted: %+v", a)
		}
		if c := f.Meta.Captures; len(c) != 1 || c[0].Frequency != 915e6 {
			t.Fatalf("captures %+v", c)
		}
		got, err := readAll(t, f, 5)
		if err != nil || !near(got, exp["cf32"], 0) {
			t.Fatalf("samples %v err %v", got, err)
		}
	})
	for _, tc := range []struct {
		file string
		dt   Datatype
		key  string
	}{{"tone.ci16", CI16LE, "ci16"}, {"tone.cu8", CU8, "cu8"}} {
		t.Run("raw "+tc.key, func(t *testing.T) {
			path := filepath.Join(vectorDir, tc.file)
			f, err := OpenRaw(path, tc.dt)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			got, err := readAll(t, f, 3)
			if err != nil || !near(got, exp[tc.key], 1e-6) {
				t.Fatalf("samples %v want %v err %v", got, exp[tc.key], err)
			}
			var buf bytes.Buffer
			if err := NewWriter(&buf, tc.dt).Write(exp["cf32"]); err != nil {
				t.Fatal(err)
			}
			want, _ := os.ReadFile(path)
			if !bytes.Equal(buf.Bytes(), want) {
				t.Fatalf("encoder output %x, reference %x", buf.Bytes(), want)
			}
		})
	}
}

func TestRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	src := make([]complex64, 10000)
	for i := range src {
		src[i] = complex(float32(rng.NormFloat64()*0.3), float32(rng.NormFloat64()*0.3))
	}
	// Quantisation error bound: half a step of the integer grid.
	for _, tc := range []struct {
		dt  Datatype
		tol float64
	}{{CF32LE, 0}, {CI16LE, 0.5 / 32767}, {CU8, 0.5 / 127.5}} {
		t.Run(tc.dt.String(), func(t *testing.T) {
			dir := t.TempDir()
			w, err := Create(filepath.Join(dir, "rec"), Meta{Global: Global{Datatype: tc.dt.String(), SampleRate: 1e6}})
			if err != nil {
				t.Fatal(err)
			}
			in := make([]complex64, len(src))
			for i, v := range src { // clip to full scale so the bound holds
				in[i] = complex(float32(math.Max(-1, math.Min(1, float64(real(v))))), float32(math.Max(-1, math.Min(1, float64(imag(v))))))
			}
			for i := 0; i < len(in); i += 777 {
				if err := w.Write(in[i:min(i+777, len(in))]); err != nil {
					t.Fatal(err)
				}
			}
			w.Annotate(Annotation{SampleStart: 100, SampleCount: 50, Label: "frame 1"})
			w.Annotate(Annotation{SampleStart: 10, SampleCount: 50, Label: "frame 0"})
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			f, err := Open(filepath.Join(dir, "rec.sigmf-data"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if f.Samples != int64(len(in)) || f.Meta.Annotations[0].Label != "frame 0" || f.Meta.Global.SHA512 == "" {
				t.Fatalf("samples %d meta %+v", f.Samples, f.Meta)
			}
			got, err := readAll(t, f, 1000)
			if err != nil {
				t.Fatal(err)
			}
			if !near(got, in, tc.tol+1e-7) {
				t.Fatal("round trip outside the quantisation bound")
			}
		})
	}
}

func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func cf32Bytes(v ...float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

func TestBadInput(t *testing.T) {
	const goodMeta = `{"global":{"core:datatype":"cf32_le","core:version":"1.2.0","core:sample_rate":1000},"captures":[{"core:sample_start":0}],"annotations":[]}`
	nan := float32(math.NaN())
	tests := []struct {
		name   string
		meta   string // "" = raw cf32 file
		data   []byte
		want   error  // errors.Is target, nil = any error
		substr string // must appear in the message
	}{
		{"malformed json", `{"global":{"core:datatype":"cf32_le",}`, nil, ErrMeta, "offset"},
		{"wrong type", `{"global":{"core:datatype":5}}`, nil, ErrMeta, "offset"},
		{"trailing garbage", goodMeta + "x", nil, ErrMeta, "offset"},
		{"missing datatype", `{"global":{"core:version":"1.2.0"}}`, nil, ErrMeta, "core:datatype missing"},
		{"unknown datatype", `{"global":{"core:datatype":"cf64_le","core:version":"1.2.0"}}`, nil, ErrMeta, "cf64_le"},
		{"big endian", `{"global":{"core:datatype":"cf32_be","core:version":"1.2.0"}}`, nil, ErrMeta, "cf32_be"},
		{"missing version", `{"global":{"core:datatype":"cf32_le"}}`, nil, ErrMeta, "core:version"},
		{"version 2", `{"global":{"core:datatype":"cf32_le","core:version":"2.0.0"}}`, nil, ErrMeta, "2.0.0"},
		{"negative rate", `{"global":{"core:datatype":"cf32_le","core:version":"1.0.0","core:sample_rate":-1}}`, nil, ErrMeta, "sample_rate"},
		{"two channels", `{"global":{"core:datatype":"cf32_le","core:version":"1.0.0","core:num_channels":2}}`, nil, ErrMeta, "num_channels"},
		{"unsorted captures", `{"global":{"core:datatype":"cf32_le","core:version":"1.0.0"},"captures":[{"core:sample_start":5},{"core:sample_start":1}]}`, []byte{}, ErrMeta, "captures[1]"},
		{"partial sample", goodMeta, cf32Bytes(1, 2, 3), ErrTruncated, "offset 8"},
		{"annotation past end", `{"global":{"core:datatype":"cf32_le","core:version":"1.0.0"},"annotations":[{"core:sample_start":1,"core:sample_count":5}]}`, cf32Bytes(1, 2, 3, 4), nil, "truncated"},
		{"capture past end", `{"global":{"core:datatype":"cf32_le","core:version":"1.0.0"},"captures":[{"core:sample_start":9}]}`, cf32Bytes(1, 2), nil, "truncated"},
		{"NaN sample", goodMeta, cf32Bytes(1, 2, 3, nan, 5, 6), ErrNonFinite, "offset 8 (sample 1)"},
		{"Inf sample", "", cf32Bytes(1, 2, float32(math.Inf(1)), 0), ErrNonFinite, "offset 8"},
		{"sha mismatch", `{"global":{"core:datatype":"cf32_le","core:version":"1.0.0","core:sha512":"00"}}`, cf32Bytes(1, 2), ErrChecksum, "rec.sigmf-data"},
		{"raw partial", "", cf32Bytes(1, 2, 3), ErrTruncated, "offset 8"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			var err error
			var f *File
			if tc.meta == "" {
				f, err = OpenRaw(writeFile(t, dir, "rec.cf32", tc.data), CF32LE)
			} else {
				writeFile(t, dir, "rec.sigmf-meta", []byte(tc.meta))
				writeFile(t, dir, "rec.sigmf-data", tc.data)
				f, err = Open(filepath.Join(dir, "rec"))
			}
			if err == nil {
				_, err = readAll(t, f, 2)
				f.Close()
			}
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) || !strings.Contains(err.Error(), tc.substr) {
				t.Fatalf("err = %v, want %v containing %q", err, tc.want, tc.substr)
			}
			if !strings.Contains(err.Error(), "rec") {
				t.Fatalf("error %q does not name the file", err)
			}
		})
	}
}

func TestDatatypeText(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Datatype
	}{{"cf32_le", CF32LE}, {"cf32", CF32LE}, {"fc32", CF32LE}, {"ci16_le", CI16LE}, {"sc16", CI16LE}, {"cu8", CU8}} {
		var d Datatype
		if err := d.UnmarshalText([]byte(tc.in)); err != nil || d != tc.want {
			t.Fatalf("%q: %v %v", tc.in, d, err)
		}
	}
	for _, bad := range []string{"", "cf64_le", "ri8", "cf32_be"} {
		if _, err := ParseDatatype(bad); err == nil {
			t.Fatalf("%q accepted", bad)
		}
	}
	if Datatype(9).SampleSize() != 0 || Datatype(9).String() != "datatype(9)" {
		t.Fatal("invalid datatype")
	}
}

func TestClipping(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf, CI16LE)
	if err := w.Write([]complex64{complex(2, 0), complex(0.5, -1.5), complex(float32(math.NaN()), 0)}); err != nil {
		t.Fatal(err)
	}
	if w.Clipped() != 3 || w.Samples() != 3 {
		t.Fatalf("clipped %d samples %d", w.Clipped(), w.Samples())
	}
}

func TestSourceLoopAndRate(t *testing.T) {
	var buf bytes.Buffer
	in := []complex64{1, 2, 3, 4, 5}
	if err := NewWriter(&buf, CF32LE).Write(in); err != nil {
		t.Fatal(err)
	}
	s, err := NewSource(bytes.NewReader(buf.Bytes()), CF32LE, "mem", 8, SourceConfig{Loop: true, Rate: 1000})
	if err != nil {
		t.Fatal(err)
	}
	// A fake clock: time only moves when the source sleeps.
	var now time.Time
	s.now = func() time.Time { return now }
	s.sleep = func(d time.Duration) { now = now.Add(d) }
	var got []complex64
	block := make([]complex64, 0, 3)
	for len(got) < 12 {
		out, err := s.Read(block)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, out...)
	}
	if fmt.Sprint(got[:12]) != fmt.Sprint([]complex64{2, 3, 4, 5, 2, 3, 4, 5, 2, 3, 4, 5}) {
		t.Fatalf("looped %v", got)
	}
	// 1000 samples/s: after n samples the clock must read at least n ms.
	if want := time.Duration(len(got)) * time.Millisecond; now.Sub(time.Time{}) != want {
		t.Fatalf("clock %v after %d samples, want %v", now.Sub(time.Time{}), len(got), want)
	}
	empty, _ := NewSource(bytes.NewReader(nil), CF32LE, "empty", 0, SourceConfig{Loop: true})
	if _, err := empty.Read(block); err == nil || err == io.EOF {
		t.Fatalf("looping an empty file: %v", err)
	}
	if _, err := NewSource(bytes.NewReader(nil), CF32LE, "x", 0, SourceConfig{Rate: -1}); err == nil {
		t.Fatal("negative rate accepted")
	}
}

func TestReaderNoAllocs(t *testing.T) {
	data := make([]byte, 8*1024*200)
	for _, dt := range []Datatype{CF32LE, CI16LE, CU8} {
		br := bytes.NewReader(data)
		r := NewReader(br, dt, "mem", 0)
		dst := make([]complex64, 0, 1024)
		var err error
		dst, err = r.Read(dst) // grow scratch
		if err != nil {
			t.Fatal(err)
		}
		if n := testing.AllocsPerRun(100, func() { dst, err = r.Read(dst) }); n != 0 || err != nil {
			t.Fatalf("%v: Read %v allocs, err %v", dt, n, err)
		}
		w := NewWriter(io.Discard, dt)
		_ = w.Write(dst)
		if n := testing.AllocsPerRun(100, func() { err = w.Write(dst) }); n != 0 || err != nil {
			t.Fatalf("%v: Write %v allocs, err %v", dt, n, err)
		}
	}
}

func FuzzParseMeta(f *testing.F) {
	seed, _ := os.ReadFile(filepath.Join(vectorDir, "tone_cf32.sigmf-meta"))
	f.Add(seed)
	f.Add([]byte(`{"global":{"core:datatype":"cu8","core:version":"1.0.0"},"captures":[],"annotations":[{"core:sample_start":3}]}`))
	f.Add([]byte(`{"global":{"core:datatype":"ci16_le","core:version":"1.2.0","core:sample_rate":1e300}}`))
	f.Add([]byte(`{`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseMeta(data, "fuzz.sigmf-meta")
		if err != nil {
			if !errors.Is(err, ErrMeta) {
				t.Fatalf("error %v does not wrap ErrMeta", err)
			}
			return
		}
		b, err := m.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		m2, err := ParseMeta(b, "again")
		if err != nil {
			t.Fatalf("re-parse of marshalled metadata: %v\n%s", err, b)
		}
		if m2.Global.Datatype != m.Global.Datatype || len(m2.Annotations) != len(m.Annotations) || len(m2.Captures) != len(m.Captures) {
			t.Fatal("round trip changed the metadata")
		}
	})
}

func FuzzReader(f *testing.F) {
	for _, name := range []string{"tone_cf32.sigmf-data", "tone.ci16", "tone.cu8"} {
		b, _ := os.ReadFile(filepath.Join(vectorDir, name))
		f.Add(b, uint8(CF32LE), uint8(7))
	}
	f.Add(cf32Bytes(1, float32(math.NaN()), 2), uint8(CF32LE), uint8(1))
	f.Add([]byte{1, 2, 3}, uint8(CI16LE), uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, dtb, block uint8) {
		dt := Datatype(dtb%3 + 1)
		r := NewReader(bytes.NewReader(data), dt, "fuzz", 0)
		got, err := readAll(t, r, int(block%64)+1)
		ss := dt.SampleSize()
		switch {
		case err == nil:
			if len(data)%ss != 0 || len(got) != len(data)/ss {
				t.Fatalf("%d bytes of %v: %d samples, no error", len(data), dt, len(got))
			}
		case errors.Is(err, ErrTruncated):
			if len(data)%ss == 0 {
				t.Fatalf("truncation reported for a whole number of samples: %v", err)
			}
		case errors.Is(err, ErrNonFinite):
			if dt != CF32LE {
				t.Fatalf("non-finite %v sample: %v", dt, err)
			}
		default:
			t.Fatalf("unexpected error %v", err)
		}
		for _, v := range got {
			if math.IsNaN(float64(real(v))) || math.IsInf(float64(imag(v)), 0) || math.IsNaN(float64(imag(v))) || math.IsInf(float64(real(v)), 0) {
				t.Fatal("non-finite sample returned")
			}
		}
	})
}

func BenchmarkRead(b *testing.B) {
	for _, dt := range []Datatype{CF32LE, CI16LE, CU8} {
		b.Run(dt.String(), func(b *testing.B) {
			const n = 1 << 16
			data := make([]byte, n*dt.SampleSize())
			br := bytes.NewReader(data)
			r := NewReader(br, dt, "mem", 0)
			dst := make([]complex64, 0, n)
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				br.Reset(data)
				r.reset(br, 0)
				dst, _ = r.Read(dst)
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
		})
	}
}

func BenchmarkWrite(b *testing.B) {
	for _, dt := range []Datatype{CF32LE, CI16LE, CU8} {
		b.Run(dt.String(), func(b *testing.B) {
			src := make([]complex64, 1<<16)
			w := NewWriter(io.Discard, dt)
			b.SetBytes(int64(len(src) * dt.SampleSize()))
			for b.Loop() {
				_ = w.Write(src)
			}
			b.ReportMetric(float64(len(src))*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
		})
	}
}
