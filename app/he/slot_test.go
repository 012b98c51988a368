package he

import (
	"bytes"
	"math"
	"testing"
)

func TestSlotPackedMatchesPlaintext(t *testing.T) {
	if testing.Short() {
		t.Skip("slot-packed needs N = 2^13 (4096 slots); skipped in -short")
	}
	w, ds := testModel(t)
	p := MustParams(PresetLogN13)
	kc, err := NewKeyChain(p, KeyConfig{SlotPackedKernel: w.K})
	if err != nil {
		t.Fatal(err)
	}
	b, err := kc.ForBatch(0)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := NewSlotTransmitter(p, w)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.UsePublicKey(b); err != nil {
		t.Fatal(err)
	}
	rx, err := NewSlotReceiver(p, w, kc)
	if err != nil {
		t.Fatal(err)
	}
	ch := NewSlotChannel(p, 1)
	const n = 16
	img := pixels(ds, 0, n)
	nz := noiseFor(7, 0, n, 0.1)
	var fr *SlotFrame
	var maxErr, lo, hi float64 = 0, math.Inf(1), math.Inf(-1)
	feat := make([]float64, Features)
	var want [Classes]float64
	var got [Classes]float64
	agree := 0
	for i := 0; i < n; i++ {
		if fr, err = tx.Transmit(fr, img[i*Pixels:(i+1)*Pixels]); err != nil {
			t.Fatal(err)
		}
		if err := ch.ApplySlot(fr, nz[i*Features:(i+1)*Features]); err != nil {
			t.Fatal(err)
		}
		if i == 0 { // the frame survives the wire
			var buf bytes.Buffer
			if _, err := fr.WriteTo(&buf, p); err != nil || buf.Len() != fr.BinarySize(p) {
				t.Fatalf("WriteTo: %v, %d bytes, BinarySize %d", err, buf.Len(), fr.BinarySize(p))
			}
			if fr, err = ReadSlotFrame(&buf, p, nil); err != nil {
				t.Fatal(err)
			}
		}
		if err := rx.logits(&got, fr); err != nil {
			t.Fatal(err)
		}
		w.Features(feat, img[i*Pixels:(i+1)*Pixels])
		for f := range feat {
			feat[f] += nz[i*Features+f]
		}
		w.Logits(want[:], feat)
		for k := range want {
			lo, hi = min(lo, want[k]), max(hi, want[k])
			maxErr = max(maxErr, math.Abs(want[k]-got[k]))
		}
		if ArgMax(want[:]) == ArgMax(got[:]) {
			agree++
		}
	}
	rel := maxErr / (hi - lo)
	t.Logf("slot-packed: %d/%d agree, max abs err %.3g (%.3g of range [%.1f, %.1f])", agree, n, maxErr, rel, lo, hi)
	if rel > 1e-3 {
		t.Errorf("max abs logit error %.3g of the range, want <= 1e-3", rel)
	}
	if agree != n {
		t.Errorf("arg-max agreement %d/%d", agree, n)
	}
}
