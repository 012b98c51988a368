package link

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"

	"github.com/hesemcom/hesemcom/app/codec"
	"github.com/hesemcom/hesemcom/app/nea"
	"github.com/hesemcom/hesemcom/app/nia"
	"github.com/hesemcom/hesemcom/app/source"
	"github.com/hesemcom/hesemcom/internal/units"
	"github.com/hesemcom/hesemcom/modem/ofdm"
	"github.com/hesemcom/hesemcom/modem/qam"
	"github.com/hesemcom/hesemcom/phy/classifier"
	"github.com/hesemcom/hesemcom/phy/ldpc"
	"github.com/hesemcom/hesemcom/sim"
)

// Model 1, the classical secure link (paper Table III, "source-channel
// separation coding model with AES encryption"): per image
//
//	codec (JPEG 2000, ≤ budget bytes, cached per image)
//	→ PDU = length byte ‖ NEA2(payload ‖ NIA2 MAC-I), zero padded to A bits
//	→ CRC16/CRC24A + LDPC + rate matching (TS 38.212 §7.2, ldpc.TB)
//	→ scrambling (TS 38.211 §7.3.1.1) → QAM (§5.1) → symbol-level channel
//	→ max-log LLRs → descrambling
//	→ LDPC decode → CRC → MAC check → decrypt → codec decode → residual CNN.
//
// The PDU follows PDCP (TS 38.323 §5.8, §5.9): MAC-I covers header and data,
// ciphering covers data and MAC-I, the header (here the payload length) is
// sent in clear. COUNT is the image index, BEARER 0, DIRECTION 1 (downlink).
// The payload length therefore leaks (in the header and where the padding
// starts) and it depends on the image: ConcealLength ciphers the whole PDU.

// FailurePolicy is what the receiver does with a transport block that fails its
// CRC or MAC check.
type FailurePolicy int

const (
	// Drop discards the image; the receiver's answer is a uniformly random
	// class drawn from the item's seed.
	Drop FailurePolicy = iota
	// BestEffort decrypts and decodes whatever arrives, skipping the MAC
	// check, and classifies the damaged image.
	BestEffort
)

// ParseFailurePolicy parses "drop" or "best-effort".
func ParseFailurePolicy(s string) (FailurePolicy, error) {
	switch s {
	case "drop":
		return Drop, nil
	case "best-effort", "besteffort":
		return BestEffort, nil
	}
	return 0, fmt.Errorf("link: policy %q: want drop or best-effort", s)
}

func (p FailurePolicy) String() string {
	if p == BestEffort {
		return "best-effort"
	}
	return "drop"
}

// An MCS is a modulation order and target code rate.
type MCS struct {
	Index int     `json:"index"` // row of MCSTable, -1 for a custom MCS
	Qm    int     `json:"qm"`    // bits per QAM symbol: 2, 4, 6 or 8
	Rate  float64 `json:"rate"`  // target code rate
}

func (m MCS) String() string {
	return fmt.Sprintf("%s r=%.3f", schemeOf(m.Qm), m.Rate)
}

// MCSTable is TS 38.214 Table 5.1.3.1-2 (PDSCH MCS index table 2, up to
// 256-QAM): modulation order and target code rate R×1024 of indices 0–27.
var MCSTable = func() []MCS {
	rows := []struct {
		qm int
		r  float64
	}{
		{2, 120}, {2, 193}, {2, 308}, {2, 449}, {2, 602},
		{4, 378}, {4, 434}, {4, 490}, {4, 553}, {4, 616}, {4, 658},
		{6, 466}, {6, 517}, {6, 567}, {6, 616}, {6, 666}, {6, 719}, {6, 772}, {6, 822}, {6, 873},
		{8, 682.5}, {8, 711}, {8, 754}, {8, 797}, {8, 841}, {8, 885}, {8, 916.5}, {8, 948},
	}
	t := make([]MCS, len(rows))
	for i, r := range rows {
		t[i] = MCS{Index: i, Qm: r.qm, Rate: r.r / 1024}
	}
	return t
}()

func schemeOf(qm int) qam.Scheme {
	switch qm {
	case 2:
		return qam.QPSK
	case 4:
		return qam.QAM16
	case 6:
		return qam.QAM64
	case 8:
		return qam.QAM256
	}
	return 0
}

// Defaults of ClassicalConfig.
const (
	// DefaultUses is Table III's bandwidth: 196 real JSCC features = 98
	// complex channel uses per image (DESIGN.md §3).
	DefaultUses       = 98
	DefaultIterations = 20
	// DefaultBLERTarget is the link-adaptation target of the CQI definition,
	// TS 38.214 §5.2.2.1 (transport-block error probability ≤ 0.1).
	DefaultBLERTarget   = 0.1
	DefaultOracleTrials = 200
	pduOverhead         = 1 + nia.Size // length byte + MAC-I
)

// ClassicalConfig configures Model 1. Zero fields take the defaults.
type ClassicalConfig struct {
	// Fixed sends every SNR with Modulation and Rate (defaults 16qam and
	// 1/2). Otherwise, the default and the usual upper bound of a
	// separation baseline, an oracle picks the MCS per SNR (see below).
	Fixed      bool       `json:"fixed_mcs"`
	Modulation qam.Scheme `json:"modulation"`
	Rate       float64    `json:"rate"`
	// Without Fixed, the oracle picks per SNR the highest MCS of MCSTable
	// whose transport-block error rate, measured by a seeded Monte Carlo
	// run of OracleTrials blocks at that SNR and channel, is at most
	// BLERTarget.
	BLERTarget   float64 `json:"bler_target"`
	OracleTrials int     `json:"oracle_trials"`
	// Uses is the number of complex channel uses per image; default 98.
	Uses int `json:"channel_uses"`
	// Policy handles CRC and MAC failures.
	Policy FailurePolicy `json:"-"`
	// Codec is the agreed source coding; its Budget is set from the MCS.
	Codec codec.Config `json:"codec"`
	// Iterations caps the LDPC decoder (normalised min-sum); default 20.
	Iterations int `json:"ldpc_iterations"`
	// ConcealLength ciphers the whole PDU — length byte, payload, MAC-I and
	// zero padding — so that it is indistinguishable from random bits, and
	// sends a PDU without payload for an image the codec cannot fit, so that
	// every image puts a PDU on the air. Without it (PDCP) an eavesdropper
	// reads the payload length, and sees which images are not sent at all;
	// both depend on the image (eve.go).
	ConcealLength bool `json:"conceal_length"`
	// Classifiers returns the receiver's classifier for a dataset; nil means
	// classifier.Pretrained.
	Classifiers func(dataset string) (*classifier.Model, error) `json:"-"`
}

func (c ClassicalConfig) withDefaults() (ClassicalConfig, error) {
	if c.Modulation == 0 {
		c.Modulation = qam.QAM16
	}
	if c.Rate == 0 {
		c.Rate = 0.5
	}
	if c.BLERTarget == 0 {
		c.BLERTarget = DefaultBLERTarget
	}
	if c.OracleTrials == 0 {
		c.OracleTrials = DefaultOracleTrials
	}
	if c.Uses == 0 {
		c.Uses = DefaultUses
	}
	if c.Iterations == 0 {
		c.Iterations = DefaultIterations
	}
	if c.Classifiers == nil {
		c.Classifiers = classifier.Pretrained
	}
	switch {
	case c.Modulation != qam.QPSK && c.Modulation != qam.QAM16 && c.Modulation != qam.QAM64 && c.Modulation != qam.QAM256:
		return c, fmt.Errorf("link: modulation %v: want qpsk, 16qam, 64qam or 256qam", c.Modulation)
	case !(c.Rate > 0 && c.Rate < 1):
		return c, fmt.Errorf("link: code rate %v out of range (0, 1)", c.Rate)
	case !(c.BLERTarget > 0 && c.BLERTarget < 1):
		return c, fmt.Errorf("link: BLER target %v out of range (0, 1)", c.BLERTarget)
	case c.OracleTrials < 10 || c.OracleTrials > 100000:
		return c, fmt.Errorf("link: oracle trials %d out of range [10, 100000]", c.OracleTrials)
	case c.Uses < 8 || c.Uses > 100000:
		return c, fmt.Errorf("link: channel uses %d out of range [8, 100000]", c.Uses)
	case c.Iterations < 1 || c.Iterations > 200:
		return c, fmt.Errorf("link: LDPC iterations %d out of range [1, 200]", c.Iterations)
	case c.Policy != Drop && c.Policy != BestEffort:
		return c, fmt.Errorf("link: unknown policy %d", c.Policy)
	}
	return c, nil
}

// Check validates the configuration and, for a fixed MCS, that it leaves
// room for a payload.
func (c ClassicalConfig) Check() error {
	c, err := c.withDefaults()
	if err != nil {
		return err
	}
	if c.Fixed {
		m := MCS{Index: -1, Qm: c.Modulation.BitsPerSymbol(), Rate: c.Rate}
		if l := c.layout(m); l.budget < 1 {
			return fmt.Errorf("link: %v on %d channel uses carries %d payload bits, too few for a PDU (%d bytes of overhead)", m, c.Uses, l.a, pduOverhead)
		}
	}
	return nil
}

// A classicalLayout is the transport block of one MCS.
type classicalLayout struct {
	mcs    MCS
	g, a   int // coded bits, transport-block bits (a multiple of 8)
	budget int // codec payload bytes: a/8 − length byte − MAC-I; < 1 means unusable
}

// layout sizes the transport block: G = Uses·Qm coded bits and the largest
// whole number of bytes A with (A + CRC)/G ≤ R, CRC16 for A ≤ 3824 and
// CRC24A above (TS 38.212 §7.2.1).
func (c ClassicalConfig) layout(m MCS) classicalLayout {
	g := c.Uses * m.Qm
	a := 8 * int(math.Floor((m.Rate*float64(g)-16)/8))
	if a > 3824 {
		a = 8 * int(math.Floor((m.Rate*float64(g)-24)/8))
	}
	return classicalLayout{mcs: m, g: g, a: max(a, 0), budget: a/8 - pduOverhead}
}

// classicalShared is the state the workers of one factory share: source
// payloads and clean classifications per image, codecs and oracle choices.
type classicalShared struct {
	mu     sync.Mutex
	sets   map[payloadKey]*payloadSet
	codecs map[int]*codec.Codec
	oracle map[oracleKey]*oracleChoice
}

type payloadKey struct {
	dataset string
	budget  int
}

type oracleKey struct {
	channel string
	snr     float64
	seed    uint64
}

type oracleChoice struct {
	once sync.Once
	mcs  classicalLayout
	bler []float64 // measured BLER of the MCSs tried, from the top
	err  error
}

// A payloadSet caches, per image of a test set, the codec payload at one
// budget and the class the receiver assigns to its clean reconstruction:
// the source coding does not depend on the SNR, and a payload received
// intact decodes to the same image every time.
type payloadSet struct {
	codec   *codec.Codec
	coded   []sync.Once // payload and srcErr (all the eavesdropper needs)
	once    []sync.Once // reconstruction and class
	payload [][]byte
	srcErr  []bool // the codec could not code the image within the budget
	class   []int16
	img     [][]byte // clean reconstruction (for the damage measurement)
}

func newClassicalShared() *classicalShared {
	return &classicalShared{sets: map[payloadKey]*payloadSet{}, codecs: map[int]*codec.Codec{}, oracle: map[oracleKey]*oracleChoice{}}
}

func (s *classicalShared) set(cfg ClassicalConfig, dataset string, n, budget int) (*payloadSet, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := payloadKey{dataset, budget}
	if ps := s.sets[k]; ps != nil {
		if len(ps.once) < n {
			return nil, fmt.Errorf("link: %s test set changed size", dataset)
		}
		return ps, nil
	}
	cc := cfg.Codec
	cc.Budget = budget
	cd, err := codec.New(cc)
	if err != nil {
		return nil, fmt.Errorf("link: model 1 codec: %w", err)
	}
	ps := &payloadSet{codec: cd, coded: make([]sync.Once, n), once: make([]sync.Once, n), payload: make([][]byte, n), srcErr: make([]bool, n), class: make([]int16, n), img: make([][]byte, n)}
	s.sets[k] = ps
	return ps, nil
}

// code codes image i once.
func (ps *payloadSet) code(i int, img []byte) error {
	var err error
	ps.coded[i].Do(func() {
		p, e := ps.codec.Encode(nil, img)
		if e != nil {
			if !errors.Is(e, codec.ErrBudget) {
				err = fmt.Errorf("link: coding image %d: %w", i, e)
				return
			}
			ps.srcErr[i] = true
			return
		}
		ps.payload[i] = p
	})
	if err == nil && ps.payload[i] == nil && !ps.srcErr[i] {
		// An earlier attempt on this image failed; Once will not retry.
		err = fmt.Errorf("link: image %d has no cached payload", i)
	}
	return err
}

// fill codes, decodes and classifies image i once.
func (ps *payloadSet) fill(i int, img []byte, clf *classifier.Model) error {
	if err := ps.code(i, img); err != nil || ps.srcErr[i] {
		return err
	}
	var err error
	ps.once[i].Do(func() {
		rec, e := ps.codec.DecodeOwn(nil, ps.payload[i])
		if e != nil {
			err = fmt.Errorf("link: the codec cannot decode its own payload of image %d: %w", i, e)
			return
		}
		c, e := clf.Classify(rec)
		if e != nil {
			err = e
			return
		}
		ps.img[i], ps.class[i] = rec, int16(c)
	})
	if err == nil && ps.img[i] == nil {
		err = fmt.Errorf("link: image %d has no cached reconstruction", i)
	}
	return err
}

// classicalChain is a worker's transmitter and receiver for one layout.
type classicalChain struct {
	l    classicalLayout
	scr  []byte // scrambling sequence c(0…G−1)
	con  *qam.Constellation
	enc  *ldpc.TBEncoder
	dec  *ldpc.TBDecoder
	bits []byte
	cw   []byte
	x, y []complex64
	n0   []float32
	llr  []float32
	out  []byte
}

func newClassicalChain(l classicalLayout, iters int) (*classicalChain, error) {
	tb, err := ldpc.NewTB(ldpc.TBConfig{A: l.a, G: l.g, Qm: l.mcs.Qm})
	if err != nil {
		return nil, fmt.Errorf("link: %v: %w", l.mcs, err)
	}
	con, err := qam.New(schemeOf(l.mcs.Qm))
	if err != nil {
		return nil, err
	}
	return &classicalChain{l: l, scr: ofdm.GoldSequence(scramblingInit, l.g), con: con, enc: tb.Encoder(), dec: tb.Decoder(ldpc.NormalizedMinSum, iters)}, nil
}

// scramblingInit is c_init = n_RNTI·2^15 + q·2^14 + n_ID of TS 38.211
// §7.3.1.1 with n_RNTI = 1, codeword q = 0 and n_ID = 0. Scrambling matters
// here: without it the zero padding of short PDUs maps to a fixed
// constellation point per bit position, and the block error rate of 64-QAM
// depends on the data (measured: 61 % for random vs 96 % for all-zero PDUs
// at 15 dB, 64-QAM r=0.754).
const scramblingInit = 1 << 15

// outcome of one transport block through the chain.
type tbOutcome struct {
	crcOK       bool
	unconverged int // LDPC code blocks that did not converge
}

// send carries the A-bit block pdu (A/8 bytes) through coding, modulation,
// the channel at snr (noise from r) and decoding, writing the received bytes
// into rx.
func (c *classicalChain) send(rx, pdu []byte, ch Channel, snr units.DB, r *rand.Rand) (tbOutcome, error) {
	llr, err := c.llrs(pdu, ch, snr, r)
	if err != nil {
		return tbOutcome{}, err
	}
	before := c.dec.Stats()
	if c.out, err = c.dec.Decode(c.out, llr); err != nil {
		return tbOutcome{}, err
	}
	packBits(rx, c.out)
	return tbOutcome{crcOK: c.dec.LastCRCOK(), unconverged: c.dec.Stats().Unconverged - before.Unconverged}, nil
}

// llrs codes, scrambles and modulates pdu, passes it through the channel at
// snr (noise from r), and returns the descrambled max-log LLRs of the G
// coded bits (valid until the next call). Nothing in it needs a key: an
// eavesdropper gets as far as the receiver.
func (c *classicalChain) llrs(pdu []byte, ch Channel, snr units.DB, r *rand.Rand) ([]float32, error) {
	c.bits = unpackBits(c.bits, pdu)
	var err error
	if c.cw, err = c.enc.Encode(c.cw, c.bits); err != nil {
		return nil, err
	}
	for i, v := range c.scr {
		c.cw[i] ^= v
	}
	if c.x, err = c.con.Map(c.x, c.cw); err != nil {
		return nil, err
	}
	c.y, c.n0 = symbolChannel(c.y, c.n0, c.x, ch, snr, r)
	if math.IsInf(ch.K, 1) {
		c.llr, err = c.con.LLR(c.llr, c.y, float64(c.n0[0]), qam.MaxLog)
	} else {
		c.llr, err = c.con.LLRPerSymbol(c.llr, c.y, c.n0, qam.MaxLog)
	}
	if err != nil {
		return nil, err
	}
	for i, v := range c.scr {
		if v != 0 {
			c.llr[i] = -c.llr[i]
		}
	}
	return c.llr, nil
}

// symbolChannel passes x through the channel at Es/N0 snr (DESIGN.md §3) and
// zero-forces it: y = x + n/h, with the effective complex noise variance
// N0/|h|² of each symbol in n0 (one value for AWGN). The draws per symbol
// follow Channel.Noise: the noise pair, then for fading the phase and the
// scattered pair.
func symbolChannel(y []complex64, n0 []float32, x []complex64, ch Channel, snr units.DB, r *rand.Rand) ([]complex64, []float32) {
	N0 := units.N0(snr)
	sigma := math.Sqrt(N0 / 2)
	y = growC64(y, len(x))
	fading := !math.IsInf(ch.K, 1)
	if fading {
		n0 = grow(n0, len(x))
	} else {
		n0 = append(n0[:0], float32(N0))
	}
	var los, scat float64
	if fading {
		los, scat = math.Sqrt(ch.K/(ch.K+1)), math.Sqrt(1/(2*(ch.K+1)))
	}
	for k, s := range x {
		nr, ni := sigma*r.NormFloat64(), sigma*r.NormFloat64()
		if fading {
			th := 2 * math.Pi * r.Float64()
			hr := los*math.Cos(th) + scat*r.NormFloat64()
			hi := los*math.Sin(th) + scat*r.NormFloat64()
			p := max(hr*hr+hi*hi, 1e-12) // a deep fade: the symbol is lost either way
			nr, ni = (nr*hr+ni*hi)/p, (ni*hr-nr*hi)/p
			n0[k] = float32(N0 / p)
		}
		y[k] = s + complex(float32(nr), float32(ni))
	}
	return y, n0
}

func growC64(s []complex64, n int) []complex64 {
	if cap(s) < n {
		return make([]complex64, n)
	}
	return s[:n]
}

// unpackBits writes the bits of p, MSB first, one per byte, into dst.
func unpackBits(dst, p []byte) []byte {
	dst = dst[:0]
	for _, b := range p {
		for k := 7; k >= 0; k-- {
			dst = append(dst, b>>k&1)
		}
	}
	return dst
}

// packBits packs bits (one per byte, MSB first) into dst (len(bits)/8 bytes).
func packBits(dst, bits []byte) {
	for i := range dst {
		var b byte
		for _, v := range bits[8*i : 8*i+8] {
			b = b<<1 | v&1
		}
		dst[i] = b
	}
}

// classicalWorker is one evaluator's Model 1 state.
type classicalWorker struct {
	cfg    ClassicalConfig
	keySd  uint64
	cipher *nea.Cipher
	mac    *nia.MAC
	chains map[MCS]*classicalChain
	clf    map[string]*classifier.Model

	pdu, rx, plain, rec, img []byte
}

// classicalKeys derives the 128-bit NEA2 and NIA2 keys from the run seed
// through a seeded ChaCha8 reader (reproducible simulation keys, never
// production keys).
func classicalKeys(seed uint64) (kenc, kint []byte) {
	var s [32]byte
	binary.LittleEndian.PutUint64(s[:], seed)
	s = sha256.Sum256(append(s[:8], "hesemcom model 1 keys"...))
	r := rand.NewChaCha8(s)
	k := make([]byte, nea.KeySize+nia.KeySize)
	r.Read(k)
	return k[:nea.KeySize], k[nea.KeySize:]
}

// newClassicalWorker returns a Model 1 transmitter and receiver under the
// keys of the run seed.
func newClassicalWorker(cfg ClassicalConfig, seed uint64) (*classicalWorker, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	kenc, kint := classicalKeys(seed)
	ci, err := nea.NewCipher(nea.Config{Algorithm: nea.NEA2, Key: kenc, Bearer: 0, Direction: 1})
	if err != nil {
		return nil, err
	}
	mac, err := nia.New(nia.NIA2, kint, 0, 0, 1)
	if err != nil {
		return nil, err
	}
	return &classicalWorker{cfg: cfg, keySd: seed, cipher: ci, mac: mac, chains: map[MCS]*classicalChain{}, clf: map[string]*classifier.Model{}}, nil
}

// seal writes the PDU of payload p under COUNT count into pdu (A/8 bytes):
// length ‖ NEA2(payload ‖ MAC-I) ‖ zero padding, or with ConcealLength
// NEA2(length ‖ payload ‖ MAC-I ‖ zero padding). w.plain keeps
// payload ‖ MAC-I.
func (w *classicalWorker) seal(pdu, p []byte, count uint32) error {
	clear(pdu)
	pdu[0] = byte(len(p))
	w.mac.SetCount(count)
	w.mac.Write(pdu[:1])
	w.mac.Write(p)
	w.plain = w.mac.Sum(append(w.plain[:0], p...))
	if w.cfg.ConcealLength {
		copy(pdu[1:], w.plain)
		_, err := w.cipher.XOR(pdu[:0], pdu, count, 8*len(pdu))
		return err
	}
	_, err := w.cipher.XOR(pdu[1:1:len(pdu)], w.plain, count, 8*len(w.plain))
	return err
}

// open deciphers the received PDU rx into w.rec (the plaintext PDU:
// length ‖ payload ‖ MAC-I ‖ padding) and returns the received payload and
// MAC-I, split at the received length clamped to what the PDU can hold.
// CTR: the keystream does not depend on the length.
func (w *classicalWorker) open(rx []byte, count uint32) (payload, macI []byte, err error) {
	nb := len(rx)
	w.rec = growB(w.rec, nb)
	if w.cfg.ConcealLength {
		_, err = w.cipher.XOR(w.rec[:0], rx, count, 8*nb)
	} else {
		w.rec[0] = rx[0]
		_, err = w.cipher.XOR(w.rec[1:1], rx[1:], count, 8*(nb-1))
	}
	n := min(int(w.rec[0]), nb-pduOverhead)
	return w.rec[1 : 1+n], w.rec[1+n : 1+n+nia.Size], err
}

func (e *evaluator) classicalWorker(seed uint64) (*classicalWorker, error) {
	if w := e.model1; w != nil && w.keySd == seed {
		return w, nil
	}
	w, err := newClassicalWorker(e.cfg.Classical, seed)
	if err != nil {
		return nil, err
	}
	if e.model1 != nil {
		w.clf = e.model1.clf
	}
	e.model1 = w
	return w, nil
}

func (w *classicalWorker) chain(l classicalLayout) (*classicalChain, error) {
	if c := w.chains[l.mcs]; c != nil {
		return c, nil
	}
	c, err := newClassicalChain(l, w.cfg.Iterations)
	if err != nil {
		return nil, err
	}
	w.chains[l.mcs] = c
	return c, nil
}

func (w *classicalWorker) classifier(dataset string) (*classifier.Model, error) {
	if m := w.clf[dataset]; m != nil {
		return m, nil
	}
	m, err := w.cfg.Classifiers(dataset)
	if err != nil {
		return nil, fmt.Errorf("link: model 1 classifier: %w", err)
	}
	m = m.Clone()
	w.clf[dataset] = m
	return m, nil
}

// ClassicalMCS returns the MCS Model 1 uses at snr on channel ch (for the
// oracle: the choice of a run with the given seed), the codec payload budget
// in bytes and the transport-block size in bits.
func ClassicalMCS(cfg ClassicalConfig, ch string, snr float64, seed uint64) (mcs MCS, budget, tbBits int, err error) {
	cfg, err = cfg.withDefaults()
	if err != nil {
		return MCS{}, 0, 0, err
	}
	c, err := ParseChannel(ch)
	if err != nil {
		return MCS{}, 0, 0, err
	}
	w := &classicalWorker{cfg: cfg, chains: map[MCS]*classicalChain{}}
	l, _, err := w.pick(context.Background(), newClassicalShared(), c, snr, seed)
	return l.mcs, l.budget, l.a, err
}

// pick returns the layout at an SNR: the fixed MCS, or the oracle's choice.
func (w *classicalWorker) pick(ctx context.Context, sh *classicalShared, ch Channel, snr float64, seed uint64) (classicalLayout, []float64, error) {
	if w.cfg.Fixed {
		return w.cfg.layout(MCS{Index: -1, Qm: w.cfg.Modulation.BitsPerSymbol(), Rate: w.cfg.Rate}), nil, nil
	}
	sh.mu.Lock()
	k := oracleKey{ch.Name, snr, seed}
	oc := sh.oracle[k]
	if oc == nil {
		oc = &oracleChoice{}
		sh.oracle[k] = oc
	}
	sh.mu.Unlock()
	oc.once.Do(func() { oc.mcs, oc.bler, oc.err = w.oracle(ctx, ch, snr, seed) })
	return oc.mcs, oc.bler, oc.err
}

// oracle measures, from the highest MCS down, the transport-block error
// rate of random PDUs at snr and returns the first usable MCS meeting the
// target, or the most robust usable one when none does.
func (w *classicalWorker) oracle(ctx context.Context, ch Channel, snr float64, seed uint64) (classicalLayout, []float64, error) {
	var blers []float64
	var last classicalLayout
	found := false
	for i := len(MCSTable) - 1; i >= 0; i-- {
		l := w.cfg.layout(MCSTable[i])
		if l.budget < 1 {
			break // lower MCSs carry even less
		}
		c, err := w.chain(l)
		if err != nil {
			return l, blers, err
		}
		last, found = l, true
		// Seeded by (run seed, SNR, MCS) only: every worker agrees.
		s1, s2 := sim.ItemSeed(seed^0x6f7261636c65, snr, 0, i) // "oracle"
		r := rand.New(rand.NewPCG(s1, s2))
		pdu := make([]byte, l.a/8)
		rx := make([]byte, l.a/8)
		fails, limit := 0, int(w.cfg.BLERTarget*float64(w.cfg.OracleTrials))
		t := 0
		for ; t < w.cfg.OracleTrials && fails <= limit; t++ {
			if t%64 == 0 && ctx.Err() != nil {
				return l, blers, ctx.Err()
			}
			for j := range pdu {
				pdu[j] = byte(r.Uint32())
			}
			o, err := c.send(rx, pdu, ch, units.DB(snr), r)
			if err != nil {
				return l, blers, err
			}
			if !o.crcOK || !bytes.Equal(rx, pdu) {
				fails++
			}
		}
		blers = append(blers, float64(fails)/float64(t))
		if fails <= limit {
			return l, blers, nil
		}
	}
	if !found {
		return w.cfg.layout(MCSTable[0]), blers, fmt.Errorf("link: no MCS of the table fits a PDU into %d channel uses", w.cfg.Uses)
	}
	return last, blers, nil
}

// Extra counter names of Model 1 (sim.Counts.Extra).
const (
	XChannelUses  = "channel_uses"      // complex channel uses, summed over images
	XCodedBits    = "coded_bits"        // G per image
	XTBBits       = "tb_bits"           // A per image (PDU bits before the CRC)
	XPayloadBytes = "payload_bytes"     // codec payload bytes sent
	XSourceFails  = "source_failures"   // images the codec could not fit into the budget
	XLDPCErrors   = "ldpc_block_errors" // LDPC code blocks that did not converge
	XCRCFails     = "crc_fails"         // transport blocks failing CRC16/CRC24A
	XMACFails     = "mac_fails"         // PDUs whose MAC-I check fails (enforced only by drop)
	XIntact       = "intact"            // images whose payload arrived intact (classified from the cache)
	XUndecodable  = "undecodable"       // images without a reconstruction (source failure, dropped, codec error)
	XGuessed      = "guessed"           // images answered by a uniform random class
	XDamaged      = "damaged_decoded"   // best effort: images reconstructed from a damaged payload
	XDamagedSSE   = "damaged_sse"       // squared pixel error of those vs the clean reconstruction
	XDamagedPx    = "damaged_pixels"    // pixels of those images
	XCipherErrs   = "cipher_bit_errors" // bit errors in the received ciphertext (payload ‖ MAC-I)
	XPlainErrs    = "plain_bit_errors"  // bit errors after deciphering (NEA2 = CTR: equal)
)

// classical evaluates Model 1 on items [u.From, u.To).
func (e *evaluator) classical(ctx context.Context, u sim.Unit, ds *source.Dataset, ch Channel, snr units.DB) (sim.Counts, error) {
	if e.cfg.classical == nil {
		return sim.Counts{}, errors.New("link: model 1 needs a factory made by NewFactory")
	}
	w, err := e.classicalWorker(u.Seed)
	if err != nil {
		return sim.Counts{}, err
	}
	sh := e.cfg.classical
	l, _, err := w.pick(ctx, sh, ch, u.Point.SNR, u.Seed)
	if err != nil {
		return sim.Counts{}, err
	}
	clf, err := w.classifier(string(ds.Name))
	if err != nil {
		return sim.Counts{}, err
	}
	if clf.ImageSize() != ds.ImageSize() {
		return sim.Counts{}, fmt.Errorf("link: the %s classifier takes %d-pixel images, the test set has %d", ds.Name, clf.ImageSize(), ds.ImageSize())
	}
	c := sim.Counts{Extra: map[string]int64{}}
	x := c.Extra
	classes := int(clf.Config().Classes)
	var chn *classicalChain
	var ps *payloadSet
	if l.budget >= 1 {
		if chn, err = w.chain(l); err != nil {
			return c, err
		}
		if ps, err = sh.set(w.cfg, string(ds.Name), ds.Len(), l.budget); err != nil {
			return c, err
		}
	}
	pcg := rand.NewPCG(0, 0)
	r := rand.New(pcg)
	nb := l.a / 8
	w.pdu, w.rx = growB(w.pdu, nb), growB(w.rx, nb)
	for i := u.From; i < u.To; i++ {
		if (i-u.From)%64 == 0 && ctx.Err() != nil {
			return c, ctx.Err()
		}
		s1, s2 := u.ItemSeed(i)
		c.Items++
		x[XChannelUses] += int64(w.cfg.Uses)
		x[XCodedBits] += int64(l.g)
		x[XTBBits] += int64(l.a)
		label := int(ds.Labels[i])
		guess := func() {
			x[XGuessed]++
			// A stream of its own, so the guess does not depend on how many
			// noise draws the item used.
			if rand.New(rand.NewPCG(s1^0x6775657373, s2)).IntN(classes) == label { // "guess"
				c.Correct++
			}
		}
		if ps == nil {
			x[XSourceFails]++
			x[XUndecodable]++
			guess()
			continue
		}
		if err := ps.fill(i, ds.Image(i), clf); err != nil {
			return c, err
		}
		if ps.srcErr[i] {
			x[XSourceFails]++
			x[XUndecodable]++
			if w.cfg.ConcealLength {
				// A PDU without payload, so that the air shows a PDU for
				// every image; the receiver finds nothing to decode in it.
				if err := w.seal(w.pdu, nil, uint32(i)); err != nil {
					return c, err
				}
				pcg.Seed(s1, s2)
				if _, err := chn.send(w.rx, w.pdu, ch, snr, r); err != nil {
					return c, err
				}
			}
			guess()
			continue
		}
		p := ps.payload[i]
		x[XPayloadBytes] += int64(len(p))
		// Transmitter: PDU = length ‖ NEA2(payload ‖ MAC-I) ‖ zero padding.
		count := uint32(i)
		pdu := w.pdu
		if err := w.seal(pdu, p, count); err != nil {
			return c, err
		}
		pcg.Seed(s1, s2)
		o, err := chn.send(w.rx, pdu, ch, snr, r)
		if err != nil {
			return c, err
		}
		x[XLDPCErrors] += int64(o.unconverged)
		if !o.crcOK {
			x[XCRCFails]++
		}
		// Receiver: decipher, split payload and MAC-I at the received length.
		dec, macI, err := w.open(w.rx[:nb], count)
		if err != nil {
			return c, err
		}
		n := len(dec)
		sent := len(w.plain)
		x[XCipherErrs] += int64(bitErrors(w.rx[1:1+sent], pdu[1:1+sent]))
		x[XPlainErrs] += int64(bitErrors(w.rec[1:1+sent], w.plain))
		w.mac.SetCount(count)
		w.mac.Write(w.rec[:1])
		w.mac.Write(dec)
		macOK := w.mac.Verify(macI)
		// Under drop a block failing its CRC never reaches the MAC check;
		// best effort computes it for the breakdown but ignores it.
		if !macOK && (o.crcOK || w.cfg.Policy == BestEffort) {
			x[XMACFails]++
		}
		if w.cfg.Policy == Drop && (!o.crcOK || !macOK) {
			x[XUndecodable]++
			guess()
			continue
		}
		if n == len(p) && bytes.Equal(dec, p) {
			// Intact: the same payload decodes to the cached reconstruction.
			x[XIntact]++
			if int(ps.class[i]) == label {
				c.Correct++
			}
			continue
		}
		// Best effort with a damaged payload: decode and classify it.
		rec, err := ps.codec.Decode(w.img, dec)
		if err != nil {
			if !errors.Is(err, codec.ErrPayload) {
				return c, fmt.Errorf("link: decoding image %d: %w", i, err)
			}
			x[XUndecodable]++
			guess()
			continue
		}
		w.img = rec
		x[XDamaged]++
		x[XDamagedPx] += int64(len(rec))
		for k, v := range rec {
			d := int64(v) - int64(ps.img[i][k])
			x[XDamagedSSE] += d * d
		}
		k, err := clf.Classify(rec)
		if err != nil {
			return c, err
		}
		if k == label {
			c.Correct++
		}
	}
	return c, nil
}

func growB(s []byte, n int) []byte {
	if cap(s) < n {
		return make([]byte, n)
	}
	return s[:n]
}

func bitErrors(a, b []byte) int {
	n := 0
	for i := range min(len(a), len(b)) {
		v := a[i] ^ b[i]
		for ; v != 0; v &= v - 1 {
			n++
		}
	}
	return n
}
