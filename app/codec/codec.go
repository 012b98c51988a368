package codec

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// Kind selects a codec.
type Kind uint8

const (
	// Auto is JPEG 2000 when OpenJPEG (the library or its tools) is
	// installed, else JPEG.
	Auto Kind = iota
	// J2K is JPEG 2000 (ITU-T T.800) through OpenJPEG: libopenjp2 in
	// process, opj_compress/opj_decompress for untrusted payloads or when
	// the library is missing.
	J2K
	// JPEG is baseline JPEG (ITU-T T.81) through the standard library.
	JPEG
)

func (k Kind) String() string {
	switch k {
	case Auto:
		return "auto"
	case J2K:
		return "j2k"
	case JPEG:
		return "jpeg"
	}
	return fmt.Sprintf("Kind(%d)", k)
}

// MarshalText implements encoding.TextMarshaler.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText accepts "auto", "j2k" (or "jpeg2000", "jp2") and "jpeg".
func (k *Kind) UnmarshalText(b []byte) error {
	switch strings.ToLower(string(b)) {
	case "auto", "":
		*k = Auto
	case "j2k", "jpeg2000", "jp2":
		*k = J2K
	case "jpeg", "jpg":
		*k = JPEG
	default:
		return fmt.Errorf("codec: unknown codec %q (want auto, j2k or jpeg)", b)
	}
	return nil
}

// Config is an unchecked description of the agreed source coding. Zero
// fields take the documented defaults. Sender and receiver must use the same
// Config: the headers the payload omits are rebuilt from it.
type Config struct {
	Kind        Kind `json:"kind"`
	Rows        int  `json:"rows"`        // image height in pixels; default 28
	Cols        int  `json:"cols"`        // image width in pixels; default 28
	Budget      int  `json:"budget"`      // maximum payload bytes per image; default 196 (DESIGN.md §3)
	Resolutions int  `json:"resolutions"` // J2K resolution levels (-n), at most 1+log2(min(Rows, Cols)); default Adaptive
	CodeBlock   int  `json:"code_block"`  // J2K code-block width = height (-b), a power of two in 4..64; default 64
}

// Default values of Config fields.
const (
	DefaultRows        = 28
	DefaultCols        = 28
	DefaultBudget      = 196
	DefaultResolutions = Adaptive
	DefaultCodeBlock   = 64
)

// Adaptive, as Config.Resolutions, makes the JPEG 2000 encoder code each
// image with 1 and with 2 resolution levels and send the one with the
// smaller error, after a one-byte mode selector (counted in the budget).
const Adaptive = -1

// Codec codes 8-bit grayscale images of a fixed size into payloads of at most
// Budget bytes and back. It is safe for concurrent use.
type Codec struct {
	cfg    Config
	notice string
	impl   interface {
		encode(dst, img []byte) ([]byte, error)
		decode(dst, payload []byte) ([]byte, error)
		decodeOwn(dst, payload []byte) ([]byte, error)
	}
}

// ErrBudget reports an image that cannot be coded within the budget.
var ErrBudget = errors.New("codec: image does not fit the payload budget")

// ErrPayload reports a payload the receiver cannot decode.
var ErrPayload = errors.New("codec: undecodable payload")

// New validates cfg and returns a Codec. With Kind Auto (or J2K) and
// OpenJPEG missing (neither libopenjp2 nor its tools), Auto falls back to
// JPEG and says so in Notice; an explicit J2K fails with an error naming
// what is missing and the package that provides it.
func New(cfg Config) (*Codec, error) {
	if cfg.Rows == 0 {
		cfg.Rows = DefaultRows
	}
	if cfg.Cols == 0 {
		cfg.Cols = DefaultCols
	}
	if cfg.Budget == 0 {
		cfg.Budget = DefaultBudget
	}
	if cfg.Resolutions == 0 {
		cfg.Resolutions = DefaultResolutions
	}
	if cfg.CodeBlock == 0 {
		cfg.CodeBlock = DefaultCodeBlock
	}
	switch {
	case cfg.Kind > JPEG:
		return nil, fmt.Errorf("codec: unknown kind %d", cfg.Kind)
	case cfg.Rows < 1 || cfg.Cols < 1 || cfg.Rows > 4096 || cfg.Cols > 4096:
		return nil, fmt.Errorf("codec: image size %d×%d outside 1..4096", cfg.Rows, cfg.Cols)
	case cfg.Budget < 2:
		return nil, fmt.Errorf("codec: budget %d bytes is too small", cfg.Budget)
	case cfg.CodeBlock < 4 || cfg.CodeBlock > 64 || cfg.CodeBlock&(cfg.CodeBlock-1) != 0:
		// T.800 §A.6.1: code-block dimensions are powers of two from 4 to 1024, area ≤ 4096.
		return nil, fmt.Errorf("codec: code-block size %d is not a power of two in 4..64", cfg.CodeBlock)
	case cfg.Resolutions == Adaptive && min(cfg.Rows, cfg.Cols) < 2:
		return nil, fmt.Errorf("codec: adaptive resolutions need images of at least 2×2 pixels")
	case cfg.Resolutions != Adaptive && (cfg.Resolutions < 1 || 1<<(cfg.Resolutions-1) > min(cfg.Rows, cfg.Cols)):
		return nil, fmt.Errorf("codec: %d resolution levels do not fit a %d×%d image", cfg.Resolutions, cfg.Rows, cfg.Cols)
	}
	c := &Codec{cfg: cfg}
	var lib *opjLib
	var tools bool
	if cfg.Kind == Auto || cfg.Kind == J2K {
		var libErr error
		lib, libErr = loadLibrary()
		toolErr := toolsAvailable()
		tools = toolErr == nil
		switch {
		case lib != nil || tools:
			c.cfg.Kind = J2K
		case cfg.Kind == J2K:
			return nil, fmt.Errorf("%w; %v", toolErr, libErr)
		default:
			c.notice = fmt.Sprintf("JPEG 2000 unavailable (%v; %v); using the standard library's JPEG instead", toolErr, libErr)
			c.cfg.Kind = JPEG
		}
	}
	var err error
	switch c.cfg.Kind {
	case J2K:
		c.impl, err = newJ2K(c.cfg, lib, tools)
	case JPEG:
		c.impl, err = newJPEG(c.cfg)
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Config returns the configuration with defaults filled in; Kind is the codec
// actually in use (never Auto).
func (c *Codec) Config() Config { return c.cfg }

// Notice is non-empty when New fell back from JPEG 2000 to JPEG; it says why.
func (c *Codec) Notice() string { return c.notice }

// Backend names the implementation coding the images: JPEG 2000 through
// libopenjp2 in process or through OpenJPEG's command-line tools (one
// process per coding, about 26 times slower), or the standard library's JPEG.
func (c *Codec) Backend() string {
	if j, ok := c.impl.(*j2kCodec); ok {
		if j.lib != nil {
			return "JPEG 2000 (libopenjp2 in process)"
		}
		return "JPEG 2000 (OpenJPEG command-line tools)"
	}
	return "JPEG (standard library)"
}

// ImageSize returns Rows×Cols, the bytes of one image.
func (c *Codec) ImageSize() int { return c.cfg.Rows * c.cfg.Cols }

// Encode codes one image (Rows×Cols bytes, row-major) and writes the payload,
// at most Budget bytes, into dst[:0] (growing it only when its capacity is
// short), returning it. It fails if len(img) is wrong or the image cannot be
// coded within the budget.
func (c *Codec) Encode(dst, img []byte) ([]byte, error) {
	if len(img) != c.ImageSize() {
		return dst[:0], fmt.Errorf("codec: image is %d bytes, want %d", len(img), c.ImageSize())
	}
	out, err := c.impl.encode(dst[:0], img)
	if err == nil && len(out) > c.cfg.Budget {
		err = fmt.Errorf("%w: %d bytes > %d", ErrBudget, len(out), c.cfg.Budget)
	}
	return out, err
}

// Decode rebuilds the image (Rows×Cols bytes) from a payload made by Encode
// under the same Config, writing it into dst[:0] and returning it. A damaged
// or foreign payload gives an error wrapping ErrPayload, never a panic.
func (c *Codec) Decode(dst, payload []byte) ([]byte, error) {
	if len(payload) == 0 || len(payload) > c.cfg.Budget {
		return dst[:0], fmt.Errorf("%w: %d bytes (budget %d)", ErrPayload, len(payload), c.cfg.Budget)
	}
	return c.impl.decode(dst[:0], payload)
}

// DecodeOwn is Decode for a payload this process made with Encode under
// the same Config, such as a sender's reference reconstruction. Such input
// is trusted: JPEG 2000 decodes it in process even when Decode isolates
// OpenJPEG in a child process (see the package comment). The result is
// the same as Decode's.
func (c *Codec) DecodeOwn(dst, payload []byte) ([]byte, error) {
	if len(payload) == 0 || len(payload) > c.cfg.Budget {
		return dst[:0], fmt.Errorf("%w: %d bytes (budget %d)", ErrPayload, len(payload), c.cfg.Budget)
	}
	return c.impl.decodeOwn(dst[:0], payload)
}

// MaxPSNR caps the PSNR of an exact reconstruction (MSE = 0), so that averages
// stay finite; it is reported as such.
const MaxPSNR = 100.0

// PSNR returns the peak signal-to-noise ratio in dB of b against the
// reference a (8-bit samples, peak 255): 10·log10(255² / MSE), capped at
// MaxPSNR. It panics if the lengths differ or are zero.
func PSNR(a, b []byte) float64 {
	return psnrOf(MSE(a, b))
}

// MSE returns the mean squared error between two equal-length 8-bit images.
// It panics if the lengths differ or are zero.
func MSE(a, b []byte) float64 {
	if len(a) != len(b) || len(a) == 0 {
		panic("codec: MSE of images of different or zero length")
	}
	var s float64
	for i := range a {
		d := float64(a[i]) - float64(b[i])
		s += d * d
	}
	return s / float64(len(a))
}

func psnrOf(mse float64) float64 {
	if mse == 0 {
		return MaxPSNR
	}
	return min(10*math.Log10(255*255/mse), MaxPSNR)
}
