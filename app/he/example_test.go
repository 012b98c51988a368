package he_test

import (
	"fmt"

	"github.com/hesemcom/hesemcom/app/he"
)

// A batch of images is encrypted by the transmitter under the receiver's
// public key, the JSCC encoder runs on the ciphertexts, and only the receiver
// recovers the labels. The toy model's logits are 3×(feature 0) for class 1
// and 0 otherwise, so bright images are class 1 and dark ones class 0.
func Example() {
	w := &he.TableII{K: 1, Conv: []float64{1}, Gain: 1,
		FC: make([]float64, he.Classes*he.Features), FCBias: make([]float64, he.Classes)}
	w.FC[1*he.Features+0] = 3
	w.FCBias[0] = 0.5

	p := he.MustParams(he.PresetLogN13)
	keys, _ := he.NewKeyChain(p, he.KeyConfig{})
	rx, _ := he.NewReceiver(p, w, keys, he.RxConfig{})
	tx, _ := he.NewTransmitter(p, w, he.TxConfig{})

	bundle, _ := keys.ForBatch(0) // what the transmitter receives
	if err := tx.UsePublicKey(bundle); err != nil {
		fmt.Println(err)
		return
	}
	imgs := make([]float64, 2*he.Pixels) // image 0 dark, image 1 bright
	for i := he.Pixels; i < 2*he.Pixels; i++ {
		imgs[i] = 1
	}
	px, _ := tx.Encrypt(nil, imgs)
	feat, _ := tx.Encode(nil, px) // these ciphertexts go on the air
	labels, err := rx.Classify(nil, feat)
	fmt.Println(labels, err, feat.KeyID())
	// Output: [0 1] <nil> 1
}

// The shipped parameter sets satisfy the HE Standard's 128-bit bound.
func ExampleMaxLogQP128() {
	p := he.MustParams(he.PresetLogN13)
	bound, _ := he.MaxLogQP128(p.LogN())
	fmt.Printf("N=2^%d: log QP %.0f <= %d: %v\n", p.LogN(), p.LogQP(), bound, p.LogQP() <= float64(bound))
	// Output: N=2^13: log QP 180 <= 218: true
}
