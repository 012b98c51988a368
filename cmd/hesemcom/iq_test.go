package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/pcapgo"

	"github.com/hesemcom/hesemcom/modem/iqfile"
	"github.com/hesemcom/hesemcom/modem/pulse"
	"github.com/hesemcom/hesemcom/modem/qam"
	"github.com/hesemcom/hesemcom/phy/frame"
	"github.com/hesemcom/hesemcom/pipeline"
)

func skipShortIQ(t *testing.T) {
	if testing.Short() {
		t.Skip("CLI round trips skipped under -short")
	}
}

type replayJSON struct {
	Mode           string   `json:"mode"`
	FramesExpected *int     `json:"frames_expected"`
	FramesFound    int      `json:"frames_found"`
	CRCOK          int      `json:"crc_ok"`
	CRCFailed      int      `json:"crc_failed"`
	BadHeader      int      `json:"bad_header"`
	Truncated      int      `json:"truncated"`
	Symbols        int64    `json:"symbols"`
	Bits           int64    `json:"bits"`
	BitsCompared   int64    `json:"bits_compared"`
	BitErrors      int64    `json:"bit_errors"`
	BER            *float64 `json:"ber"`
	EVMPercent     float64  `json:"evm_percent"`
	Frames         []struct {
		Sample  int64   `json:"sample"`
		Outcome string  `json:"outcome"`
		Seq     uint32  `json:"seq"`
		CFOHz   float64 `json:"cfo_hz"`
	} `json:"frames"`
}

func replay(t *testing.T, args ...string) replayJSON {
	t.Helper()
	code, out, stderr := runCLI(t, append([]string{"iq", "replay", "--json"}, args...)...)
	if code != 0 {
		t.Fatalf("replay %v: exit %d: %s", args, code, stderr)
	}
	var r replayJSON
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return r
}

func record(t *testing.T, args ...string) recordResult {
	t.Helper()
	code, out, stderr := runCLI(t, append([]string{"iq", "record", "--json"}, args...)...)
	if code != 0 {
		t.Fatalf("record %v: exit %d: %s", args, code, stderr)
	}
	var r recordResult
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return r
}

// TestIQRoundTrip records every modulation through a channel (random
// offset with noise before the first frame, CFO, phase, AWGN) in each
// datatype and replays it from the file alone: every frame must be found at
// the annotated sample and decode without a bit error. The Es/N0 is chosen
// so that the uncoded symbol error rate is below 1e-7 (Q(x) < 1e-7 needs
// x > 5.2: BPSK Es/N0 > 13.5 dB, QPSK 14.3, 16-QAM 21.5, 64-QAM 27.7,
// 256-QAM 33.8 dB; plus margin for the estimated phase and gain), i.e. fewer
// than 1e-3 expected errors over the ~4000 symbols of the whole test.
func TestIQRoundTrip(t *testing.T) {
	skipShortIQ(t)
	rng := rand.New(rand.NewPCG(11, 0))
	cases := []struct {
		mod, format, datatype string
		snr                   string
		sps                   string
	}{
		{"bpsk", "sigmf", "cf32_le", "15", "4"},
		{"pi2bpsk", "sigmf", "cu8", "16", "2"},
		{"qpsk", "sigmf", "ci16_le", "18", "4"},
		{"16qam", "cf32", "", "25", "4"},
		{"64qam", "ci16", "", "31", "8"},
		{"256qam", "sigmf", "ci16_le", "38", "4"},
	}
	for _, tc := range cases {
		t.Run(tc.mod+"/"+tc.format+tc.datatype, func(t *testing.T) {
			dir := t.TempDir()
			out := filepath.Join(dir, "rec")
			args := []string{out, "--mod", tc.mod, "--format", tc.format, "--frames", "3", "--payload-bytes", "120",
				"--payload-seed", "9", "--snr", tc.snr, "--sps", tc.sps, "--cfo", fmt.Sprint(rng.IntN(2000) - 1000),
				"--phase", fmt.Sprint(rng.IntN(360)), "--offset", fmt.Sprint(rng.IntN(5000)), "--seed", fmt.Sprint(rng.Uint64())}
			if tc.datatype != "" {
				args = append(args, "--datatype", tc.datatype)
			}
			rec := record(t, args...)
			if rec.Clipped != 0 {
				t.Fatalf("%d clipped components", rec.Clipped)
			}
			file := out
			if tc.format != "sigmf" {
				file = out // raw file written under the given name
			}
			r := replay(t, file, "--format", tc.format, "--mod", tc.mod, "--sps", tc.sps, "--payload-seed", "9", "--sample-rate", "1e6")
			if r.FramesFound != 3 || r.CRCOK != 3 || r.BitErrors != 0 || r.BER == nil || r.BitsCompared != 3*8*(120+frame.Overhead) {
				t.Fatalf("replay: %+v", r)
			}
			delay := (len(mustRRC(t, tc.sps)) - 1) / 2
			if got, want := r.Frames[0].Sample, int64(rec.Offset+delay); got != want {
				t.Fatalf("first frame at sample %d, want %d", got, want)
			}
			for i, f := range r.Frames {
				if f.Seq != uint32(i) {
					t.Fatalf("frame %d has seq %d", i, f.Seq)
				}
			}
			if tc.format == "sigmf" {
				if r.FramesExpected == nil || *r.FramesExpected != 3 {
					t.Fatalf("frames_expected %v", r.FramesExpected)
				}
				code, info, _ := runCLI(t, "iq", "info", "--json", out)
				var inf struct {
					Samples     int64             `json:"samples"`
					Datatype    string            `json:"datatype"`
					Annotations []json.RawMessage `json:"annotations"`
				}
				if code != 0 || json.Unmarshal([]byte(info), &inf) != nil || inf.Samples != rec.Samples || len(inf.Annotations) != 3 || inf.Datatype != tc.datatype {
					t.Fatalf("info: %s", info)
				}
			}
		})
	}
}

func mustRRC(t *testing.T, sps string) []float32 {
	var n int
	fmt.Sscan(sps, &n)
	taps, err := pulse.RRC(pulse.Config{Rolloff: 0.35, Span: pulse.DefaultSpan, SPS: n})
	if err != nil {
		t.Fatal(err)
	}
	return taps
}

// TestIQCustomConstellation records with a QPSK whose bit labels differ
// from TS 38.211 (natural order counter-clockwise) and replays it with the
// same --constellation file (no errors) and with the 3GPP mapping (which
// must not decode a single frame).
func TestIQCustomConstellation(t *testing.T) {
	skipShortIQ(t)
	dir := t.TempDir()
	con := filepath.Join(dir, "qpsk_natural.txt")
	if err := os.WriteFile(con, []byte("# label 00, 01, 10, 11\n1 1\n-1 1\n-1 -1\n1 -1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "rec")
	record(t, out, "--mod", "custom", "--constellation", con, "--frames", "4", "--payload-bytes", "50", "--snr", "15", "--cfo", "300", "--offset", "999")
	r := replay(t, out, "--mod", "custom", "--constellation", con, "--payload-seed", "1")
	if r.CRCOK != 4 || r.BitErrors != 0 {
		t.Fatalf("custom replay: %+v", r)
	}
	r = replay(t, out, "--mod", "qpsk", "--payload-seed", "1")
	if r.CRCOK != 0 || r.BadHeader+r.CRCFailed != 4 {
		t.Fatalf("3GPP replay of a custom mapping decoded frames: %+v", r)
	}
}

// TestIQReplayOffset replays recordings made without our framing, as
// another SDR tool writes them (RRC-shaped 16-QAM after some leading
// samples), with --offset and compares the bits.
func TestIQReplayOffset(t *testing.T) {
	skipShortIQ(t)
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(4, 4))
	con := qam.MustNew(qam.QAM16)
	bitsIn := make([]byte, 4*3000)
	for i := range bitsIn {
		bitsIn[i] = byte(rng.IntN(2))
	}
	sym, err := con.Map(nil, bitsIn)
	if err != nil {
		t.Fatal(err)
	}
	cfg := pulse.Config{Rolloff: 0.25, Span: 10, SPS: 5}
	sh, _ := pulse.NewRRCShaper(cfg)
	wave, _ := sh.Shape(nil, append(sym, make([]complex64, cfg.Span)...))
	lead := 321
	x := append(make([]complex64, lead), wave...)
	for i := range x {
		x[i] *= 0.7 // amplitude differs from ours
	}
	refPath := filepath.Join(dir, "ref.bits")
	if err := os.WriteFile(refPath, bitsIn, 0o644); err != nil {
		t.Fatal(err)
	}
	k := lead + cfg.Span*cfg.SPS/2 // first symbol's peak
	for _, format := range []string{"cf32", "ci16", "cu8"} {
		t.Run(format, func(t *testing.T) {
			path := filepath.Join(dir, "foreign."+format)
			fh, _ := os.Create(path)
			dt, _ := iqfile.ParseDatatype(format)
			if err := iqfile.NewWriter(fh, dt).Write(x); err != nil {
				t.Fatal(err)
			}
			fh.Close()
			outBits := filepath.Join(dir, "out.bits")
			outSym := filepath.Join(dir, "out.cf32")
			r := replay(t, path, "--format", format, "--mod", "16qam", "--sps", "5", "--rolloff", "0.25", "--span", "10",
				"--offset", fmt.Sprint(k), "--ref-bits", refPath, "--out-bits", outBits, "--out-symbols", outSym)
			if r.Mode != "offset" || r.BitsCompared != int64(len(bitsIn)) || r.BitErrors != 0 {
				t.Fatalf("offset replay: %+v", r)
			}
			got, _ := os.ReadFile(outBits)
			if !bytes.Equal(got[:len(bitsIn)], bitsIn) {
				t.Fatal("--out-bits differ from the reference")
			}
			f, err := iqfile.OpenRaw(outSym, iqfile.CF32LE)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if f.Samples != r.Symbols || f.Samples < int64(len(sym)) {
				t.Fatalf("%d symbols written, %d reported", f.Samples, r.Symbols)
			}
		})
	}
}

// TestIQCorruptedFrame overwrites part of one frame in a recording: the
// receiver must report it (CRC failure or bad header), decode the others,
// and write every decoded frame to the pcap, the corrupted one with an
// error layer.
func TestIQCorruptedFrame(t *testing.T) {
	skipShortIQ(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "rec")
	rec := record(t, out, "--frames", "3", "--payload-bytes", "80", "--snr", "25", "--offset", "100")
	f, err := iqfile.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	a := f.Meta.Annotations[1]
	f.Close()
	// Flip the sign of 40 samples in the payload part of frame 1 (well after
	// its preamble and header).
	data, _ := os.ReadFile(out + iqfile.DataExt)
	start := int(a.SampleStart) + int(a.SampleCount)*2/3
	for i := start * 8; i < (start+40)*8; i += 4 {
		data[i+3] ^= 0x80 // float32 sign bit
	}
	os.WriteFile(out+iqfile.DataExt, data, 0o644)
	os.Remove(out + iqfile.MetaExt) // the checksum no longer matches: replay as raw
	pcapPath := filepath.Join(dir, "rx.pcap")
	r := replay(t, out+iqfile.DataExt, "--format", "cf32", "--payload-seed", "1", "--pcap", pcapPath, "--sample-rate", fmt.Sprint(rec.SampleRate))
	if r.CRCOK != 2 || r.CRCFailed != 1 || r.Frames[1].Outcome != "crc_failed" || r.BitErrors == 0 {
		t.Fatalf("corrupted replay: %+v", r)
	}
	fh, err := os.Open(pcapPath)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	pr, err := pcapgo.NewReader(fh)
	if err != nil {
		t.Fatal(err)
	}
	var n, bad int
	for {
		d, ci, err := pr.ReadPacketData()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		p := gopacket.NewPacket(d, pr.LinkType(), gopacket.Default)
		if p.ErrorLayer() != nil {
			bad++
		}
		if want := r.Frames[n].Sample * 1000; ci.Timestamp.UnixNano() != want { // 1 MHz: 1 µs per sample
			t.Fatalf("packet %d at %d ns, want %d", n, ci.Timestamp.UnixNano(), want)
		}
		n++
	}
	if n != 3 || bad != 1 {
		t.Fatalf("pcap holds %d frames, %d with errors", n, bad)
	}
}

func TestIQBadInput(t *testing.T) {
	skipShortIQ(t)
	dir := t.TempDir()
	meta := filepath.Join(dir, "bad.sigmf-meta")
	os.WriteFile(meta, []byte(`{"global":{"core:datatype":"cf32_le",`), 0o644)
	odd := filepath.Join(dir, "odd.cf32")
	os.WriteFile(odd, make([]byte, 12), 0o644)
	taps := filepath.Join(dir, "taps.txt")
	os.WriteFile(taps, []byte("0.1\nNaN\n"), 0o644)
	for _, tc := range []struct {
		args   []string
		code   int
		substr string
	}{
		{[]string{"iq", "replay", meta}, 1, "bad.sigmf-meta"},
		{[]string{"iq", "replay", odd}, 1, "odd.cf32: offset 8"},
		{[]string{"iq", "info", filepath.Join(dir, "missing.cf32")}, 1, "missing.cf32"},
		{[]string{"iq", "replay", odd, "--mod", "custom"}, 2, "--constellation"},
		{[]string{"iq", "replay", odd, "--mod", "8psk"}, 2, "8psk"},
		{[]string{"iq", "replay", odd, "--taps", taps, "--rolloff", "0.2"}, 2, "taps"},
		{[]string{"iq", "replay", odd, "--taps", taps}, 1, "line 2"},
		{[]string{"iq", "replay", odd, "--format", "wav"}, 2, "wav"},
		{[]string{"iq", "record", filepath.Join(dir, "r"), "--cfo", "1e5"}, 2, "--cfo"},
	} {
		t.Run(strings.Join(tc.args[1:2], " ")+"/"+tc.substr, func(t *testing.T) {
			code, _, stderr := runCLI(t, tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.substr) {
				t.Fatalf("exit %d (want %d), stderr %q (want %q)", code, tc.code, stderr, tc.substr)
			}
		})
	}
}

// TestTapsFile checks --taps gives the same result as the RRC it lists.
func TestIQTapsFile(t *testing.T) {
	skipShortIQ(t)
	dir := t.TempDir()
	taps, _ := pulse.RRC(pulse.Config{Rolloff: 0.35, SPS: 4})
	var sb strings.Builder
	for _, v := range taps {
		fmt.Fprintf(&sb, "%.9g\n", v)
	}
	tf := filepath.Join(dir, "rrc.txt")
	os.WriteFile(tf, []byte(sb.String()), 0o644)
	out := filepath.Join(dir, "rec")
	record(t, out, "--taps", tf, "--frames", "2", "--snr", "20")
	r := replay(t, out, "--taps", tf, "--payload-seed", "1")
	if r.CRCOK != 2 || r.BitErrors != 0 || math.IsNaN(r.EVMPercent) {
		t.Fatalf("%+v", r)
	}
}

// TestIQFileBlocks wires the iqfile reader and writer as pipeline blocks the
// way sim/link does: a looping file source (2.5 passes over a recording) →
// a gain stage → a SigMF file sink, and checks the sink's file.
func TestIQFileBlocks(t *testing.T) {
	dir := t.TempDir()
	in := make([]complex64, 1000)
	for i := range in {
		in[i] = complex(float32(i), -float32(i))
	}
	w, err := iqfile.Create(filepath.Join(dir, "in"), iqfile.Meta{Global: iqfile.Global{SampleRate: 1e6}})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(in); err != nil || w.Close() != nil {
		t.Fatal(err)
	}
	src, err := iqfile.Open(filepath.Join(dir, "in"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if err := src.SetSource(0, iqfile.SourceConfig{Loop: true}); err != nil {
		t.Fatal(err)
	}
	sink, err := iqfile.Create(filepath.Join(dir, "out"), iqfile.Meta{Global: iqfile.Global{SampleRate: 1e6}})
	if err != nil {
		t.Fatal(err)
	}
	const total = 2500
	g := pipeline.New()
	pool := pipeline.NewPool[complex64](256)
	frames := pipeline.Source(g, "file source", func(ctx context.Context, emit pipeline.Emit[complex64]) error {
		for n := 0; n < total; {
			f := pool.Get()
			items, err := src.Read(f.Items[:0:min(cap(f.Items), total-n)])
			if err != nil {
				f.Release()
				return err
			}
			f.Items, f.Offset = items, int64(n)
			n += len(items)
			if err := emit(f); err != nil {
				return err
			}
		}
		return nil
	})
	scaled := pipeline.MapInPlace(g, "gain", frames, func(dst, src []complex64) ([]complex64, error) {
		dst = dst[:len(src)] // dst is src[:0]: same storage
		for i, v := range src {
			dst[i] = 2 * v
		}
		return dst, nil
	})
	pipeline.Sink(g, "file sink", scaled, func(f *pipeline.Frame[complex64]) error { return sink.Write(f.Items) })
	if err := g.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := sink.Close(); err != nil {
		t.Fatal(err)
	}
	out, err := iqfile.Open(filepath.Join(dir, "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	got := make([]complex64, 0, total+1)
	got, err = out.Read(got)
	if err != nil || len(got) != total {
		t.Fatalf("read %d samples: %v", len(got), err)
	}
	for i, v := range got {
		if v != 2*in[i%len(in)] {
			t.Fatalf("sample %d = %v, want %v", i, v, 2*in[i%len(in)])
		}
	}
}

func FuzzReadTaps(f *testing.F) {
	f.Add([]byte("0.1\n0.5\n# comment\n0.1, 0.2\n"))
	f.Add([]byte("1e40\n"))
	f.Add([]byte("NaN"))
	f.Fuzz(func(t *testing.T, data []byte) {
		taps, err := readTaps(bytes.NewReader(data), "fuzz")
		if err != nil {
			return
		}
		nonzero := false
		for _, v := range taps {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				t.Fatalf("non-finite tap %v accepted", v)
			}
			nonzero = nonzero || v != 0
		}
		if len(taps) == 0 || !nonzero || len(taps) > 1<<16 {
			t.Fatalf("%d taps accepted", len(taps))
		}
	})
}

// TestIQCutRecording replays a raw recording that starts inside the first
// frame and ends inside the last: the cut frames are not decoded as good
// ones (the first has no preamble left, the last is reported truncated),
// the middle ones decode.
func TestIQCutRecording(t *testing.T) {
	skipShortIQ(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "rec")
	record(t, out, "--frames", "4", "--payload-bytes", "100", "--snr", "20", "--offset", "50")
	f, err := iqfile.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	ann := f.Meta.Annotations
	f.Close()
	data, _ := os.ReadFile(out + iqfile.DataExt)
	from := int(ann[0].SampleStart + ann[0].SampleCount/3) // inside frame 0's payload
	to := int(ann[3].SampleStart + ann[3].SampleCount/2)   // inside frame 3's payload
	cut := filepath.Join(dir, "cut.cf32")
	os.WriteFile(cut, data[8*from:8*to], 0o644)
	r := replay(t, cut, "--payload-seed", "1")
	if r.CRCOK != 2 || r.Truncated != 1 || r.Frames[0].Seq != 1 || r.Frames[1].Seq != 2 || r.Frames[2].Outcome != "truncated" {
		t.Fatalf("cut replay: %+v", r)
	}
	if want := int64(ann[1].SampleStart) - int64(from) + 24; r.Frames[0].Sample != want { // 24: RRC delay at sps 4, span 12
		t.Fatalf("frame 1 at %d, want %d", r.Frames[0].Sample, want)
	}
}

// TestIQFractionalTiming records with timing offsets that are fractions of
// a sample; the receiver fits the timing and interpolates there. The timing
// and interpolation error floor is specified below −34 dB at 2 and 4
// samples per symbol (sync's interpolator alone is below −44 dB there), so
// the EVM must stay within the noise (Es/N0 = 40 dB: 1 %) plus that floor,
// and 256-QAM must decode without errors.
func TestIQFractionalTiming(t *testing.T) {
	skipShortIQ(t)
	dir := t.TempDir()
	for _, sps := range []string{"2", "4"} {
		for _, d := range []string{"0.5", "-0.3", "0.8"} {
			t.Run("sps="+sps+"/delay="+d, func(t *testing.T) {
				out := filepath.Join(dir, "rec"+sps+d)
				record(t, out, "--mod", "256qam", "--sps", sps, "--frames", "2", "--payload-bytes", "300", "--snr", "40", "--delay", d, "--cfo", "500", "--offset", "77")
				r := replay(t, out, "--mod", "256qam", "--sps", sps, "--payload-seed", "1")
				nsym := float64(r.Symbols)
				bound := 100 * math.Sqrt(1e-4*(1+5/math.Sqrt(nsym))+math.Pow(10, -3.4))
				if r.CRCOK != 2 || r.BitErrors != 0 || r.EVMPercent > bound {
					t.Fatalf("EVM %.2f %% (bound %.2f), %+v", r.EVMPercent, bound, r)
				}
			})
		}
	}
}
