//go:build linux && (amd64 || arm64)

package codec

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"unsafe"

	"github.com/ebitengine/purego"
)

// In-process OpenJPEG: libopenjp2.so.7 is loaded at run time with purego
// (no cgo, no headers at build time). The calls mirror what opj_compress
// and opj_decompress do for our options, so the codestreams and decoded
// images are byte-identical to the tools' (tested).
//
// Struct layouts. The library fills opj_cparameters_t and opj_dparameters_t
// itself (opj_set_default_*_parameters into a buffer of at least their
// size); we write only the fields below, at offsets taken with offsetof
// from the OpenJPEG 2.5.0 header (openjpeg.h, LP64: linux/amd64 and
// linux/arm64). Loading checks the library's defaults at these offsets and
// refuses the library if any differs, so a changed layout disables the
// in-process path instead of corrupting memory.
const (
	// opj_cparameters_t (sizeof 18720 in 2.5.0)
	cpDistoAlloc    = 20    // int cp_disto_alloc
	cpProgOrder     = 52    // OPJ_PROG_ORDER prog_order
	cpNumLayers     = 4796  // int tcp_numlayers
	cpRates         = 4800  // float tcp_rates[100]
	cpNumResolution = 5600  // int numresolution
	cpCblockW       = 5604  // int cblockw_init
	cpCblockH       = 5608  // int cblockh_init
	cpSubsamplingDx = 18196 // int subsampling_dx
	cpSubsamplingDy = 18200 // int subsampling_dy
	cpDecodFormat   = 18204 // int decod_format
	cpCodFormat     = 18208 // int cod_format
	cpTcpMct        = 18698 // char tcp_mct
	cpSize          = 18720

	// opj_dparameters_t (sizeof 8252 in 2.5.0)
	dpReduce      = 0    // OPJ_UINT32 cp_reduce
	dpDecodFormat = 8200 // int decod_format
	dpCodFormat   = 8204 // int cod_format
	dpSize        = 8252

	// The buffers handed to opj_set_default_*_parameters are this large,
	// far above both sizes, so a library with larger structs cannot write
	// past them before the default check rejects it.
	paramsBuf = 64 << 10

	opjCodecJ2K    = 0 // OPJ_CODEC_J2K
	opjClrspcGray  = 2 // OPJ_CLRSPC_GRAY
	opjStreamRead  = 1 // OPJ_STREAM_READ
	opjStreamWrite = 0 // OPJ_STREAM_WRITE

	// streamBuf is the stream buffer size. opj_compress uses 1 MiB; the
	// codestreams do not depend on it, and a small one stays below malloc's
	// mmap threshold.
	streamBuf = 64 << 10
)

// opjImageCmptParm is opj_image_cmptparm_t (36 bytes); blank fields are
// ones we leave zero.
type opjImageCmptParm struct {
	dx, dy, w, h uint32
	_            [2]uint32 // x0, y0
	prec, bpp    uint32
	_            uint32 // sgnd
}

// opjImageComp is opj_image_comp_t (64 bytes: data at offset 48).
type opjImageComp struct {
	_    [2]uint32 // dx, dy
	w, h uint32
	_    [2]uint32 // x0, y0
	prec uint32
	_    uint32 // bpp
	sgnd uint32
	_    [2]uint32 // resno_decoded, factor
	data *int32
	_    uint16 // alpha
}

// opjImage is opj_image_t (48 bytes: comps at offset 24).
type opjImage struct {
	x0, y0, x1, y1, numcomps uint32
	_                        int32 // color_space
	comps                    *opjImageComp
	_                        *byte  // icc_profile_buf
	_                        uint32 // icc_profile_len
}

func init() {
	// The Go mirrors must match the C layouts above.
	if unsafe.Sizeof(opjImageCmptParm{}) != 36 || unsafe.Sizeof(opjImageComp{}) != 64 ||
		unsafe.Offsetof(opjImageComp{}.data) != 48 || unsafe.Sizeof(opjImage{}) != 48 ||
		unsafe.Offsetof(opjImage{}.comps) != 24 {
		panic("codec: OpenJPEG struct mirrors do not match the 2.5.0 LP64 layout")
	}
}

// opjLib holds the library's entry points. OPJ_BOOL results are int32.
type opjLib struct {
	version string

	createCompress              func(format int32) uintptr
	createDecompress            func(format int32) uintptr
	destroyCodec                func(codec uintptr)
	setDefaultEncoderParameters func(p unsafe.Pointer)
	setDefaultDecoderParameters func(p unsafe.Pointer)
	setupEncoder                func(codec uintptr, p unsafe.Pointer, img *opjImage) int32
	setupDecoder                func(codec uintptr, p unsafe.Pointer) int32
	imageCreate                 func(n uint32, parms *opjImageCmptParm, cs int32) *opjImage
	imageDestroy                func(img *opjImage)
	streamCreate                func(size uintptr, input int32) uintptr
	streamDestroy               func(s uintptr)
	streamSetRead               func(s, fn uintptr)
	streamSetWrite              func(s, fn uintptr)
	streamSetSkip               func(s, fn uintptr)
	streamSetSeek               func(s, fn uintptr)
	streamSetUserData           func(s, data, free uintptr)
	streamSetUserDataLength     func(s uintptr, n uint64)
	startCompress               func(codec uintptr, img *opjImage, s uintptr) int32
	encode                      func(codec, s uintptr) int32
	endCompress                 func(codec, s uintptr) int32
	readHeader                  func(s, codec uintptr, img **opjImage) int32
	setDecodeArea               func(codec uintptr, img *opjImage, x0, y0, x1, y1 int32) int32
	decode                      func(codec, s uintptr, img *opjImage) int32
	endDecompress               func(codec, s uintptr) int32

	// Stream callbacks, created once (purego callbacks are never freed).
	readFn, writeFn, skipFn, seekFn uintptr
}

// libName is the shared object of Debian's libopenjp2-7 (pulled in by
// libopenjp2-tools).
const libName = "libopenjp2.so.7"

var (
	libOnce sync.Once
	lib     *opjLib
	libErr  error
)

// loadLibrary loads libopenjp2 once per process; tests replace it.
var loadLibrary = func() (*opjLib, error) {
	libOnce.Do(func() { lib, libErr = openLibrary() })
	return lib, libErr
}

func openLibrary() (l *opjLib, err error) {
	h, err := purego.Dlopen(libName, purego.RTLD_NOW|purego.RTLD_LOCAL)
	if err != nil {
		return nil, fmt.Errorf("codec: %s not loadable (install libopenjp2-7): %v", libName, err)
	}
	// RegisterLibFunc panics on a missing symbol.
	defer func() {
		if r := recover(); r != nil {
			l, err = nil, fmt.Errorf("codec: %s: %v", libName, r)
		}
	}()
	l = &opjLib{}
	var version func() string
	for name, fp := range map[string]any{
		"opj_version":                        &version,
		"opj_create_compress":                &l.createCompress,
		"opj_create_decompress":              &l.createDecompress,
		"opj_destroy_codec":                  &l.destroyCodec,
		"opj_set_default_encoder_parameters": &l.setDefaultEncoderParameters,
		"opj_set_default_decoder_parameters": &l.setDefaultDecoderParameters,
		"opj_setup_encoder":                  &l.setupEncoder,
		"opj_setup_decoder":                  &l.setupDecoder,
		"opj_image_create":                   &l.imageCreate,
		"opj_image_destroy":                  &l.imageDestroy,
		"opj_stream_create":                  &l.streamCreate,
		"opj_stream_destroy":                 &l.streamDestroy,
		"opj_stream_set_read_function":       &l.streamSetRead,
		"opj_stream_set_write_function":      &l.streamSetWrite,
		"opj_stream_set_skip_function":       &l.streamSetSkip,
		"opj_stream_set_seek_function":       &l.streamSetSeek,
		"opj_stream_set_user_data":           &l.streamSetUserData,
		"opj_stream_set_user_data_length":    &l.streamSetUserDataLength,
		"opj_start_compress":                 &l.startCompress,
		"opj_encode":                         &l.encode,
		"opj_end_compress":                   &l.endCompress,
		"opj_read_header":                    &l.readHeader,
		"opj_set_decode_area":                &l.setDecodeArea,
		"opj_decode":                         &l.decode,
		"opj_end_decompress":                 &l.endDecompress,
	} {
		purego.RegisterLibFunc(fp, h, name)
	}
	l.version = version()
	if !strings.HasPrefix(l.version, "2.") {
		return nil, fmt.Errorf("codec: %s is OpenJPEG %s, want 2.x", libName, l.version)
	}
	if err := l.checkLayout(); err != nil {
		return nil, err
	}
	l.readFn, l.writeFn = purego.NewCallback(streamRead), purego.NewCallback(streamWrite)
	l.skipFn, l.seekFn = purego.NewCallback(streamSkip), purego.NewCallback(streamSeek)
	return l, nil
}

// params is a parameter buffer, 8-byte aligned, for the library to fill.
// opj_set_default_*_parameters clears the whole struct first, so buffers
// are recycled without clearing (checkLayout uses fresh ones).
type params []uint64

func newParams() params { return make(params, paramsBuf/8) }

var paramsPool = sync.Pool{New: func() any { p := newParams(); return &p }}

func getParams() *params { return paramsPool.Get().(*params) }

func (p params) ptr() unsafe.Pointer { return unsafe.Pointer(&p[0]) }

func (p params) bytes() []byte { return unsafe.Slice((*byte)(p.ptr()), len(p)*8) }

func (p params) int32At(off int) int32 { return int32(binary.NativeEndian.Uint32(p.bytes()[off:])) }

func (p params) setInt32(off int, v int32) { binary.NativeEndian.PutUint32(p.bytes()[off:], uint32(v)) }

// checkLayout verifies the library's defaults at our offsets (the values
// opj_set_default_*_parameters documents and 2.5.0 writes), that it sets
// every byte of the 2.5.0 struct sizes (so recycled buffers need no
// clearing) and writes nothing beyond them.
func (l *opjLib) checkLayout() error {
	const canary = 0x5a
	enc := newParams()
	b := enc.bytes()
	for i := range b {
		b[i] = canary
	}
	l.setDefaultEncoderParameters(enc.ptr())
	want := []struct {
		off int
		v   int32
	}{
		{cpDistoAlloc, 0}, {cpProgOrder, 0}, {cpNumLayers, 0}, {cpNumResolution, 6},
		{cpCblockW, 64}, {cpCblockH, 64}, {cpSubsamplingDx, 1}, {cpSubsamplingDy, 1},
		{cpDecodFormat, -1}, {cpCodFormat, -1},
	}
	for _, w := range want {
		if got := enc.int32At(w.off); got != w.v {
			return fmt.Errorf("codec: %s %s: opj_cparameters_t field at %d is %d, want %d: layout differs from 2.5.0", libName, l.version, w.off, got, w.v)
		}
	}
	if b[cpTcpMct] != 0 {
		return fmt.Errorf("codec: %s %s: tcp_mct default %d, want 0", libName, l.version, b[cpTcpMct])
	}
	if bytesHave(b[:cpSize], canary) {
		return fmt.Errorf("codec: %s %s: opj_set_default_encoder_parameters leaves bytes unset", libName, l.version)
	}
	if bytesNot(b[cpSize:], canary) {
		return fmt.Errorf("codec: %s %s: opj_cparameters_t larger than 2.5.0's %d bytes", libName, l.version, cpSize)
	}
	dec := newParams()
	b = dec.bytes()
	for i := range b {
		b[i] = canary
	}
	l.setDefaultDecoderParameters(dec.ptr())
	if dec.int32At(dpReduce) != 0 || dec.int32At(dpDecodFormat) != -1 || dec.int32At(dpCodFormat) != -1 {
		return fmt.Errorf("codec: %s %s: opj_dparameters_t layout differs from 2.5.0", libName, l.version)
	}
	if bytesHave(b[:dpSize], canary) {
		return fmt.Errorf("codec: %s %s: opj_set_default_decoder_parameters leaves bytes unset", libName, l.version)
	}
	if bytesNot(b[dpSize:], canary) {
		return fmt.Errorf("codec: %s %s: opj_dparameters_t larger than 2.5.0's %d bytes", libName, l.version, dpSize)
	}
	return nil
}

func bytesHave(b []byte, v byte) bool { return bytes.IndexByte(b, v) >= 0 }

func bytesNot(b []byte, v byte) bool {
	for _, x := range b {
		if x != v {
			return true
		}
	}
	return false
}

// Memory streams. C holds only an integer handle as user data; the Go
// side looks the stream up in a table, so no Go pointer is kept by C.
type memStream struct {
	buf []byte
	pos int64
}

var streams struct {
	sync.Mutex
	next uintptr
	m    map[uintptr]*memStream
}

func registerStream(s *memStream) uintptr {
	streams.Lock()
	defer streams.Unlock()
	if streams.m == nil {
		streams.m = make(map[uintptr]*memStream)
	}
	streams.next++
	streams.m[streams.next] = s
	return streams.next
}

func releaseStream(h uintptr) {
	streams.Lock()
	delete(streams.m, h)
	streams.Unlock()
}

func lookupStream(h uintptr) *memStream {
	streams.Lock()
	defer streams.Unlock()
	return streams.m[h]
}

// The callbacks follow the library's own file stream (opj_read_from_file,
// opj_write_from_file, opj_skip_from_file, opj_seek_from_file): reads
// return (OPJ_SIZE_T)-1 at the end, skips and seeks may pass the end.

func streamRead(buf unsafe.Pointer, n uintptr, h uintptr) uintptr {
	s := lookupStream(h)
	if s == nil || s.pos >= int64(len(s.buf)) || n == 0 {
		return ^uintptr(0)
	}
	k := copy(unsafe.Slice((*byte)(buf), n), s.buf[s.pos:])
	s.pos += int64(k)
	return uintptr(k)
}

func streamWrite(buf unsafe.Pointer, n uintptr, h uintptr) uintptr {
	s := lookupStream(h)
	if s == nil {
		return ^uintptr(0)
	}
	src := unsafe.Slice((*byte)(buf), n)
	end := s.pos + int64(n)
	if end > int64(len(s.buf)) {
		s.buf = append(s.buf, make([]byte, end-int64(len(s.buf)))...)
	}
	copy(s.buf[s.pos:end], src)
	s.pos = end
	return n
}

func streamSkip(n int64, h uintptr) int64 {
	s := lookupStream(h)
	if s == nil || s.pos+n < 0 {
		return -1
	}
	s.pos += n
	return n
}

func streamSeek(n int64, h uintptr) uintptr {
	s := lookupStream(h)
	if s == nil || n < 0 {
		return 0
	}
	s.pos = n
	return 1
}

// errStep names the library call that failed; OpenJPEG's own messages go
// to its default (silent) handlers.
func errStep(step string) error { return fmt.Errorf("codec: OpenJPEG %s failed", step) }

// compress codes one 8-bit grayscale image as opj_compress does with
// -F cols,rows,1,8,u -n res -b cb,cb [-r rate] into a .j2k file; rate 0 is
// lossless (what opj_compress sets without -r).
func (l *opjLib) compress(img []byte, rows, cols, res, cb int, rate float32) ([]byte, error) {
	pp := getParams()
	defer paramsPool.Put(pp)
	p := *pp
	l.setDefaultEncoderParameters(p.ptr())
	p.setInt32(cpNumResolution, int32(res))
	p.setInt32(cpCblockW, int32(cb))
	p.setInt32(cpCblockH, int32(cb))
	p.setInt32(cpNumLayers, 1)
	p.setInt32(cpRates, int32(math.Float32bits(rate)))
	p.setInt32(cpDistoAlloc, 1)
	p.bytes()[cpTcpMct] = 0 // one component: no MCT

	// rawtoimage: one unsigned 8-bit component, grey, on a grid from (0,0).
	parm := opjImageCmptParm{dx: 1, dy: 1, w: uint32(cols), h: uint32(rows), prec: 8, bpp: 8}
	im := l.imageCreate(1, &parm, opjClrspcGray)
	if im == nil {
		return nil, errStep("opj_image_create")
	}
	defer l.imageDestroy(im)
	im.x0, im.y0, im.x1, im.y1 = 0, 0, uint32(cols), uint32(rows)
	data := unsafe.Slice(im.comps.data, rows*cols)
	for i, v := range img {
		data[i] = int32(v)
	}

	codec := l.createCompress(opjCodecJ2K)
	if codec == 0 {
		return nil, errStep("opj_create_compress")
	}
	defer l.destroyCodec(codec)
	if l.setupEncoder(codec, p.ptr(), im) == 0 {
		return nil, errStep("opj_setup_encoder")
	}
	ms := &memStream{buf: make([]byte, 0, 512)}
	s, release, err := l.openStream(ms, false)
	if err != nil {
		return nil, err
	}
	ok := l.startCompress(codec, im, s) != 0 && l.encode(codec, s) != 0 && l.endCompress(codec, s) != 0
	release()
	if !ok {
		return nil, errStep("encoding")
	}
	return ms.buf, nil
}

// openStream creates a library stream over ms; release destroys it (which
// flushes a write stream) and forgets ms.
func (l *opjLib) openStream(ms *memStream, input bool) (uintptr, func(), error) {
	in, length := int32(opjStreamWrite), uint64(0)
	if input {
		in, length = opjStreamRead, uint64(len(ms.buf))
	}
	s := l.streamCreate(streamBuf, in)
	if s == 0 {
		return 0, nil, errStep("opj_stream_create")
	}
	h := registerStream(ms)
	if input {
		l.streamSetRead(s, l.readFn)
	} else {
		l.streamSetWrite(s, l.writeFn)
	}
	l.streamSetSkip(s, l.skipFn)
	l.streamSetSeek(s, l.seekFn)
	l.streamSetUserData(s, h, 0)
	l.streamSetUserDataLength(s, length)
	return s, func() { l.streamDestroy(s); releaseStream(h) }, nil
}

// errDecode reports a codestream the library rejects.
var errDecode = errors.New("codec: OpenJPEG cannot decode the codestream")

// decompress decodes a J2K codestream as opj_decompress -i x.j2k -o y.raw
// does and returns the raw bytes it would write (imagetoraw: 8-bit
// samples clamped to their range). Anything opj_decompress would not write
// as exactly n bytes is an error.
func (l *opjLib) decompress(cs []byte, n int) ([]byte, error) {
	codec := l.createDecompress(opjCodecJ2K)
	if codec == 0 {
		return nil, errStep("opj_create_decompress")
	}
	defer l.destroyCodec(codec)
	pp := getParams()
	defer paramsPool.Put(pp)
	p := *pp
	l.setDefaultDecoderParameters(p.ptr())
	if l.setupDecoder(codec, p.ptr()) == 0 {
		return nil, errStep("opj_setup_decoder")
	}
	s, release, err := l.openStream(&memStream{buf: cs}, true)
	if err != nil {
		return nil, err
	}
	defer release()
	var im *opjImage
	ok := l.readHeader(s, codec, &im) != 0
	if im != nil {
		defer l.imageDestroy(im)
	}
	if !ok {
		return nil, fmt.Errorf("%w: opj_read_header", errDecode)
	}
	if l.setDecodeArea(codec, im, 0, 0, 0, 0) == 0 {
		return nil, fmt.Errorf("%w: opj_set_decode_area", errDecode)
	}
	if l.decode(codec, s, im) == 0 || l.endDecompress(codec, s) == 0 {
		return nil, fmt.Errorf("%w: opj_decode", errDecode)
	}
	if im.numcomps != 1 || im.comps == nil || im.comps.data == nil || im.x1 == 0 || im.y1 == 0 {
		return nil, fmt.Errorf("%w: no single-component image", errDecode)
	}
	c := im.comps
	if c.prec > 8 || c.prec == 0 || int(c.w)*int(c.h) != n {
		return nil, fmt.Errorf("%w: decoded %d×%d×%d bits, want %d 8-bit samples", errDecode, c.w, c.h, c.prec, n)
	}
	data := unsafe.Slice(c.data, n)
	out := make([]byte, n)
	mask := int32(1)<<c.prec - 1
	lo, hi := int32(0), int32(255)
	if c.sgnd != 0 {
		lo, hi = -128, 127
	}
	for i, v := range data {
		out[i] = byte(min(max(v, lo), hi) & mask)
	}
	return out, nil
}
