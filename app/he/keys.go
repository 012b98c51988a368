package he

import (
	"errors"
	"fmt"
	"time"

	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/he/hefloat"
)

// EncryptionMode selects how the transmitter encrypts.
type EncryptionMode int

const (
	// PublicKeyMode: the transmitter holds only the receiver's public key.
	PublicKeyMode EncryptionMode = iota
	// SharedKeyMode: the transmitter holds the secret key (a shared symmetric
	// key, handed over out of band); encryption is cheaper.
	SharedKeyMode
)

func (m EncryptionMode) String() string {
	switch m {
	case PublicKeyMode:
		return "public-key"
	case SharedKeyMode:
		return "shared-key"
	}
	return fmt.Sprintf("EncryptionMode(%d)", int(m))
}

// UnmarshalText parses "public-key" or "shared-key".
func (m *EncryptionMode) UnmarshalText(b []byte) error {
	switch string(b) {
	case "public-key", "pk", "public":
		*m = PublicKeyMode
	case "shared-key", "sk", "secret":
		*m = SharedKeyMode
	default:
		return fmt.Errorf("he: unknown encryption mode %q (want public-key or shared-key)", b)
	}
	return nil
}

// KeyConfig configures a receiver's key chain.
type KeyConfig struct {
	// RotateEvery is K: a new key set every K batches; 0 means never.
	RotateEvery int `json:"rotate_every"`
	// SlotPackedKernel, if non-zero, is the conv kernel size of the model to
	// be evaluated slot-packed: the bundle then also carries the
	// relinearisation key and the rotation keys that packing needs.
	SlotPackedKernel int `json:"slot_packed_kernel,omitempty"`
	// Keep is how many key sets (current included) the receiver keeps to
	// decrypt frames still in flight; 0 means 2.
	Keep int `json:"keep,omitempty"`
}

// ErrUnknownKey is returned for a frame encrypted under a key id the receiver
// does not hold (never issued, or already rotated out).
var ErrUnknownKey = errors.New("he: unknown key id")

// keySet is one generation of receiver keys.
type keySet struct {
	id     uint32
	sk     *rlwe.SecretKey
	dec    *rlwe.Decryptor
	bundle *PublicBundle
	evk    *rlwe.MemEvaluationKeySet
}

// KeyChain is the receiver's key store: it generates key sets, rotates them
// every K batches and hands out public bundles. Secret keys never leave it
// except through SharedKey, explicitly. It is not safe for concurrent use.
type KeyChain struct {
	params  Params
	cfg     KeyConfig
	kgen    *rlwe.KeyGenerator
	sets    map[uint32]*keySet
	order   []uint32
	gens    int
	genTime time.Duration
}

// NewKeyChain returns a key chain; keys are generated lazily by ForBatch.
// Randomness is Lattigo's (sampling.NewPRNG, keyed from crypto/rand).
func NewKeyChain(p Params, cfg KeyConfig) (*KeyChain, error) {
	if cfg.RotateEvery < 0 {
		return nil, fmt.Errorf("he: rotate_every %d must be >= 0", cfg.RotateEvery)
	}
	if cfg.Keep < 0 {
		return nil, fmt.Errorf("he: keep %d must be >= 0", cfg.Keep)
	}
	if cfg.Keep == 0 {
		cfg.Keep = 2
	}
	if k := cfg.SlotPackedKernel; k != 0 && (k < 1 || k%2 == 0 || k > Rows) {
		return nil, fmt.Errorf("he: slot_packed_kernel %d must be odd and in [1, %d]", k, Rows)
	}
	return &KeyChain{params: p, cfg: cfg, kgen: hefloat.NewKeyGenerator(p.p), sets: map[uint32]*keySet{}}, nil
}

// Config returns the configuration kc was built from.
func (kc *KeyChain) Config() KeyConfig { return kc.cfg }

// KeyID returns the id of the key set that encrypts batch b: 1 + b/K, or 1
// when keys never rotate.
func (kc *KeyChain) KeyID(b uint64) uint32 {
	if kc.cfg.RotateEvery == 0 {
		return 1
	}
	return uint32(1 + b/uint64(kc.cfg.RotateEvery))
}

// ForBatch returns the public bundle for batch b, generating (rotating to) a
// new key set when b starts a new key period.
func (kc *KeyChain) ForBatch(b uint64) (*PublicBundle, error) {
	ks, err := kc.set(kc.KeyID(b))
	if err != nil {
		return nil, err
	}
	return ks.bundle, nil
}

// SharedKey returns the secret key for batch b for shared-key (symmetric)
// mode. The caller is responsible for handing it over securely.
func (kc *KeyChain) SharedKey(b uint64) (*SharedKey, error) {
	ks, err := kc.set(kc.KeyID(b))
	if err != nil {
		return nil, err
	}
	return &SharedKey{id: ks.id, fp: kc.params.Fingerprint(), params: kc.params, sk: ks.sk}, nil
}

// Generations returns how many key sets were generated and their total
// generation time (the cost of key rotation).
func (kc *KeyChain) Generations() (int, time.Duration) { return kc.gens, kc.genTime }

func (kc *KeyChain) set(id uint32) (*keySet, error) {
	if ks, ok := kc.sets[id]; ok {
		return ks, nil
	}
	if n := len(kc.order); n > 0 && id < kc.order[n-1] {
		return nil, fmt.Errorf("%w: %d was rotated out", ErrUnknownKey, id)
	}
	return kc.add(id, kc.kgen.GenSecretKeyNew())
}

// Import adds the key set of k (a secret key handed out by SharedKey, e.g.
// read back from a key file) to kc, so that kc's receivers decrypt what was
// encrypted under it, as the replay of a recorded link in another process
// needs. The public and relinearisation keys are generated afresh.
func (kc *KeyChain) Import(k *SharedKey) error {
	if k == nil || k.fp != kc.params.Fingerprint() {
		return errors.New("he: shared key is for other parameters")
	}
	if _, ok := kc.sets[k.id]; ok {
		return fmt.Errorf("he: key id %d is already held", k.id)
	}
	// The P part is not sent; the secret is ternary, so its coefficients
	// mod q0, centred, give it.
	sk := rlwe.NewSecretKey(kc.params.p)
	rq := kc.params.p.RingQP().AtLevel(sk.LevelQ(), sk.LevelP())
	sk.Value.Q.Copy(k.sk.Value.Q)
	rq.RingQ.IMForm(sk.Value.Q, sk.Value.Q)
	rq.RingQ.INTT(sk.Value.Q, sk.Value.Q)
	rq.ExtendBasisSmallNormAndCenter(sk.Value.Q, sk.LevelP(), sk.Value.Q, sk.Value.P)
	rq.NTT(sk.Value, sk.Value)
	rq.MForm(sk.Value, sk.Value)
	_, err := kc.add(k.id, sk)
	return err
}

// add makes the key set id of sk the newest of kc.
func (kc *KeyChain) add(id uint32, sk *rlwe.SecretKey) (*keySet, error) {
	start := time.Now()
	p := kc.params.p
	pk := kc.kgen.GenPublicKeyNew(sk)
	ks := &keySet{id: id, sk: sk, dec: hefloat.NewDecryptor(p, sk)}
	b := &PublicBundle{id: id, fp: kc.params.Fingerprint(), params: kc.params, pk: pk}
	// The receiver always holds a relinearisation key for its own FC outputs.
	rlk := kc.kgen.GenRelinearizationKeyNew(sk)
	if k := kc.cfg.SlotPackedKernel; k != 0 {
		b.rlk, b.kernel = rlk, k
		rots := slotRotations(k)
		galEls := make([]uint64, len(rots))
		for i, r := range rots {
			galEls[i] = p.GaloisElementForRotation(r)
		}
		b.gks = kc.kgen.GenGaloisKeysNew(galEls, sk)
	}
	ks.evk = rlwe.NewMemEvaluationKeySet(rlk, b.gks...)
	ks.bundle = b
	kc.sets[id] = ks
	kc.order = append(kc.order, id)
	for len(kc.order) > kc.cfg.Keep {
		delete(kc.sets, kc.order[0])
		kc.order = kc.order[1:]
	}
	kc.gens++
	kc.genTime += time.Since(start)
	return ks, nil
}

// lookup returns the key set with the given id if it is still held.
func (kc *KeyChain) lookup(id uint32) (*keySet, error) {
	ks, ok := kc.sets[id]
	if !ok {
		return nil, fmt.Errorf("%w: %d", ErrUnknownKey, id)
	}
	return ks, nil
}

// PublicBundle is what the transmitter receives: the public key, and for
// slot-packed evaluation the relinearisation and rotation keys. It carries
// the key id and the parameter fingerprint.
type PublicBundle struct {
	id     uint32
	fp     uint64
	params Params
	kernel int // slot-packed kernel size the rotation keys are for (0: none)
	pk     *rlwe.PublicKey
	rlk    *rlwe.RelinearizationKey
	gks    []*rlwe.GaloisKey
}

// ID returns the key id.
func (b *PublicBundle) ID() uint32 { return b.id }

// SlotPacked reports whether b carries the evaluation keys for slot-packed
// evaluation.
func (b *PublicBundle) SlotPacked() bool { return b.rlk != nil }

// SharedKey is a secret key handed to the transmitter for shared-key mode.
// Its formatting methods never print key material.
type SharedKey struct {
	id     uint32
	fp     uint64
	params Params
	sk     *rlwe.SecretKey
}

// ID returns the key id.
func (k *SharedKey) ID() uint32 { return k.id }

// String redacts the key.
func (k *SharedKey) String() string { return fmt.Sprintf("he.SharedKey{id: %d, REDACTED}", k.id) }

// GoString redacts the key.
func (k *SharedKey) GoString() string { return k.String() }

// Format redacts the key for every verb (%v, %+v, %#v, %x, ...).
func (k *SharedKey) Format(f fmt.State, _ rune) { fmt.Fprint(f, k.String()) }
