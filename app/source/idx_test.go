package source

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"testing"
)

func idxImages(n, rows, cols int, magic uint32) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, []uint32{magic, uint32(n), uint32(rows), uint32(cols)})
	for i := 0; i < n*rows*cols; i++ {
		b.WriteByte(byte(i))
	}
	return b.Bytes()
}

func idxLabels(labels []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, []uint32{idxMagicLabels, uint32(len(labels))})
	b.Write(labels)
	return b.Bytes()
}

func gz(b []byte) []byte {
	var out bytes.Buffer
	w := gzip.NewWriter(&out)
	w.Write(b)
	w.Close()
	return out.Bytes()
}

func TestReadIDXImages(t *testing.T) {
	good := idxImages(3, 2, 4, idxMagicImages)
	tests := []struct {
		name    string
		in      []byte
		wantErr bool
	}{
		{"raw", good, false},
		{"gzip", gz(good), false},
		{"empty", nil, true},
		{"short header", good[:10], true},
		{"truncated data", good[:len(good)-1], true},
		{"truncated gzip", gz(good)[:30], true},
		{"trailing byte", append(append([]byte{}, good...), 0), true},
		{"label magic", idxImages(3, 2, 4, idxMagicLabels), true},
		{"zero rows", idxImages(0, 0, 4, idxMagicImages), true},
		{"huge count", func() []byte {
			b := append([]byte{}, good...)
			binary.BigEndian.PutUint32(b[4:], 1<<30)
			return b
		}(), true},
		{"bad gzip header", []byte{0x1f, 0x8b, 0, 0, 0}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, rows, cols, px, err := ReadIDXImages(bytes.NewReader(tc.in))
			if tc.wantErr {
				if err == nil {
					t.Fatal("no error")
				}
				if !errors.Is(err, ErrIDXFormat) {
					t.Fatalf("error %v does not wrap ErrIDXFormat", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if n != 3 || rows != 2 || cols != 4 || len(px) != 24 || px[23] != 23 {
				t.Fatalf("got %d×%d×%d, %d pixels", n, rows, cols, len(px))
			}
		})
	}
}

func TestReadIDXLabels(t *testing.T) {
	if l, err := ReadIDXLabels(bytes.NewReader(gz(idxLabels([]byte{0, 9, 3}))), 10); err != nil || !bytes.Equal(l, []byte{0, 9, 3}) {
		t.Fatalf("got %v, %v", l, err)
	}
	for name, in := range map[string][]byte{
		"out of range": idxLabels([]byte{0, 10}),
		"image magic":  idxImages(1, 1, 1, idxMagicImages),
		"truncated":    idxLabels([]byte{1, 2, 3})[:9],
	} {
		if _, err := ReadIDXLabels(bytes.NewReader(in), 10); !errors.Is(err, ErrIDXFormat) {
			t.Errorf("%s: got %v", name, err)
		}
	}
}

// FuzzReadIDX checks that no input makes the readers panic and that accepted
// input is self-consistent.
func FuzzReadIDX(f *testing.F) {
	f.Add(idxImages(2, 3, 3, idxMagicImages))
	f.Add(gz(idxImages(1, 28, 28, idxMagicImages)))
	f.Add(idxLabels([]byte{1, 2, 3}))
	f.Add(gz(idxLabels([]byte{7})))
	f.Add([]byte{0x1f, 0x8b})
	f.Fuzz(func(t *testing.T, b []byte) {
		if n, rows, cols, px, err := ReadIDXImages(bytes.NewReader(b)); err == nil && len(px) != n*rows*cols {
			t.Fatalf("%d pixels for %d×%d×%d", len(px), n, rows, cols)
		}
		if l, err := ReadIDXLabels(bytes.NewReader(b), 10); err == nil {
			for _, v := range l {
				if v >= 10 {
					t.Fatalf("label %d accepted", v)
				}
			}
		}
	})
}
