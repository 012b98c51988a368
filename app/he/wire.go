package he

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/he/hefloat"
	"github.com/tuneinsight/lattigo/v5/ring"
)

// Wire format (version 1), little endian:
//
//	header (32 bytes): magic "HEJS" | version u8 = 1 | kind u8 | reserved u16 = 0 |
//	                   parameter fingerprint u64 | key id u32 | body length u64 | reserved u32 = 0
//	body (kind-specific, exactly the length its parameters imply)
//	trailer: CRC-32C (Castagnoli) of header and body, u32
//
// Ciphertext and key polynomials are written as raw residues (u64, one per
// coefficient and prime, NTT domain) in a fixed walk order; their shapes come
// from the parameters, never from the frame, so a frame cannot make the
// reader allocate more than the parameters imply, and every residue is checked
// to be below its prime. Lattigo's own (self-describing) encoding is not used
// for input from outside for that reason.
const (
	wireVersion = 1
	headerLen   = 32
	// MaxFrameBytes bounds any frame (a LogN 14 pixel tensor is 411 MB).
	MaxFrameBytes = 1 << 30
)

var wireMagic = [4]byte{'H', 'E', 'J', 'S'}

// Frame kinds.
const (
	frameTensorPixels   = 1
	frameTensorFeatures = 2
	framePublicBundle   = 3
	frameSharedKey      = 4
	frameSlotFeatures   = 5
)

// ErrFormat is wrapped by every error about a malformed frame.
var ErrFormat = errors.New("he: malformed frame")

// ErrWrongParams is returned for a frame made under other parameters.
var ErrWrongParams = errors.New("he: frame is for other parameters")

var crcTable = crc32.MakeTable(crc32.Castagnoli)

type polyRef struct {
	coeffs [][]uint64
	q      []uint64
}

func qPoly(p Params, x ring.Poly) polyRef {
	l := x.Level() + 1
	return polyRef{x.Coeffs[:l], p.p.Q()[:l]}
}

func vecQP(p Params, dst []polyRef, v rlwe.VectorQP) []polyRef {
	for _, x := range v {
		dst = append(dst, qPoly(p, x.Q))
		if x.P.Level() >= 0 && len(x.P.Coeffs) > 0 {
			l := x.P.Level() + 1
			dst = append(dst, polyRef{x.P.Coeffs[:l], p.p.P()[:l]})
		}
	}
	return dst
}

func evkPolys(p Params, dst []polyRef, evk *rlwe.EvaluationKey) []polyRef {
	for _, row := range evk.Value {
		for _, v := range row {
			dst = vecQP(p, dst, v)
		}
	}
	return dst
}

func polysSize(ps []polyRef) int {
	s := 0
	for _, x := range ps {
		s += 8 * len(x.coeffs) * len(x.coeffs[0])
	}
	return s
}

// frameWriter writes one frame and its CRC.
type frameWriter struct {
	w   *bufio.Writer
	crc hash.Hash32
	n   int64
	err error
	buf [8]byte
}

func newFrameWriter(w io.Writer) *frameWriter {
	return &frameWriter{w: bufio.NewWriterSize(w, 1<<16), crc: crc32.New(crcTable)}
}

func (f *frameWriter) write(b []byte) {
	if f.err != nil {
		return
	}
	f.crc.Write(b)
	var n int
	n, f.err = f.w.Write(b)
	f.n += int64(n)
}

func (f *frameWriter) u8(v uint8)   { f.write([]byte{v}) }
func (f *frameWriter) u16(v uint16) { binary.LittleEndian.PutUint16(f.buf[:], v); f.write(f.buf[:2]) }
func (f *frameWriter) u32(v uint32) { binary.LittleEndian.PutUint32(f.buf[:], v); f.write(f.buf[:4]) }
func (f *frameWriter) u64(v uint64) { binary.LittleEndian.PutUint64(f.buf[:], v); f.write(f.buf[:8]) }

func (f *frameWriter) header(kind uint8, fp uint64, id uint32, bodyLen int) {
	f.write(wireMagic[:])
	f.u8(wireVersion)
	f.u8(kind)
	f.u16(0)
	f.u64(fp)
	f.u32(id)
	f.u64(uint64(bodyLen))
	f.u32(0)
}

func (f *frameWriter) polys(ps []polyRef) {
	var chunk [4096]byte
	for _, x := range ps {
		for _, row := range x.coeffs {
			for j := 0; j < len(row); j += len(chunk) / 8 {
				end := min(j+len(chunk)/8, len(row))
				for k, v := range row[j:end] {
					binary.LittleEndian.PutUint64(chunk[8*k:], v)
				}
				f.write(chunk[:8*(end-j)])
			}
		}
	}
}

func (f *frameWriter) finish() (int64, error) {
	if f.err == nil {
		binary.LittleEndian.PutUint32(f.buf[:], f.crc.Sum32())
		var n int
		n, f.err = f.w.Write(f.buf[:4])
		f.n += int64(n)
	}
	if f.err == nil {
		f.err = f.w.Flush()
	}
	return f.n, f.err
}

// frameReader reads one frame, checking lengths and the CRC.
type frameReader struct {
	r      io.Reader
	crc    hash.Hash32
	remain int // body bytes still to read
	err    error
	buf    [8]byte
	chunk  []byte
}

func (f *frameReader) read(b []byte) {
	if f.err != nil {
		return
	}
	if _, err := io.ReadFull(f.r, b); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			err = fmt.Errorf("%w: truncated", ErrFormat)
		}
		f.err = err
		return
	}
	f.crc.Write(b)
}

func (f *frameReader) body(n int) []byte {
	if f.err == nil && n > f.remain {
		f.err = fmt.Errorf("%w: body shorter than its contents", ErrFormat)
	}
	if f.err != nil {
		return make([]byte, n)
	}
	f.remain -= n
	b := f.buf[:n]
	f.read(b)
	return b
}

func (f *frameReader) u8() uint8   { return f.body(1)[0] }
func (f *frameReader) u16() uint16 { return binary.LittleEndian.Uint16(f.body(2)) }
func (f *frameReader) u32() uint32 { return binary.LittleEndian.Uint32(f.body(4)) }
func (f *frameReader) u64() uint64 { return binary.LittleEndian.Uint64(f.body(8)) }

type frameHeader struct {
	kind    uint8
	fp      uint64
	id      uint32
	bodyLen int
}

// readFrameHeader reads and checks the header against p and the wanted kind.
func readFrameHeader(r io.Reader, p Params, kind uint8) (*frameReader, frameHeader, error) {
	f := &frameReader{r: r, crc: crc32.New(crcTable)}
	var h [headerLen]byte
	f.read(h[:])
	if f.err != nil {
		return nil, frameHeader{}, f.err
	}
	var fh frameHeader
	switch {
	case [4]byte(h[:4]) != wireMagic:
		return nil, fh, fmt.Errorf("%w: bad magic %q", ErrFormat, h[:4])
	case h[4] != wireVersion:
		return nil, fh, fmt.Errorf("%w: unsupported version %d", ErrFormat, h[4])
	case h[5] != kind:
		return nil, fh, fmt.Errorf("%w: frame kind %d, want %d", ErrFormat, h[5], kind)
	case binary.LittleEndian.Uint16(h[6:]) != 0 || binary.LittleEndian.Uint32(h[28:]) != 0:
		return nil, fh, fmt.Errorf("%w: reserved bits set", ErrFormat)
	}
	fh.kind = h[5]
	fh.fp = binary.LittleEndian.Uint64(h[8:])
	fh.id = binary.LittleEndian.Uint32(h[16:])
	bl := binary.LittleEndian.Uint64(h[20:])
	if fh.fp != p.Fingerprint() {
		return nil, fh, fmt.Errorf("%w (fingerprint %016x, want %016x)", ErrWrongParams, fh.fp, p.Fingerprint())
	}
	if bl > MaxFrameBytes {
		return nil, fh, fmt.Errorf("%w: body length %d above the %d limit", ErrFormat, bl, MaxFrameBytes)
	}
	if fh.id == 0 {
		return nil, fh, fmt.Errorf("%w: key id 0", ErrFormat)
	}
	fh.bodyLen = int(bl)
	f.remain = fh.bodyLen
	return f, fh, nil
}

// polys reads residues into ps, rejecting any residue ≥ its prime.
func (f *frameReader) polys(ps []polyRef) {
	if f.err == nil && polysSize(ps) != f.remain {
		f.err = fmt.Errorf("%w: body length does not match its contents", ErrFormat)
	}
	if f.chunk == nil {
		f.chunk = make([]byte, 1<<15)
	}
	for _, x := range ps {
		for i, row := range x.coeffs {
			q := x.q[i]
			for j := 0; j < len(row) && f.err == nil; j += len(f.chunk) / 8 {
				end := min(j+len(f.chunk)/8, len(row))
				b := f.chunk[:8*(end-j)]
				f.read(b)
				f.remain -= len(b)
				for k := range row[j:end] {
					v := binary.LittleEndian.Uint64(b[8*k:])
					if v >= q {
						f.err = fmt.Errorf("%w: residue %d not below its prime %d", ErrFormat, v, q)
						break
					}
					row[j+k] = v
				}
			}
		}
	}
}

func (f *frameReader) finish() error {
	if f.err != nil {
		return f.err
	}
	if f.remain != 0 {
		return fmt.Errorf("%w: %d unread body bytes", ErrFormat, f.remain)
	}
	want := f.crc.Sum32()
	var c [4]byte
	if _, err := io.ReadFull(f.r, c[:]); err != nil {
		return fmt.Errorf("%w: missing checksum", ErrFormat)
	}
	if got := binary.LittleEndian.Uint32(c[:]); got != want {
		return fmt.Errorf("%w: checksum %08x, want %08x", ErrFormat, got, want)
	}
	return nil
}

func tensorPolys(p Params, t *Tensor) []polyRef {
	ps := make([]polyRef, 0, len(t.cts)*3)
	for _, ct := range t.cts {
		for _, v := range ct.Value {
			ps = append(ps, qPoly(p, v))
		}
	}
	return ps
}

const tensorBodyHeader = 8 // images u32, reserved u32

// BinarySize returns the number of bytes WriteTo writes.
func (t *Tensor) BinarySize() int {
	return headerLen + tensorBodyHeader + polysSize(tensorPolys(t.params, t)) + 4
}

// WriteTo writes t as one frame.
func (t *Tensor) WriteTo(w io.Writer) (int64, error) {
	if _, _, ok := t.kind.shape(); !ok || t.keyID == 0 {
		return 0, errors.New("he: cannot write an empty tensor")
	}
	ps := tensorPolys(t.params, t)
	f := newFrameWriter(w)
	f.header(uint8(t.kind), t.params.Fingerprint(), t.keyID, tensorBodyHeader+polysSize(ps))
	f.u32(uint32(t.n))
	f.u32(0)
	f.polys(ps)
	return f.finish()
}

// ReadTensor reads a tensor frame made under p into dst (reused if non-nil).
// Anything malformed, of other parameters or of an unknown kind is rejected.
func ReadTensor(r io.Reader, p Params, dst *Tensor) (*Tensor, error) {
	var h [headerLen]byte
	// Peek the kind to know the shape, then re-check through readFrameHeader.
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return nil, fmt.Errorf("%w: truncated header", ErrFormat)
	}
	kind := Kind(h[5])
	if _, _, ok := kind.shape(); !ok {
		return nil, fmt.Errorf("%w: frame kind %d is not a tensor", ErrFormat, h[5])
	}
	f, fh, err := readFrameHeader(io.MultiReader(bytesReader(h[:]), r), p, uint8(kind))
	if err != nil {
		return nil, err
	}
	n := int(f.u32())
	if f.u32() != 0 {
		return nil, fmt.Errorf("%w: reserved bits set", ErrFormat)
	}
	if f.err == nil && (n < 1 || n > p.Slots()) {
		return nil, fmt.Errorf("%w: %d images, want 1..%d", ErrFormat, n, p.Slots())
	}
	dst = ensureTensor(p, dst, kind)
	f.polys(tensorPolys(p, dst))
	if err := f.finish(); err != nil {
		return nil, err
	}
	dst.n, dst.keyID = n, fh.id
	dst.setMeta()
	return dst, nil
}

type byteReader struct{ b []byte }

func bytesReader(b []byte) io.Reader { return &byteReader{b} }
func (r *byteReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

const bundleBodyHeader = 8 // flags u8, kernel u8, reserved u16, galois count u32

func (b *PublicBundle) polys(p Params) []polyRef {
	ps := vecQP(p, nil, b.pk.Value)
	if b.rlk != nil {
		ps = evkPolys(p, ps, &b.rlk.EvaluationKey)
		for _, g := range b.gks {
			ps = evkPolys(p, ps, &g.EvaluationKey)
		}
	}
	return ps
}

// BinarySize returns the number of bytes WriteTo writes.
func (b *PublicBundle) BinarySize() int {
	return headerLen + bundleBodyHeader + 8*len(b.gks) + polysSize(b.polys(b.params)) + 4
}

// WriteTo writes b as one frame.
func (b *PublicBundle) WriteTo(w io.Writer) (int64, error) {
	p := b.params
	f := newFrameWriter(w)
	f.header(framePublicBundle, b.fp, b.id, b.BinarySize()-headerLen-4)
	var flags uint8
	if b.rlk != nil {
		flags = 1
	}
	f.u8(flags)
	f.u8(uint8(b.kernel))
	f.u16(0)
	f.u32(uint32(len(b.gks)))
	for _, g := range b.gks {
		f.u64(g.GaloisElement)
	}
	f.polys(vecQP(p, nil, b.pk.Value))
	if b.rlk != nil {
		f.polys(evkPolys(p, nil, &b.rlk.EvaluationKey))
		for _, g := range b.gks {
			f.polys(evkPolys(p, nil, &g.EvaluationKey))
		}
	}
	return f.finish()
}

// ReadPublicBundle reads a public key bundle made under p.
func ReadPublicBundle(r io.Reader, p Params) (*PublicBundle, error) {
	f, fh, err := readFrameHeader(r, p, framePublicBundle)
	if err != nil {
		return nil, err
	}
	flags, kernel := f.u8(), int(f.u8())
	res, ng := f.u16(), int(f.u32())
	if f.err != nil {
		return nil, f.err
	}
	b := &PublicBundle{id: fh.id, fp: fh.fp, params: p, pk: rlwe.NewPublicKey(p.p)}
	switch {
	case res != 0 || flags > 1:
		return nil, fmt.Errorf("%w: reserved bits set", ErrFormat)
	case flags == 0 && (kernel != 0 || ng != 0):
		return nil, fmt.Errorf("%w: rotation keys without the slot-packed flag", ErrFormat)
	case flags == 1:
		if kernel < 1 || kernel%2 == 0 || kernel > Rows {
			return nil, fmt.Errorf("%w: kernel size %d", ErrFormat, kernel)
		}
		rots := slotRotations(kernel)
		if ng != len(rots) {
			return nil, fmt.Errorf("%w: %d rotation keys, want %d", ErrFormat, ng, len(rots))
		}
		b.kernel = kernel
		b.rlk = rlwe.NewRelinearizationKey(p.p)
		for _, r := range rots {
			el := f.u64()
			if f.err != nil {
				return nil, f.err
			}
			if want := p.p.GaloisElementForRotation(r); el != want {
				return nil, fmt.Errorf("%w: rotation key for Galois element %d, want %d", ErrFormat, el, want)
			}
			g := rlwe.NewGaloisKey(p.p)
			g.GaloisElement, g.NthRoot = el, p.p.RingQ().NthRoot()
			b.gks = append(b.gks, g)
		}
	}
	f.polys(b.polys(p))
	if err := f.finish(); err != nil {
		return nil, err
	}
	return b, nil
}

// WriteTo writes the shared (secret) key as one frame. Treat the output as
// secret: see WriteSharedKeyFile.
func (k *SharedKey) WriteTo(w io.Writer) (int64, error) {
	ps := []polyRef{qPoly(k.params, k.sk.Value.Q)}
	f := newFrameWriter(w)
	f.header(frameSharedKey, k.fp, k.id, polysSize(ps))
	f.polys(ps)
	return f.finish()
}

// ReadSharedKey reads a shared-key frame made under p.
func ReadSharedKey(r io.Reader, p Params) (*SharedKey, error) {
	f, fh, err := readFrameHeader(r, p, frameSharedKey)
	if err != nil {
		return nil, err
	}
	sk := rlwe.NewSecretKey(p.p)
	f.polys([]polyRef{qPoly(p, sk.Value.Q)})
	if err := f.finish(); err != nil {
		return nil, err
	}
	// The P part (used only for key generation) is not transmitted.
	return &SharedKey{id: fh.id, fp: fh.fp, params: p, sk: sk}, nil
}

// WriteSharedKeyFile writes k to path with mode 0600 (via a 0600 temporary
// file renamed into place, so an existing file's looser mode is not kept).
func WriteSharedKeyFile(path string, k *SharedKey) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".hesk-*")
	if err != nil {
		return fmt.Errorf("he: cannot write key file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("he: cannot write key file: %w", err)
	}
	if _, err := k.WriteTo(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("he: cannot write key file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("he: cannot write key file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("he: cannot write key file: %w", err)
	}
	return nil
}

// ReadSharedKeyFile reads a key written by WriteSharedKeyFile.
func ReadSharedKeyFile(path string, p Params) (*SharedKey, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("he: cannot read key file: %w", err)
	}
	defer fh.Close()
	return ReadSharedKey(bufio.NewReader(fh), p)
}

// BinarySize returns the number of bytes WriteTo writes for a frame under p.
func (f *SlotFrame) BinarySize(p Params) int {
	return headerLen + polysSize([]polyRef{qPoly(p, f.ct.Value[0]), qPoly(p, f.ct.Value[1])}) + 4
}

// WriteTo writes the slot-packed features as one frame under p.
func (f *SlotFrame) WriteTo(w io.Writer, p Params) (int64, error) {
	if f == nil || f.ct == nil || f.keyID == 0 || f.ct.Degree() != 1 || f.ct.Level() != circuitLevel {
		return 0, errors.New("he: cannot write an empty slot frame")
	}
	ps := []polyRef{qPoly(p, f.ct.Value[0]), qPoly(p, f.ct.Value[1])}
	fw := newFrameWriter(w)
	fw.header(frameSlotFeatures, p.Fingerprint(), f.keyID, polysSize(ps))
	fw.polys(ps)
	return fw.finish()
}

// ReadSlotFrame reads slot-packed features made under p into dst (reused if
// non-nil).
func ReadSlotFrame(r io.Reader, p Params, dst *SlotFrame) (*SlotFrame, error) {
	f, fh, err := readFrameHeader(r, p, frameSlotFeatures)
	if err != nil {
		return nil, err
	}
	if dst == nil || dst.ct == nil || dst.ct.Degree() != 1 || dst.ct.Level() != circuitLevel {
		dst = &SlotFrame{ct: hefloat.NewCiphertext(p.p, 1, circuitLevel)}
	}
	f.polys([]polyRef{qPoly(p, dst.ct.Value[0]), qPoly(p, dst.ct.Value[1])})
	if err := f.finish(); err != nil {
		return nil, err
	}
	_, _, _, feat, _ := slotLogScales(p)
	dst.ct.IsNTT, dst.ct.IsBatched = true, true
	dst.ct.LogDimensions = p.p.LogMaxDimensions()
	dst.ct.Scale = rlwe.NewScale(math.Exp2(float64(feat)))
	dst.keyID = fh.id
	return dst, nil
}
