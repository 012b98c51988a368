package iqfile

import (
	"errors"
	"fmt"
	"io"
	"time"
)

// DefaultBlock is the number of samples Read produces when dst has no
// capacity.
const DefaultBlock = 4096

// Errors wrapped by Reader errors; each error also names the file and the
// byte offset.
var (
	ErrTruncated = errors.New("iqfile: truncated sample")
	ErrNonFinite = errors.New("iqfile: NaN or Inf sample")
)

// Reader decodes a stream of samples in blocks. It holds one block of byte
// scratch and does not allocate in steady state.
type Reader struct {
	r    io.Reader
	dt   Datatype
	name string
	off  int64 // byte offset in the file of the next sample
	buf  []byte
	err  error // sticky
}

// NewReader reads samples of type dt from r. name (the file name) and
// offset (the byte offset of r's first byte in that file) only label errors.
// NewReader panics on an invalid dt (programmer error).
func NewReader(r io.Reader, dt Datatype, name string, offset int64) *Reader {
	if dt.SampleSize() == 0 {
		panic("iqfile: invalid datatype")
	}
	return &Reader{r: r, dt: dt, name: name, off: offset}
}

// Datatype returns the sample encoding.
func (r *Reader) Datatype() Datatype { return r.dt }

// Offset returns the byte offset of the next sample in the file.
func (r *Reader) Offset() int64 { return r.off }

// Read decodes up to cap(dst) samples (DefaultBlock if cap(dst) is 0) into
// dst[:0] and returns them. It returns io.EOF, with no samples, at a clean end
// of stream. A partial sample at the end is an error wrapping ErrTruncated; a
// NaN or Inf sample is an error wrapping ErrNonFinite, returned with the
// samples before it. Errors are sticky. Read allocates only when dst has no
// capacity or its byte scratch must grow.
func (r *Reader) Read(dst []complex64) ([]complex64, error) {
	if r.err != nil {
		return dst[:0], r.err
	}
	n := cap(dst)
	if n == 0 {
		n = DefaultBlock
		dst = make([]complex64, 0, n)
	}
	ss := r.dt.SampleSize()
	if len(r.buf) < n*ss {
		r.buf = make([]byte, n*ss)
	}
	got, err := io.ReadFull(r.r, r.buf[:n*ss])
	whole := got / ss
	dst = dst[:whole]
	if bad := decode(dst, r.buf[:whole*ss], r.dt); bad >= 0 {
		at := r.off + int64(bad*ss)
		r.err = fmt.Errorf("%w: %s: offset %d (sample %d)", ErrNonFinite, r.name, at, at/int64(ss))
		r.off = at
		return dst[:bad], r.err
	}
	r.off += int64(whole * ss)
	switch {
	case err == nil:
		return dst, nil
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		if rem := got - whole*ss; rem != 0 {
			r.err = fmt.Errorf("%w: %s: offset %d: %d of %d bytes of a %s sample", ErrTruncated, r.name, r.off, rem, ss, r.dt)
			return dst, r.err
		}
		r.err = io.EOF
		if whole > 0 {
			return dst, nil
		}
		return dst, io.EOF
	default:
		r.err = fmt.Errorf("iqfile: %s: offset %d: %w", r.name, r.off, err)
		return dst, r.err
	}
}

// reset restarts decoding from r at byte offset off (used by Source to loop).
func (r *Reader) reset(rd io.Reader, off int64) {
	r.r, r.off, r.err = rd, off, nil
}

// Writer encodes samples to an io.Writer in blocks.
type Writer struct {
	w       io.Writer
	dt      Datatype
	buf     []byte
	n       int64
	clipped int64
}

// NewWriter writes samples of type dt to w. Integer types clip at full scale
// (|re|, |im| ≤ 1); Clipped counts clipped components. NewWriter panics on an
// invalid dt (programmer error).
func NewWriter(w io.Writer, dt Datatype) *Writer {
	if dt.SampleSize() == 0 {
		panic("iqfile: invalid datatype")
	}
	return &Writer{w: w, dt: dt}
}

// Write encodes and writes src. It does not allocate once its scratch has
// grown to the largest block written.
func (w *Writer) Write(src []complex64) error {
	ss := w.dt.SampleSize()
	if len(w.buf) < len(src)*ss {
		w.buf = make([]byte, len(src)*ss)
	}
	w.clipped += int64(encode(w.buf, src, w.dt))
	if _, err := w.w.Write(w.buf[:len(src)*ss]); err != nil {
		return fmt.Errorf("iqfile: writing samples: %w", err)
	}
	w.n += int64(len(src))
	return nil
}

// Samples returns the number of samples written.
func (w *Writer) Samples() int64 { return w.n }

// Clipped returns the number of real components clipped to full scale.
func (w *Writer) Clipped() int64 { return w.clipped }

// SourceConfig configures a file source block.
type SourceConfig struct {
	// Loop restarts at the first sample after the last one, forever.
	Loop bool `json:"loop"`
	// Rate limits the output to this many samples per second of wall-clock
	// time (0: as fast as possible), like GNU Radio's throttle block.
	Rate float64 `json:"rate"`
}

// Source is a file source: a Reader over a seekable file with optional
// looping and rate limiting.
type Source struct {
	cfg   SourceConfig
	rs    io.ReadSeeker
	start int64
	rd    *Reader
	sent  int64
	t0    time.Time
	now   func() time.Time
	sleep func(time.Duration)
}

// NewSource reads samples of type dt from rs, starting at byte offset start
// (the first sample; loops return there).
func NewSource(rs io.ReadSeeker, dt Datatype, name string, start int64, cfg SourceConfig) (*Source, error) {
	if cfg.Rate < 0 || cfg.Rate != cfg.Rate {
		return nil, fmt.Errorf("iqfile: source rate %v must be ≥ 0", cfg.Rate)
	}
	if _, err := rs.Seek(start, io.SeekStart); err != nil {
		return nil, fmt.Errorf("iqfile: %s: seeking to offset %d: %w", name, start, err)
	}
	return &Source{cfg: cfg, rs: rs, start: start, rd: NewReader(rs, dt, name, start), now: time.Now, sleep: time.Sleep}, nil
}

// Read produces the next block as Reader.Read does. With Loop it never
// returns io.EOF (an empty file is an error instead); with Rate it sleeps so
// that the samples delivered never run ahead of Rate.
func (s *Source) Read(dst []complex64) ([]complex64, error) {
	out, err := s.rd.Read(dst)
	if err == io.EOF && s.cfg.Loop {
		if s.rd.off == s.start {
			return out, fmt.Errorf("iqfile: %s: cannot loop an empty recording", s.rd.name)
		}
		if _, serr := s.rs.Seek(s.start, io.SeekStart); serr != nil {
			return out, fmt.Errorf("iqfile: %s: rewinding: %w", s.rd.name, serr)
		}
		s.rd.reset(s.rs, s.start)
		out, err = s.rd.Read(dst)
	}
	if s.cfg.Rate > 0 && len(out) > 0 {
		if s.sent == 0 {
			s.t0 = s.now()
		}
		s.sent += int64(len(out))
		due := s.t0.Add(time.Duration(float64(s.sent) / s.cfg.Rate * float64(time.Second)))
		if d := due.Sub(s.now()); d > 0 {
			s.sleep(d)
		}
	}
	return out, err
}
