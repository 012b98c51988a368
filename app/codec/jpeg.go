package codec

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"sync"
)

// jpegCodec sends [quality byte] ‖ entropy-coded scan and rebuilds
// SOI…SOS and EOI from the quality (see the package comment).
type jpegCodec struct {
	cfg     Config
	mu      sync.Mutex
	headers map[int][]byte // quality → SOI…end of SOS header
}

func newJPEG(cfg Config) (*jpegCodec, error) {
	return &jpegCodec{cfg: cfg, headers: make(map[int][]byte)}, nil
}

// split returns the header (SOI through the SOS segment) and the scan data
// of a baseline JPEG stream, without EOI.
func splitJPEG(b []byte) (header, scan []byte, err error) {
	if len(b) < 4 || b[0] != 0xff || b[1] != 0xd8 {
		return nil, nil, fmt.Errorf("codec: not a JPEG stream")
	}
	for i := 2; i+4 <= len(b); {
		if b[i] != 0xff {
			return nil, nil, fmt.Errorf("codec: JPEG marker expected at %d", i)
		}
		l := int(b[i+2])<<8 | int(b[i+3])
		end := i + 2 + l
		if l < 2 || end > len(b) {
			return nil, nil, fmt.Errorf("codec: JPEG segment at %d overruns the stream", i)
		}
		if b[i+1] == 0xda { // SOS
			if len(b) < end+2 || b[len(b)-2] != 0xff || b[len(b)-1] != 0xd9 {
				return nil, nil, fmt.Errorf("codec: JPEG stream does not end in EOI")
			}
			return b[:end], b[end : len(b)-2], nil
		}
		i = end
	}
	return nil, nil, fmt.Errorf("codec: JPEG stream has no SOS")
}

func (j *jpegCodec) gray(img []byte) *image.Gray {
	return &image.Gray{Pix: img, Stride: j.cfg.Cols, Rect: image.Rect(0, 0, j.cfg.Cols, j.cfg.Rows)}
}

func (j *jpegCodec) encodeAt(img []byte, q int) ([]byte, error) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, j.gray(img), &jpeg.Options{Quality: q}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// header returns the agreed header for quality q: the stream prefix the
// standard library writes for any Rows×Cols grayscale image at q.
func (j *jpegCodec) header(q int) ([]byte, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if h, ok := j.headers[q]; ok {
		return h, nil
	}
	b, err := j.encodeAt(make([]byte, j.cfg.Rows*j.cfg.Cols), q)
	if err != nil {
		return nil, err
	}
	h, _, err := splitJPEG(b)
	if err != nil {
		return nil, err
	}
	j.headers[q] = h
	return h, nil
}

func (j *jpegCodec) payload(dst, img []byte, q int) ([]byte, error) {
	b, err := j.encodeAt(img, q)
	if err != nil {
		return dst, err
	}
	h, scan, err := splitJPEG(b)
	if err != nil {
		return dst, err
	}
	if agreed, err := j.header(q); err != nil || !bytes.Equal(h, agreed) {
		return dst, fmt.Errorf("codec: JPEG header at quality %d differs from the agreed one", q)
	}
	dst = append(dst[:0], byte(q))
	return append(dst, scan...), nil
}

// encode picks the highest quality (1..100) whose payload fits the budget.
// Payload size grows with quality almost everywhere; the bisection result is
// verified, and qualities below it are tried if it still does not fit.
func (j *jpegCodec) encode(dst, img []byte) ([]byte, error) {
	fits := func(q int) bool {
		p, err := j.payload(dst, img, q)
		return err == nil && len(p) <= j.cfg.Budget
	}
	lo, hi := 1, 100
	if fits(hi) {
		lo = hi
	}
	for hi-lo > 1 { // invariant: lo fits or lo == 1, hi does not fit
		mid := (lo + hi) / 2
		if fits(mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	for q := lo; q >= 1; q-- {
		p, err := j.payload(dst, img, q)
		if err != nil {
			return dst[:0], err
		}
		if len(p) <= j.cfg.Budget {
			return p, nil
		}
	}
	return dst[:0], fmt.Errorf("%w: JPEG at quality 1 needs more than %d bytes", ErrBudget, j.cfg.Budget)
}

// decodeOwn is decode: image/jpeg is memory-safe Go.
func (j *jpegCodec) decodeOwn(dst, payload []byte) ([]byte, error) { return j.decode(dst, payload) }

func (j *jpegCodec) decode(dst, payload []byte) ([]byte, error) {
	q := int(payload[0])
	if q < 1 || q > 100 {
		return dst, fmt.Errorf("%w: JPEG quality %d", ErrPayload, q)
	}
	h, err := j.header(q)
	if err != nil {
		return dst, err
	}
	stream := make([]byte, 0, len(h)+len(payload)+1)
	stream = append(append(append(stream, h...), payload[1:]...), 0xff, 0xd9)
	m, err := jpeg.Decode(bytes.NewReader(stream))
	if err != nil {
		return dst, fmt.Errorf("%w: %v", ErrPayload, err)
	}
	g, ok := m.(*image.Gray)
	if !ok || g.Rect.Dx() != j.cfg.Cols || g.Rect.Dy() != j.cfg.Rows {
		return dst, fmt.Errorf("%w: decoded image is not %d×%d grayscale", ErrPayload, j.cfg.Rows, j.cfg.Cols)
	}
	for y := range j.cfg.Rows {
		dst = append(dst, g.Pix[y*g.Stride:y*g.Stride+j.cfg.Cols]...)
	}
	return dst, nil
}
