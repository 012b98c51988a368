package iqfile_test

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/hesemcom/hesemcom/modem/iqfile"
)

// Record four samples with an annotation as SigMF, then stream them back.
func Example() {
	dir, _ := os.MkdirTemp("", "iqfile")
	defer os.RemoveAll(dir)
	w, err := iqfile.Create(filepath.Join(dir, "rec"), iqfile.Meta{Global: iqfile.Global{Datatype: "ci16_le", SampleRate: 1e6}})
	if err != nil {
		panic(err)
	}
	if err := w.Write([]complex64{0.5, 0.5i, -0.5, -0.5i}); err != nil {
		panic(err)
	}
	w.Annotate(iqfile.Annotation{SampleStart: 1, SampleCount: 2, Label: "frame"})
	if err := w.Close(); err != nil {
		panic(err)
	}

	f, err := iqfile.Open(filepath.Join(dir, "rec.sigmf-meta"))
	if err != nil {
		panic(err)
	}
	defer f.Close()
	fmt.Println(f.Datatype, f.SampleRate(), f.Samples, f.Meta.Annotations[0].Label)
	buf := make([]complex64, 0, 3) // blocks of at most 3 samples
	for {
		out, err := f.Read(buf)
		if err == io.EOF {
			break
		}
		if err != nil {
			panic(err)
		}
		fmt.Printf("%.3f\n", out)
	}
	// Output:
	// ci16_le 1e+06 4 frame
	// [(0.500+0.000i) (0.000+0.500i) (-0.500+0.000i)]
	// [(0.000-0.500i)]
}
