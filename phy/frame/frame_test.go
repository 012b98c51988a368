package frame

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/pcapgo"
)

var update = flag.Bool("update", false, "rewrite golden files in testvectors/frame")

const vectorDir = "../../testvectors/frame"

type refCase struct {
	Name       string `json:"name"`
	Version    uint8  `json:"version"`
	Type       uint8  `json:"type"`
	KeyID      uint16 `json:"key_id"`
	Seq        uint32 `json:"seq"`
	PayloadHex string `json:"payload_hex"`
	FrameHex   string `json:"frame_hex"`
}

func loadReference(t testing.TB) []refCase {
	t.Helper()
	f, err := os.Open(filepath.Join(vectorDir, "reference_v1.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []refCase
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var c refCase
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatal(err)
		}
		cases = append(cases, c)
	}
	if len(cases) == 0 {
		t.Fatal("no reference cases")
	}
	return cases
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestReference checks encoding and decoding against frames built by an
// independent Python implementation (testvectors/frame/make_reference.py).
func TestReference(t *testing.T) {
	for _, c := range loadReference(t) {
		t.Run(c.Name, func(t *testing.T) {
			payload, want := mustHex(t, c.PayloadHex), mustHex(t, c.FrameHex)
			f := &Frame{Type: Type(c.Type), KeyID: c.KeyID, Seq: c.Seq}
			got, err := Append(nil, f, payload)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("Append:\n got %x\nwant %x", got, want)
			}
			buf := gopacket.NewSerializeBuffer()
			g := &Frame{Type: Type(c.Type), KeyID: c.KeyID, Seq: c.Seq}
			if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, g, gopacket.Payload(payload)); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Fatalf("SerializeTo:\n got %x\nwant %x", buf.Bytes(), want)
			}
			var d Frame
			if err := d.DecodeFromBytes(want, gopacket.NilDecodeFeedback); err != nil {
				t.Fatal(err)
			}
			if d.Version != c.Version || d.Type != Type(c.Type) || d.KeyID != c.KeyID || d.Seq != c.Seq ||
				int(d.Length) != len(payload) || !d.CRCOK || !bytes.Equal(d.Payload, payload) {
				t.Fatalf("decoded %+v", d)
			}
		})
	}
}

func TestNewPacket(t *testing.T) {
	data, err := Append(nil, &Frame{Type: TypeCiphertext, KeyID: 3, Seq: 42}, []byte("payload"))
	if err != nil {
		t.Fatal(err)
	}
	t.Run("ok", func(t *testing.T) {
		p := gopacket.NewPacket(data, LinkType, gopacket.Default)
		if el := p.ErrorLayer(); el != nil {
			t.Fatalf("error layer: %v", el.Error())
		}
		l, ok := p.Layer(LayerTypeFrame).(*Frame)
		if !ok {
			t.Fatalf("no frame layer in %v", p)
		}
		if l.Seq != 42 || l.KeyID != 3 || l.Type != TypeCiphertext || !l.CRCOK {
			t.Fatalf("frame %+v", l)
		}
		if app := p.ApplicationLayer(); app == nil || string(app.Payload()) != "payload" {
			t.Fatalf("application layer %v", app)
		}
	})
	t.Run("corrupted", func(t *testing.T) {
		bad := bytes.Clone(data)
		bad[HeaderLen+2] ^= 0x10
		p := gopacket.NewPacket(bad, LinkType, gopacket.Default)
		el := p.ErrorLayer()
		if el == nil {
			t.Fatal("corrupted frame decoded without an error layer")
		}
		var ce *CRCError
		if !errors.As(el.Error(), &ce) || ce.Seq != 42 {
			t.Fatalf("error layer %v, want *CRCError for seq 42", el.Error())
		}
		l, ok := p.Layer(LayerTypeFrame).(*Frame)
		if !ok || l.CRCOK {
			t.Fatalf("corrupted frame layer %+v, want present with CRCOK false", l)
		}
	})
}

func TestDecodeErrors(t *testing.T) {
	good, _ := Append(nil, &Frame{Type: TypeData, Seq: 1}, []byte{1, 2, 3})
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, ErrShort},
		{"header only", good[:HeaderLen], ErrShort},
		{"length beyond data", good[:len(good)-1], ErrShort},
		{"version 2", append([]byte{2}, good[1:]...), ErrVersion},
		{"trailing byte", append(bytes.Clone(good), 0), ErrTrailing},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var f Frame
			err := f.DecodeFromBytes(tc.data, gopacket.NilDecodeFeedback)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			p := gopacket.NewPacket(tc.data, LinkType, gopacket.Default)
			if p.ErrorLayer() == nil {
				t.Fatal("NewPacket: no error layer")
			}
		})
	}
	if _, err := Append(nil, &Frame{}, make([]byte, MaxPayload+1)); !errors.Is(err, ErrTooLong) {
		t.Fatalf("Append oversize: %v", err)
	}
}

// TestSerializeRaw checks that without FixLengths/ComputeChecksums the fields
// are written as given (the way to craft bad frames), and decode reports it.
func TestSerializeRaw(t *testing.T) {
	buf := gopacket.NewSerializeBuffer()
	f := &Frame{Type: TypeData, Seq: 9, Length: 2, CRC: 0x12345678}
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{}, f, gopacket.Payload{1, 2}); err != nil {
		t.Fatal(err)
	}
	want := []byte{1, 1, 0, 0, 0, 0, 0, 9, 0, 2, 1, 2, 0x12, 0x34, 0x56, 0x78}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Fatalf("got %x want %x", buf.Bytes(), want)
	}
	var d Frame
	var ce *CRCError
	if err := d.DecodeFromBytes(buf.Bytes(), gopacket.NilDecodeFeedback); !errors.As(err, &ce) || ce.Got != 0x12345678 {
		t.Fatalf("err = %v", err)
	}
}

func TestTypeText(t *testing.T) {
	for _, ty := range []Type{TypeData, TypeCiphertext, TypeFeatures, TypeKey, TypeControl} {
		b, _ := ty.MarshalText()
		var got Type
		if err := got.UnmarshalText(b); err != nil || got != ty {
			t.Fatalf("%v: round trip %v %v", ty, got, err)
		}
	}
	if Type(99).String() != "type(99)" {
		t.Fatal(Type(99).String())
	}
	var ty Type
	if ty.UnmarshalText([]byte("bogus")) == nil {
		t.Fatal("bogus type accepted")
	}
}

func TestNoAllocs(t *testing.T) {
	payload := make([]byte, 1500)
	dst := make([]byte, 0, Len(len(payload)))
	f := &Frame{Type: TypeData}
	var err error
	if n := testing.AllocsPerRun(100, func() { dst, err = Append(dst[:0], f, payload) }); n != 0 {
		t.Fatalf("Append: %v allocs", n)
	}
	if err != nil {
		t.Fatal(err)
	}
	var d Frame
	if n := testing.AllocsPerRun(100, func() { err = d.DecodeFromBytes(dst, gopacket.NilDecodeFeedback) }); n != 0 {
		t.Fatalf("DecodeFromBytes: %v allocs", n)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// goldenCapture writes the capture pinned in testvectors/frame/golden_v1.pcap:
// three frames at sample indices of a 1 MHz recording, the last corrupted.
func goldenCapture(t testing.TB) []byte {
	var buf bytes.Buffer
	w, err := NewPcapWriter(&buf, PcapConfig{SampleRate: 1e6})
	if err != nil {
		t.Fatal(err)
	}
	frames := []struct {
		sample int64
		f      Frame
		p      string
	}{
		{0, Frame{Type: TypeData, KeyID: 1, Seq: 0}, "first frame"},
		{1500, Frame{Type: TypeCiphertext, KeyID: 1, Seq: 1}, "second frame, a ciphertext"},
		{3001, Frame{Type: TypeKey, KeyID: 2, Seq: 2}, "third frame, corrupted"},
	}
	for i, fr := range frames {
		data, err := Append(nil, &fr.f, []byte(fr.p))
		if err != nil {
			t.Fatal(err)
		}
		if i == 2 {
			data[HeaderLen] ^= 0x01
		}
		if err := w.WriteFrame(fr.sample, data); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

func TestGoldenPcap(t *testing.T) {
	got := goldenCapture(t)
	path := filepath.Join(vectorDir, "golden_v1.pcap")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("capture differs from %s (run go test -update after checking why)", path)
	}
	// Read it back the way a user of gopacket would.
	r, err := pcapgo.NewReader(bytes.NewReader(want))
	if err != nil {
		t.Fatal(err)
	}
	if r.LinkType() != LinkType {
		t.Fatalf("link type %v", r.LinkType())
	}
	src := gopacket.NewPacketSource(r, r.LinkType())
	var seqs []uint32
	var crcFail int
	var stamps []int64
	for {
		p, err := src.NextPacket()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		f := p.Layer(LayerTypeFrame).(*Frame)
		seqs = append(seqs, f.Seq)
		if p.ErrorLayer() != nil {
			crcFail++
		}
		stamps = append(stamps, p.Metadata().Timestamp.UnixNano())
	}
	if fmt.Sprint(seqs) != "[0 1 2]" || crcFail != 1 || fmt.Sprint(stamps) != "[0 1500000 3001000]" {
		t.Fatalf("seqs %v, CRC failures %d, timestamps %v", seqs, crcFail, stamps)
	}
}

func TestPcapConfig(t *testing.T) {
	for _, rate := range []float64{0, -1} {
		if _, err := NewPcapWriter(io.Discard, PcapConfig{SampleRate: rate}); err == nil {
			t.Fatalf("rate %v accepted", rate)
		}
	}
	w, err := NewPcapWriter(io.Discard, PcapConfig{SampleRate: 1e6, SnapLen: 16})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteFrame(-1, nil); err == nil {
		t.Fatal("negative sample accepted")
	}
	if err := w.WriteFrame(5, make([]byte, 40)); err != nil {
		t.Fatal(err)
	}
}

func FuzzDecode(f *testing.F) {
	for _, c := range loadReference(f) {
		b, _ := hex.DecodeString(c.FrameHex)
		f.Add(b)
	}
	f.Add([]byte{1, 1, 0, 0, 0, 0, 0, 0, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		var d Frame
		err := d.DecodeFromBytes(data, gopacket.NilDecodeFeedback)
		p := gopacket.NewPacket(data, LinkType, gopacket.Default)
		if (err == nil) != (p.ErrorLayer() == nil) {
			t.Fatalf("DecodeFromBytes err %v, NewPacket error layer %v", err, p.ErrorLayer())
		}
		if err != nil {
			return
		}
		again, err := Append(nil, &Frame{Type: d.Type, KeyID: d.KeyID, Seq: d.Seq}, d.Payload)
		if err != nil || !bytes.Equal(again, data) {
			t.Fatalf("re-encode %x, want %x (%v)", again, data, err)
		}
	})
}

func BenchmarkAppend(b *testing.B) {
	for _, n := range []int{64, 1500, 65535} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			payload := make([]byte, n)
			dst := make([]byte, 0, Len(n))
			f := &Frame{Type: TypeData}
			b.SetBytes(int64(n))
			for b.Loop() {
				dst, _ = Append(dst[:0], f, payload)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
		})
	}
}

func BenchmarkDecode(b *testing.B) {
	for _, n := range []int{64, 1500, 65535} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			data, _ := Append(nil, &Frame{Type: TypeData}, make([]byte, n))
			var f Frame
			b.SetBytes(int64(n))
			for b.Loop() {
				_ = f.DecodeFromBytes(data, gopacket.NilDecodeFeedback)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
		})
	}
}

// TestTshark opens the golden capture with tshark and the Lua dissector in
// testvectors/frame, when tshark is installed: the capture must be readable
// by Wireshark's tools and the corrupted frame flagged.
func TestTshark(t *testing.T) {
	if testing.Short() {
		t.Skip("runs an external tool")
	}
	bin, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark not installed")
	}
	out, err := exec.Command(bin, "-X", "lua_script:"+filepath.Join(vectorDir, "hesemcom.lua"),
		"-r", filepath.Join(vectorDir, "golden_v1.pcap")).Output()
	if err != nil {
		t.Fatalf("tshark: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 3 {
		t.Fatalf("tshark printed %d lines:\n%s", len(lines), out)
	}
	for i, want := range []string{"data seq=0 key=1 len=11", "ciphertext seq=1 key=1 len=26", "key seq=2 key=2 len=22 [CRC ERROR]"} {
		if !strings.HasSuffix(strings.TrimSpace(lines[i]), want) {
			t.Fatalf("line %d: %q, want suffix %q", i, lines[i], want)
		}
	}
	if strings.Contains(lines[0], "CRC ERROR") || strings.Contains(lines[1], "CRC ERROR") {
		t.Fatalf("good frames flagged:\n%s", out)
	}
}
