package nn

// Images is a labelled set of 8-bit grayscale images, row-major, image after
// image. It implements Dataset with pixels scaled to [0, 1], the input
// convention of every model in phy/.
type Images struct {
	Rows, Cols int
	Pixels     []byte // Len()·Rows·Cols bytes
	Labels     []byte
}

// Len implements Dataset.
func (d *Images) Len() int { return len(d.Labels) }

// Shape implements Dataset.
func (d *Images) Shape() Shape { return Shape{C: 1, H: d.Rows, W: d.Cols} }

// Example implements Dataset.
func (d *Images) Example(dst []float32, i int) byte {
	ScalePixels(dst, d.Pixels[i*d.Rows*d.Cols:(i+1)*d.Rows*d.Cols])
	return d.Labels[i]
}

// ScalePixels writes the 8-bit pixels px to dst scaled to [0, 1].
func ScalePixels(dst []float32, px []byte) {
	for j, p := range px {
		dst[j] = float32(p) * (1.0 / 255)
	}
}
