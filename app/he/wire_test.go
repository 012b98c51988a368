package he

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// smallSetup returns LogN 10 parameters, a key chain, and a feature tensor of
// 64 images with its labels from the receiver.
func smallSetup(t testing.TB) (Params, *KeyChain, *Transmitter, *Receiver, *Tensor) {
	t.Helper()
	w, ds := testModel(t)
	p := MustParams(testInsecureLogN10)
	kc, err := NewKeyChain(p, KeyConfig{RotateEvery: 1, Keep: 1})
	if err != nil {
		t.Fatal(err)
	}
	tx, err := NewTransmitter(p, w, TxConfig{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	rx, err := NewReceiver(p, w, kc, RxConfig{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	b, err := kc.ForBatch(0)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.UsePublicKey(b); err != nil {
		t.Fatal(err)
	}
	px, err := tx.Encrypt(nil, pixels(ds, 0, 64))
	if err != nil {
		t.Fatal(err)
	}
	ft, err := tx.Encode(nil, px)
	if err != nil {
		t.Fatal(err)
	}
	return p, kc, tx, rx, ft
}

// refix recomputes the trailing CRC of a frame after a deliberate edit.
func refix(b []byte) []byte {
	binary.LittleEndian.PutUint32(b[len(b)-4:], crc32.Checksum(b[:len(b)-4], crcTable))
	return b
}

func TestTensorRoundTrip(t *testing.T) {
	p, _, _, rx, ft := smallSetup(t)
	want, err := rx.Classify(nil, ft)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	n, err := ft.WriteTo(&buf)
	if err != nil || int(n) != ft.BinarySize() || buf.Len() != ft.BinarySize() {
		t.Fatalf("WriteTo = %d, %v; BinarySize %d, wrote %d", n, err, ft.BinarySize(), buf.Len())
	}
	frame := buf.Bytes()
	got, err := ReadTensor(bytes.NewReader(frame), p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.KeyID() != ft.KeyID() || got.Images() != 64 || got.Kind() != KindFeatures {
		t.Fatalf("read id %d n %d kind %v", got.KeyID(), got.Images(), got.Kind())
	}
	labels, err := rx.Classify(nil, got)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(labels, want) {
		t.Fatal("labels differ after a serialisation round trip")
	}

	other := MustParams(ParamsLiteral{LogN: 10, LogQ: []int{60, 60}, LogP: []int{60}, LogScaleInput: 29, LogScaleWeight: 16, LogScaleFC: 18, Insecure: true})
	bad := func(name string, edit func([]byte) []byte, want error) {
		t.Run(name, func(t *testing.T) {
			b := edit(append([]byte(nil), frame...))
			_, err := ReadTensor(bytes.NewReader(b), p, nil)
			if err == nil || !errors.Is(err, want) {
				t.Errorf("err = %v, want %v", err, want)
			}
		})
	}
	bad("truncated", func(b []byte) []byte { return b[:len(b)/2] }, ErrFormat)
	bad("flippedBit", func(b []byte) []byte { b[1000] ^= 1; return b }, ErrFormat)
	bad("badMagic", func(b []byte) []byte { b[0] = 'X'; return b }, ErrFormat)
	bad("version2", func(b []byte) []byte { b[4] = 2; return refix(b) }, ErrFormat)
	bad("kindPixels", func(b []byte) []byte { b[5] = 1; return refix(b) }, ErrFormat)
	bad("kind9", func(b []byte) []byte { b[5] = 9; return refix(b) }, ErrFormat)
	bad("keyID0", func(b []byte) []byte { clear(b[16:20]); return refix(b) }, ErrFormat)
	bad("hugeBody", func(b []byte) []byte { binary.LittleEndian.PutUint64(b[20:], 1<<40); return refix(b) }, ErrFormat)
	bad("images0", func(b []byte) []byte { clear(b[32:36]); return refix(b) }, ErrFormat)
	bad("residueAboveQ", func(b []byte) []byte {
		binary.LittleEndian.PutUint64(b[40:], ^uint64(0))
		return refix(b)
	}, ErrFormat)
	t.Run("wrongParams", func(t *testing.T) {
		if _, err := ReadTensor(bytes.NewReader(frame), other, nil); !errors.Is(err, ErrWrongParams) {
			t.Errorf("err = %v, want ErrWrongParams", err)
		}
	})
}

func TestBundleAndKeyRotation(t *testing.T) {
	p, kc, tx, rx, ft := smallSetup(t)
	var buf bytes.Buffer
	b1, _ := kc.ForBatch(1)
	if _, err := b1.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	if buf.Len() != b1.BinarySize() {
		t.Fatalf("bundle wrote %d bytes, BinarySize %d", buf.Len(), b1.BinarySize())
	}
	rb, err := ReadPublicBundle(bytes.NewReader(buf.Bytes()), p)
	if err != nil {
		t.Fatal(err)
	}
	if rb.ID() != 2 {
		t.Fatalf("bundle id %d, want 2", rb.ID())
	}
	// Batch 0's key was rotated out (Keep 1): its frames are refused.
	if _, err := rx.Classify(nil, ft); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("old key: err = %v, want ErrUnknownKey", err)
	}
	// A transmitter using the deserialised bundle reaches the receiver.
	if err := tx.UsePublicKey(rb); err != nil {
		t.Fatal(err)
	}
	_, ds := testModel(t)
	px, err := tx.Encrypt(nil, pixels(ds, 0, 8))
	if err != nil {
		t.Fatal(err)
	}
	ft2, err := tx.Encode(nil, px)
	if err != nil {
		t.Fatal(err)
	}
	if ft2.KeyID() != 2 {
		t.Fatalf("frame key id %d, want 2", ft2.KeyID())
	}
	if _, err := rx.Classify(nil, ft2); err != nil {
		t.Fatal(err)
	}
	frame := buf.Bytes()
	for i, edit := range []func([]byte) []byte{
		func(b []byte) []byte { return b[:100] },
		func(b []byte) []byte { b[32] = 1; return refix(b) }, // slot-packed flag without keys
		func(b []byte) []byte { b[len(b)-10] ^= 0x80; return b },
	} {
		if _, err := ReadPublicBundle(bytes.NewReader(edit(append([]byte(nil), frame...))), p); !errors.Is(err, ErrFormat) {
			t.Errorf("edit %d: err = %v, want ErrFormat", i, err)
		}
	}
}

func TestSharedKeyFile(t *testing.T) {
	p := MustParams(testInsecureLogN10)
	kc, _ := NewKeyChain(p, KeyConfig{})
	k, err := kc.SharedKey(0)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{fmt.Sprint(k), fmt.Sprintf("%+v", k), fmt.Sprintf("%#v", k), fmt.Sprintf("%x", k)} {
		if !strings.Contains(s, "REDACTED") || len(s) > 64 {
			t.Errorf("formatted shared key leaks: %q", s)
		}
	}
	path := filepath.Join(t.TempDir(), "rx.key")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteSharedKeyFile(path, k); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", st.Mode().Perm())
	}
	k2, err := ReadSharedKeyFile(path, p)
	if err != nil {
		t.Fatal(err)
	}
	if k2.ID() != k.ID() || !k2.sk.Value.Q.Equal(&k.sk.Value.Q) {
		t.Error("shared key changed in a file round trip")
	}
}

func wireSeeds(f *testing.F) (Params, [][]byte) {
	p := MustParams(testInsecureLogN10)
	kc, _ := NewKeyChain(p, KeyConfig{SlotPackedKernel: 1})
	b, _ := kc.ForBatch(0)
	k, _ := kc.SharedKey(0)
	var bb, kb bytes.Buffer
	b.WriteTo(&bb)
	k.WriteTo(&kb)
	kc2, _ := NewKeyChain(p, KeyConfig{})
	b2, _ := kc2.ForBatch(0)
	var pb bytes.Buffer
	b2.WriteTo(&pb)
	// The slot-packed bundle (megabytes) is only a truncated seed: fuzzing
	// mutates whole inputs and crawls on large ones.
	return p, [][]byte{kb.Bytes(), pb.Bytes(), bb.Bytes()[:headerLen+bundleBodyHeader+200], {}, []byte("HEJS")}
}

func FuzzReadPublicBundle(f *testing.F) {
	p, seeds := wireSeeds(f)
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		bd, err := ReadPublicBundle(bytes.NewReader(b), p)
		if err != nil {
			return
		}
		var out bytes.Buffer
		if _, err := bd.WriteTo(&out); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out.Bytes(), b[:out.Len()]) {
			t.Fatal("accepted bundle does not re-serialise to its input")
		}
	})
}

func FuzzReadSharedKey(f *testing.F) {
	p, seeds := wireSeeds(f)
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if k, err := ReadSharedKey(bytes.NewReader(b), p); err == nil && k.ID() == 0 {
			t.Fatal("accepted key id 0")
		}
	})
}

func FuzzReadTensor(f *testing.F) {
	p, seeds := wireSeeds(f)
	for _, s := range seeds {
		f.Add(s)
	}
	// A valid 1-image feature header followed by a short body.
	var hb bytes.Buffer
	fw := newFrameWriter(&hb)
	fw.header(frameTensorFeatures, p.Fingerprint(), 1, tensorBodyHeader+Features*3*2*8*p.p.N())
	fw.u32(1)
	fw.u32(0)
	fw.write(make([]byte, 64))
	fw.finish()
	f.Add(hb.Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		tt, err := ReadTensor(bytes.NewReader(b), p, nil)
		if err == nil && (tt.Images() < 1 || tt.KeyID() == 0) {
			t.Fatal("accepted an invalid tensor")
		}
		if sf, err := ReadSlotFrame(bytes.NewReader(b), p, nil); err == nil && sf.KeyID() == 0 {
			t.Fatal("accepted a slot frame with key id 0")
		}
	})
}
