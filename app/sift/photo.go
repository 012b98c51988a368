package sift

import (
	"bytes"
	_ "embed"
)

// defaultPhoto is the CC0 photograph described in photo/README.md.
//
//go:embed photo/camera256.png
var defaultPhoto []byte

// DefaultImage returns the embedded 256×256 CC0 photograph (scikit-image's
// "camera" by Lav Varshney, box-downsampled 2×2; see photo/README.md).
func DefaultImage() (*Gray, error) { return Decode(bytes.NewReader(defaultPhoto)) }
