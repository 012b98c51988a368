package source

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// IDX magic numbers: two zero bytes, the element type (0x08 = unsigned byte)
// and the number of dimensions (LeCun's MNIST page, "THE IDX FILE FORMAT").
const (
	idxMagicLabels = 0x00000801
	idxMagicImages = 0x00000803
)

// maxIDXItems bounds the item count a header may announce, so a malformed
// header cannot make the reader allocate gigabytes before failing.
const maxIDXItems = 1 << 24

// ErrIDXFormat is wrapped by every error caused by malformed IDX input.
var ErrIDXFormat = errors.New("source: malformed IDX data")

// gunzipIfNeeded returns r's content, decompressed when it starts with the
// gzip magic bytes 1f 8b.
func gunzipIfNeeded(r io.Reader) (io.Reader, func() error, error) {
	br := bufio.NewReader(r)
	head, err := br.Peek(2)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, nil, err
	}
	if len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: gzip header: %v", ErrIDXFormat, err)
		}
		return zr, zr.Close, nil
	}
	return br, func() error { return nil }, nil
}

func readHeader(r io.Reader, dims int) ([]uint32, error) {
	h := make([]uint32, 1+dims)
	if err := binary.Read(r, binary.BigEndian, h); err != nil {
		return nil, fmt.Errorf("%w: short header: %v", ErrIDXFormat, err)
	}
	return h, nil
}

// readBody reads exactly n bytes and then requires end of input, so that
// trailing garbage is reported rather than ignored.
func readBody(r io.Reader, n int) ([]byte, error) {
	buf := make([]byte, n)
	if got, err := io.ReadFull(r, buf); err != nil {
		return nil, fmt.Errorf("%w: truncated: want %d data bytes, got %d", ErrIDXFormat, n, got)
	}
	var one [1]byte
	if k, _ := r.Read(one[:]); k > 0 {
		return nil, fmt.Errorf("%w: trailing bytes after %d data bytes", ErrIDXFormat, n)
	}
	return buf, nil
}

// ReadIDXImages reads an IDX3 unsigned-byte image file, raw or gzip-compressed,
// and returns the count, rows, columns and the row-major pixels of all images.
// The header's magic, dimensions and the data length are all validated.
func ReadIDXImages(r io.Reader) (n, rows, cols int, pixels []byte, err error) {
	zr, closeFn, err := gunzipIfNeeded(r)
	if err != nil {
		return 0, 0, 0, nil, err
	}
	h, err := readHeader(zr, 3)
	if err != nil {
		return 0, 0, 0, nil, err
	}
	if h[0] != idxMagicImages {
		return 0, 0, 0, nil, fmt.Errorf("%w: magic %#08x, want %#08x (images)", ErrIDXFormat, h[0], idxMagicImages)
	}
	if h[1] > maxIDXItems || h[2] == 0 || h[3] == 0 || h[2] > 4096 || h[3] > 4096 {
		return 0, 0, 0, nil, fmt.Errorf("%w: implausible dimensions %d×%d×%d", ErrIDXFormat, h[1], h[2], h[3])
	}
	n, rows, cols = int(h[1]), int(h[2]), int(h[3])
	if n*rows*cols > 1<<31 {
		return 0, 0, 0, nil, fmt.Errorf("%w: %d×%d×%d pixels is too large", ErrIDXFormat, n, rows, cols)
	}
	pixels, err = readBody(zr, n*rows*cols)
	if err != nil {
		return 0, 0, 0, nil, err
	}
	if err := closeFn(); err != nil {
		return 0, 0, 0, nil, fmt.Errorf("%w: gzip: %v", ErrIDXFormat, err)
	}
	return n, rows, cols, pixels, nil
}

// ReadIDXLabels reads an IDX1 unsigned-byte label file, raw or
// gzip-compressed. Every label must be below numClasses.
func ReadIDXLabels(r io.Reader, numClasses int) ([]byte, error) {
	zr, closeFn, err := gunzipIfNeeded(r)
	if err != nil {
		return nil, err
	}
	h, err := readHeader(zr, 1)
	if err != nil {
		return nil, err
	}
	if h[0] != idxMagicLabels {
		return nil, fmt.Errorf("%w: magic %#08x, want %#08x (labels)", ErrIDXFormat, h[0], idxMagicLabels)
	}
	if h[1] > maxIDXItems {
		return nil, fmt.Errorf("%w: implausible label count %d", ErrIDXFormat, h[1])
	}
	labels, err := readBody(zr, int(h[1]))
	if err != nil {
		return nil, err
	}
	if err := closeFn(); err != nil {
		return nil, fmt.Errorf("%w: gzip: %v", ErrIDXFormat, err)
	}
	for i, l := range labels {
		if int(l) >= numClasses {
			return nil, fmt.Errorf("%w: label %d at index %d is not below %d", ErrIDXFormat, l, i, numClasses)
		}
	}
	return labels, nil
}
