//go:build !(linux && (amd64 || arm64))

package codec

import (
	"fmt"
	"runtime"
)

// opjLib is unavailable here: the in-process path's struct offsets are
// those of OpenJPEG 2.5.0 on 64-bit Linux (see openjpeg_lib.go). The
// command-line tools still work.
type opjLib struct{ version string }

var loadLibrary = func() (*opjLib, error) {
	return nil, fmt.Errorf("codec: in-process OpenJPEG is not supported on %s/%s", runtime.GOOS, runtime.GOARCH)
}

func (*opjLib) compress(img []byte, rows, cols, res, cb int, rate float32) ([]byte, error) {
	panic("codec: no in-process OpenJPEG")
}

func (*opjLib) decompress(cs []byte, n int) ([]byte, error) {
	panic("codec: no in-process OpenJPEG")
}
