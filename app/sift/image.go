package sift

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg" // JPEG input
	_ "image/png"  // PNG input
	"io"
)

// maxPixels bounds decoded images (64 Mpixel) so hostile headers cannot
// exhaust memory.
const maxPixels = 1 << 26

// Gray is an 8-bit grayscale image, row-major.
type Gray struct {
	W, H int
	Pix  []uint8
}

// At returns the pixel at (x, y); the caller keeps x, y in range.
func (g *Gray) At(x, y int) uint8 { return g.Pix[y*g.W+x] }

// Image returns g as an *image.Gray sharing no memory with g.
func (g *Gray) Image() *image.Gray {
	im := image.NewGray(image.Rect(0, 0, g.W, g.H))
	copy(im.Pix, g.Pix)
	return im
}

// FromImage converts any image to grayscale with the ITU-R BT.601 luma
// weights of image/color.GrayModel (0.299 R + 0.587 G + 0.114 B).
func FromImage(m image.Image) (*Gray, error) {
	b := m.Bounds()
	w, h := b.Dx(), b.Dy()
	if w <= 0 || h <= 0 || w*h > maxPixels {
		return nil, fmt.Errorf("%w: size %dx%d", ErrImage, w, h)
	}
	g := &Gray{W: w, H: h, Pix: make([]uint8, w*h)}
	if gm, ok := m.(*image.Gray); ok {
		for y := range h {
			copy(g.Pix[y*w:(y+1)*w], gm.Pix[(y+b.Min.Y-gm.Rect.Min.Y)*gm.Stride+(b.Min.X-gm.Rect.Min.X):])
		}
		return g, nil
	}
	for y := range h {
		for x := range w {
			g.Pix[y*w+x] = color.GrayModel.Convert(m.At(b.Min.X+x, b.Min.Y+y)).(color.Gray).Y
		}
	}
	return g, nil
}

// maxFileBytes bounds the encoded input read by Decode (256 MiB).
const maxFileBytes = 256 << 20

// Decode reads a PNG or JPEG image and converts it to grayscale. The header
// is checked before the pixels are decoded, so oversized images fail fast.
func Decode(r io.Reader) (*Gray, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("sift: read image: %w", err)
	}
	if len(data) > maxFileBytes {
		return nil, fmt.Errorf("%w: file larger than %d bytes", ErrImage, maxFileBytes)
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrImage, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > maxPixels/max(cfg.Height, 1) {
		return nil, fmt.Errorf("%w: size %dx%d", ErrImage, cfg.Width, cfg.Height)
	}
	m, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrImage, err)
	}
	return FromImage(m)
}
