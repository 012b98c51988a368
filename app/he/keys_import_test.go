package he

import (
	"bytes"
	"testing"
)

// TestKeyImport: a receiver whose key chain imports the secret key of
// another chain (through the shared-key wire format, as a replay in another
// process does) gives the original receiver's decisions on the same
// ciphertexts, and the import is refused twice or under other parameters.
func TestKeyImport(t *testing.T) {
	p := MustParams(testInsecureLogN10)
	w, ds := testModel(t)
	kc, err := NewKeyChain(p, KeyConfig{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := kc.ForBatch(0)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := NewTransmitter(p, w, TxConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.UsePublicKey(b); err != nil {
		t.Fatal(err)
	}
	ct, err := tx.Encrypt(nil, pixels(ds, 0, 200))
	if err != nil {
		t.Fatal(err)
	}
	feat, err := tx.Encode(nil, ct)
	if err != nil {
		t.Fatal(err)
	}
	rx, err := NewReceiver(p, w, kc, RxConfig{})
	if err != nil {
		t.Fatal(err)
	}
	want, err := rx.Classify(nil, feat)
	if err != nil {
		t.Fatal(err)
	}

	sk, err := kc.SharedKey(0)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := sk.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	back, err := ReadSharedKey(&buf, p)
	if err != nil {
		t.Fatal(err)
	}
	kc2, err := NewKeyChain(p, KeyConfig{})
	if err != nil {
		t.Fatal(err)
	}
	rx2, err := NewReceiver(p, w, kc2, RxConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rx2.Classify(nil, feat); err == nil {
		t.Fatal("a chain without the key decrypted")
	}
	if err := kc2.Import(back); err != nil {
		t.Fatal(err)
	}
	got, err := rx2.Classify(nil, feat)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("image %d: %d after import, %d before", i, got[i], want[i])
		}
	}
	// The degree-1 path needs the regenerated relinearisation key, P part
	// included: compress (relinearise) with the imported chain's key.
	rk, err := kc2.RelinKey(back.ID())
	if err != nil {
		t.Fatal(err)
	}
	c, err := feat.Compress(nil, CompressConfig{Bits: 58, Relinearize: rk})
	if err != nil {
		t.Fatal(err)
	}
	lifted, err := c.Lift(nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, err = rx2.Classify(got, lifted); err != nil {
		t.Fatal(err)
	}
	agree := 0
	for i := range want {
		if got[i] == want[i] {
			agree++
		}
	}
	if agree < len(want)-1 {
		t.Errorf("relinearised with the imported key: %d/%d decisions agree", agree, len(want))
	}
	if err := kc2.Import(back); err == nil {
		t.Error("second import accepted")
	}
	other, err := NewKeyChain(MustParams(PresetLogN13), KeyConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Import(back); err == nil {
		t.Error("import under other parameters accepted")
	}
}
