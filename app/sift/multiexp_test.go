package sift

import (
	"context"
	"math/big"
	"sync/atomic"
	"testing"

	"github.com/hesemcom/hesemcom/app/paillier"
)

// TestCascadeEqualsMultiExp: the encrypted blur's cascade of two-tap passes
// is the weighted product Π c_j^{w_j} with the composite integer kernel w
// (paillier.Evaluator.MultiExp), one row of pixels, increment 0 along x.
// The cascade costs one multiplication per pass and pixel; the direct
// multi-exponentiation costs max bits(w) squarings plus one multiplication
// per set weight bit, which is why the pipeline uses the cascade.
func TestCascadeEqualsMultiExp(t *testing.T) {
	sk := testInsecureKey512(t)
	pk := sk.Public()
	const w = 24
	row := []int64{}
	photo, _ := DefaultImage()
	for x := range w {
		row = append(row, int64(photo.Pix[100*photo.W+60+x])-pixelOffset)
	}
	in := ctPlane{w: w, rows: 1, c: make([]*paillier.Ciphertext, w)}
	for x, v := range row {
		m, _ := pk.Encode(big.NewInt(v))
		ct, err := pk.Encrypt(testReader(uint64(40+x)), m)
		if err != nil {
			t.Fatal(err)
		}
		in.c[x] = ct
	}
	r := &heRun{ctx: context.Background(), pk: pk, workers: 1, evs: []*paillier.Evaluator{pk.NewEvaluator()}, pack: Packing{SlotBits: 64, Slots: 1}}
	cur := in
	var err error
	kernel := map[int]int64{0: 1}
	for _, ps := range passes(0) {
		if cur, err = r.filterX(cur, ps, new(atomic.Int64), 0); err != nil {
			t.Fatal(err)
		}
		next := map[int]int64{}
		for off, wt := range kernel {
			next[off-ps.a] += wt
			next[off+ps.d-ps.a] += wt
		}
		kernel = next
	}
	ev := pk.NewEvaluator()
	radius := 0
	for off := range kernel {
		radius = max(radius, abs(off))
	}
	for x := radius; x < w-radius; x++ {
		var bases []*paillier.Ciphertext
		var weights []*big.Int
		for off, wt := range kernel {
			bases = append(bases, in.c[x+off])
			weights = append(weights, big.NewInt(wt))
		}
		direct, err := ev.MultiExp(new(paillier.Ciphertext), bases, weights)
		if err != nil {
			t.Fatal(err)
		}
		a, _ := sk.Decrypt(direct)
		b, _ := sk.Decrypt(cur.c[x])
		if a.Cmp(b) != 0 {
			t.Fatalf("x=%d: multi-exp %v, cascade %v", x, pk.DecodeSigned(a), pk.DecodeSigned(b))
		}
	}
}
