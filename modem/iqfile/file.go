package iqfile

import (
	"bufio"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"strings"
)

// SigMF file extensions.
const (
	MetaExt = ".sigmf-meta"
	DataExt = ".sigmf-data"
)

// ErrChecksum is wrapped when a SigMF data file does not match core:sha512.
var ErrChecksum = errors.New("iqfile: SHA-512 mismatch")

// Base strips a SigMF extension from path, so "rec", "rec.sigmf-meta" and
// "rec.sigmf-data" all name the recording "rec".
func Base(path string) string {
	for _, ext := range []string{MetaExt, DataExt, ".sigmf"} {
		if strings.HasSuffix(path, ext) {
			return strings.TrimSuffix(path, ext)
		}
	}
	return path
}

// File is an open recording: SigMF (Meta set) or raw (Meta nil).
type File struct {
	Meta     *Meta    // nil for raw files
	Path     string   // the data file
	Datatype Datatype // sample encoding
	Samples  int64    // number of samples in the data file

	f    *os.File
	src  *Source
	sha  hash.Hash // running SHA-512 while reading from sample 0 sequentially
	want string
}

// Open opens a SigMF recording (path with or without extension; the meta
// file must exist). It checks the metadata, that the data file holds a whole
// number of samples, and that captures and annotations lie inside it.
func Open(path string) (*File, error) {
	base := Base(path)
	metaPath := base + MetaExt
	mb, err := os.ReadFile(metaPath)
	if err != nil {
		return nil, fmt.Errorf("iqfile: %w", err)
	}
	m, err := ParseMeta(mb, metaPath)
	if err != nil {
		return nil, err
	}
	dt, _ := m.Datatype() // checked by ParseMeta
	f, err := open(base+DataExt, dt)
	if err != nil {
		return nil, err
	}
	f.Meta = m
	for i, c := range m.Captures {
		if int64(c.SampleStart) > f.Samples {
			f.Close()
			return nil, fmt.Errorf("iqfile: %s: truncated: captures[%d] starts at sample %d but the data holds %d samples", f.Path, i, c.SampleStart, f.Samples)
		}
	}
	for i, a := range m.Annotations {
		if end := int64(a.SampleStart + a.SampleCount); end > f.Samples {
			f.Close()
			return nil, fmt.Errorf("iqfile: %s: truncated: annotations[%d] ends at sample %d but the data holds %d samples (offset %d)", f.Path, i, end, f.Samples, f.Samples*int64(dt.SampleSize()))
		}
	}
	if m.Global.SHA512 != "" {
		f.sha, f.want = sha512.New(), strings.ToLower(m.Global.SHA512)
	}
	return f, nil
}

// OpenRaw opens a headerless recording of datatype dt (GNU Radio file sink,
// rtl_sdr, UHD rx_samples_to_file).
func OpenRaw(path string, dt Datatype) (*File, error) {
	if dt.SampleSize() == 0 {
		return nil, fmt.Errorf("iqfile: invalid datatype %v", dt)
	}
	return open(path, dt)
}

func open(path string, dt Datatype) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("iqfile: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("iqfile: %w", err)
	}
	ss := int64(dt.SampleSize())
	if rem := st.Size() % ss; rem != 0 {
		f.Close()
		return nil, fmt.Errorf("%w: %s: offset %d: data length %d is not a whole number of %d-byte %s samples (%d bytes left over)",
			ErrTruncated, path, st.Size()-rem, st.Size(), ss, dt, rem)
	}
	src, _ := NewSource(f, dt, path, 0, SourceConfig{})
	return &File{Path: path, Datatype: dt, Samples: st.Size() / ss, f: f, src: src}, nil
}

// SampleRate returns core:sample_rate, or 0 when unknown (raw files).
func (f *File) SampleRate() float64 {
	if f.Meta == nil {
		return 0
	}
	return f.Meta.Global.SampleRate
}

// SetSource reconfigures looping and rate limiting and restarts at sample.
func (f *File) SetSource(sample int64, cfg SourceConfig) error {
	if sample < 0 || sample > f.Samples {
		return fmt.Errorf("iqfile: %s: start sample %d outside [0, %d]", f.Path, sample, f.Samples)
	}
	src, err := NewSource(f.f, f.Datatype, f.Path, sample*int64(f.Datatype.SampleSize()), cfg)
	if err != nil {
		return err
	}
	f.src = src
	if sample != 0 || cfg.Loop {
		f.sha = nil // the checksum is only checked on a plain read from the start
	}
	return nil
}

// Read returns the next block of samples (see Reader.Read and Source.Read).
// When the metadata has core:sha512 and the file is read once from the
// start, the end of file is checked against it (an error wrapping
// ErrChecksum instead of io.EOF).
func (f *File) Read(dst []complex64) ([]complex64, error) {
	out, err := f.src.Read(dst)
	if f.sha != nil {
		if len(out) > 0 {
			// Re-encoding cf32 is exact and integers round-trip, so hashing
			// the decoded samples would work, but hashing the raw bytes is
			// cheaper and independent of the decoder: use the reader's block.
			f.sha.Write(f.src.rd.buf[:len(out)*f.Datatype.SampleSize()])
		}
		if err == io.EOF {
			got := hex.EncodeToString(f.sha.Sum(nil))
			f.sha = nil
			if got != f.want {
				return out, fmt.Errorf("%w: %s: data hashes to %s…, metadata says %s…", ErrChecksum, f.Path, got[:16], f.want[:min(16, len(f.want))])
			}
		}
	}
	return out, err
}

// Close closes the data file.
func (f *File) Close() error { return f.f.Close() }

// SigMFWriter records a SigMF recording: samples stream to the data file and
// the metadata (with core:sha512 and the annotations) is written by Close.
type SigMFWriter struct {
	*Writer
	Meta Meta // edit before Close (annotations, description)

	base string
	f    *os.File
	bw   *bufio.Writer
	sha  hash.Hash
}

// Create starts a SigMF recording at base (extension optional) with the
// given metadata; core:version defaults to SigMFVersion, core:datatype to
// cf32_le, and one capture at sample 0 is added if there is none.
func Create(base string, meta Meta) (*SigMFWriter, error) {
	base = Base(base)
	if meta.Global.Datatype == "" {
		meta.Global.Datatype = CF32LE.String()
	}
	if meta.Global.Version == "" {
		meta.Global.Version = SigMFVersion
	}
	if len(meta.Captures) == 0 {
		meta.Captures = []Capture{{SampleStart: 0}}
	}
	if err := meta.Validate(); err != nil {
		return nil, err
	}
	dt, err := meta.Datatype()
	if err != nil {
		return nil, err
	}
	f, err := os.Create(base + DataExt)
	if err != nil {
		return nil, fmt.Errorf("iqfile: %w", err)
	}
	bw := bufio.NewWriterSize(f, 1<<16)
	sha := sha512.New()
	return &SigMFWriter{Writer: NewWriter(io.MultiWriter(bw, sha), dt), Meta: meta, base: base, f: f, bw: bw, sha: sha}, nil
}

// Annotate adds an annotation (kept sorted by sample_start on Close).
func (w *SigMFWriter) Annotate(a Annotation) { w.Meta.Annotations = append(w.Meta.Annotations, a) }

// Close flushes the data file and writes the metadata file.
func (w *SigMFWriter) Close() error {
	err := w.bw.Flush()
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("iqfile: %s: %w", w.base+DataExt, err)
	}
	w.Meta.Global.SHA512 = hex.EncodeToString(w.sha.Sum(nil))
	sortAnnotations(w.Meta.Annotations)
	b, err := w.Meta.Marshal()
	if err != nil {
		return fmt.Errorf("iqfile: %w", err)
	}
	if err := os.WriteFile(w.base+MetaExt, b, 0o644); err != nil {
		return fmt.Errorf("iqfile: %w", err)
	}
	return nil
}

func sortAnnotations(a []Annotation) {
	// Insertion sort keeps equal starts in order; annotation lists are short
	// and usually already sorted.
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j].SampleStart < a[j-1].SampleStart; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}
