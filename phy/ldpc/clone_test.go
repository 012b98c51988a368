package ldpc

import (
	"bytes"
	"sync"
	"testing"
)

// TestCloneConcurrent decodes the same blocks on several goroutines, each
// with its own Clone: results must equal a sequential decode (run with
// -race to check that clones share no scratch).
func TestCloneConcurrent(t *testing.T) {
	c, err := New(Config{K: 500, E: 1000, Qm: 2})
	if err != nil {
		t.Fatal(err)
	}
	llr := benchLLRs(c, 1.5, 8)
	base := c.Decoder(NormalizedMinSum, 20)
	want, _ := base.Decode(nil, llr)
	enc := c.Encoder()
	info := make([]byte, c.K())
	wantCoded, _ := enc.Encode(nil, info)
	var wg sync.WaitGroup
	got := make([][]byte, 4)
	coded := make([][]byte, 4)
	for w := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d, e := base.Clone(), enc.Clone()
			got[w], _ = d.Decode(nil, llr)
			coded[w], _ = e.Encode(nil, info)
		}()
	}
	wg.Wait()
	for w := range got {
		if !bytes.Equal(got[w], want) || !bytes.Equal(coded[w], wantCoded) {
			t.Fatalf("worker %d: clone result differs from the sequential one", w)
		}
	}
}
