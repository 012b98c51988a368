package link

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/hesemcom/hesemcom/app/he"
	"github.com/hesemcom/hesemcom/app/source"
	"github.com/hesemcom/hesemcom/internal/units"
	"github.com/hesemcom/hesemcom/modem/qam"
	"github.com/hesemcom/hesemcom/phy/frame"
	"github.com/hesemcom/hesemcom/phy/jscc"
	"github.com/hesemcom/hesemcom/phy/ldpc"
	"github.com/hesemcom/hesemcom/sim"
)

// Model 4's digital transport (issue 9, Point.Transport "digital"): the
// transmitter relinearises the encrypted features (degree 2 → 1, unless
// DigitalConfig.Degree2), modulus-switches them down to Bits per coefficient
// (he.Tensor.Compress), packs the coefficients and cuts them into frames of
// FrameBytes (phy/frame: key id, sequence number, CRC-32); each frame is one
// LDPC transport block (phy/ldpc TB with CRC24A) mapped to QAM and sent
// through the symbol-level channel or, at the iq level, the OFDM modem. The
// receiver decodes each block, checks both CRCs, reassembles the
// coefficients, lifts them back to the full modulus, runs the FC layer on
// the ciphertexts and decrypts.
//
// Each frame draws its own channel realisation from the batch's item seed
// and its sequence number (block fading per frame at the iq level, i.i.d.
// per symbol at the symbol level for fading channels), so a sweep's
// outcome does not depend on the schedule. The counters in sim.Counts.Extra
// give channel uses (QAM symbols), IQ samples, frames sent/lost/decoded and
// payload vs uncompressed ciphertext bits; divide by Items for per-image
// figures (a batch's ciphertexts are shared by its images: a partly filled
// batch costs as much as a full one).
//
// Batch-major packing puts a share of every image into every coefficient,
// so a lost frame hurts the whole batch: with LossBatch (the default, issue
// 9's "a frame that fails CRC is lost, its images count as errors") every
// image of a batch with a lost frame is an error; with LossErase the
// receiver sets the features whose coefficients were lost to the all-zero
// ciphertext, which decrypts to exactly 0, and classifies the rest.

// LossPolicy says what a lost frame costs (digital transport).
type LossPolicy int

const (
	// LossBatch counts every image of a batch with a lost frame as an error.
	LossBatch LossPolicy = iota
	// LossErase zeroes the features the lost frames carried.
	LossErase
)

// ParseLossPolicy parses "batch" or "erase".
func ParseLossPolicy(s string) (LossPolicy, error) {
	switch s {
	case "", "batch":
		return LossBatch, nil
	case "erase":
		return LossErase, nil
	}
	return 0, fmt.Errorf("link: loss policy %q: want batch or erase", s)
}

// MarshalText writes "batch" or "erase".
func (p LossPolicy) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText parses "batch" or "erase".
func (p *LossPolicy) UnmarshalText(b []byte) error {
	v, err := ParseLossPolicy(string(b))
	*p = v
	return err
}

func (p LossPolicy) String() string {
	if p == LossErase {
		return "erase"
	}
	return "batch"
}

// DefaultDigitalMargin is the default number of bits kept per coefficient
// of the relinearised features above the headroom log2(Q/Δ), which modulus
// switching cannot remove: ≈ 12.4 bits of rounding-noise growth through s
// (√(N/2·(1+h)), h ≈ 2N/3 at N = 2^13) and ≈ 6 bits below the decoder's
// noise floor. Measured with `hesemcom transport bits` (N = 2^13, 4096 MNIST
// test images, no channel noise) at log2(Q/Δ) = 36 (scales 2^26/2^16):
// uncompressed 0.9268; 48 bits 0.8459, 50 bits 0.9231, 52 bits 0.9253
// (4074/4096 decisions as uncompressed), 54 bits 0.9265 (4093/4096), 58
// bits all 4096 — so 36 + 18. Re-measured at log2(Q/Δ) = 28 (scales
// 2^30/2^16): 42 bits 0.9221, 44 bits 0.9263 (4077), 46 bits 0.9270 (4093),
// 54 bits all: the same curve shifted by the 8 bits of headroom.
const DefaultDigitalMargin = 18

// DigitalBits returns the default bits per coefficient for p:
// ⌈log2(Q/Δ)⌉ + DefaultDigitalMargin, 8 more for degree-2 features (the
// s² term grows the rounding noise by √‖s²‖² ≈ h ≈ 2^12 rather than
// √h ≈ 2^6), at most 63.
func DigitalBits(p he.Params, degree2 bool) int {
	b := int(math.Ceil(p.LogHeadroom())) + DefaultDigitalMargin
	if degree2 {
		b += 8
	}
	return min(b, 63)
}

// DigitalConfig configures the digital transport. Zero fields take the
// defaults.
type DigitalConfig struct {
	// Bits per ciphertext coefficient after modulus switching, in [2, 63];
	// 0 means DigitalBits of the CKKS parameters.
	Bits int `json:"bits"`
	// Degree2 sends the three polynomials of the degree-2 features instead
	// of relinearising them first.
	Degree2 bool `json:"degree2"`
	// Qm is the modulation order (2, 4, 6, 8); 0 means 4 (16-QAM).
	Qm int `json:"qm"`
	// Rate is the LDPC code rate in (0, 0.95]; 0 means 1/2.
	Rate float64 `json:"rate"`
	// FrameBytes is the payload of one frame (one transport block); 0 means
	// 1024.
	FrameBytes int `json:"frame_bytes"`
	// Iterations of the layered min-sum decoder; 0 means 20.
	Iterations int `json:"iterations"`
	// Loss is what a lost frame costs.
	Loss LossPolicy `json:"loss"`
	// HARQ is the most transmissions of one frame, in [0, 16]; 0 and 1 mean
	// one (no retransmission). A frame that fails its CRC is sent again
	// with the next redundancy version (0, 2, 3, 1, 0, …) and combined with
	// the earlier transmissions before decoding (hybrid ARQ with incremental
	// redundancy, TS 38.321 §5.3.2), until it decodes or the transmissions
	// run out. The feedback is ideal (no delay, no errors) and each
	// transmission meets a new channel realisation, as successive frames do.
	HARQ int `json:"harq,omitempty"`
	// Capture, if non-nil, receives every frame as sent (seq order,
	// retransmissions included) with its first sample index: the pcap hook
	// (frame.PcapWriter.WriteFrame).
	Capture func(sample int64, data []byte) error `json:"-"`
	// RecordIQ, if non-nil, receives at the iq level the samples of each
	// transmission of a frame (attempt 0 first) after the channel (the SigMF
	// recording hook); rx is only valid during the call. While it is set,
	// frames after a loss still go through the channel under LossBatch, so
	// the recording holds every frame.
	RecordIQ func(seq, attempt int, rx []complex64) error `json:"-"`
	// RecordBatch, if non-nil, receives at the iq level each batch's
	// account (its samples, frames and the receiver's decisions) and the
	// secret key it was encrypted under, after its frames went to RecordIQ
	// (Recorder).
	RecordBatch func(b RecordedBatch, key *he.SharedKey) error `json:"-"`
}

// MaxHARQ is the most transmissions of one frame DigitalConfig.HARQ allows.
const MaxHARQ = 16

// harqRV is the order of redundancy versions of a frame's transmissions
// (TS 38.214 Table 5.1.2.1-2 with rv_id 0 first).
var harqRV = [4]int{0, 2, 3, 1}

func (c DigitalConfig) withDefaults() (DigitalConfig, error) {
	if c.Qm == 0 {
		c.Qm = 4
	}
	if c.Rate == 0 {
		c.Rate = 0.5
	}
	if c.FrameBytes == 0 {
		c.FrameBytes = 1024
	}
	if c.Iterations == 0 {
		c.Iterations = 20
	}
	switch {
	case c.Bits != 0 && (c.Bits < 2 || c.Bits > 63):
		return c, fmt.Errorf("link: digital bits %d out of range [2, 63]", c.Bits)
	case schemeOf(c.Qm) == 0:
		return c, fmt.Errorf("link: digital Qm %d: want 2, 4, 6 or 8", c.Qm)
	case !(c.Rate > 0 && c.Rate <= 0.95):
		return c, fmt.Errorf("link: digital code rate %v out of range (0, 0.95]", c.Rate)
	case c.FrameBytes < 16 || c.FrameBytes > 8192:
		return c, fmt.Errorf("link: digital frame payload %d bytes out of range [16, 8192]", c.FrameBytes)
	case c.Iterations < 1 || c.Iterations > 100:
		return c, fmt.Errorf("link: digital decoder iterations %d out of range [1, 100]", c.Iterations)
	case c.HARQ < 0 || c.HARQ > MaxHARQ:
		return c, fmt.Errorf("link: HARQ transmissions %d out of range [0, %d]", c.HARQ, MaxHARQ)
	}
	c.HARQ = max(c.HARQ, 1)
	return c, nil
}

// TransportOptions are the user-facing settings of Model 4's digital and
// hybrid transports and of the iq level's receiver: the flags of `hesemcom
// transport table` and `hesemcom sweep` and, with the same names in snake
// case, fields of a sweep's scenario file (Scenario embeds it). Zero fields
// take the defaults.
type TransportOptions struct {
	Bits       int     `json:"bits,omitempty"`        // DigitalConfig.Bits
	Degree2    bool    `json:"degree2,omitempty"`     // DigitalConfig.Degree2
	Qm         int     `json:"qm,omitempty"`          // DigitalConfig.Qm
	Rate       float64 `json:"rate,omitempty"`        // DigitalConfig.Rate
	FrameBytes int     `json:"frame_bytes,omitempty"` // DigitalConfig.FrameBytes
	Loss       string  `json:"loss,omitempty"`        // batch or erase
	HARQ       int     `json:"harq,omitempty"`        // DigitalConfig.HARQ
	AnalogBits int     `json:"analog_bits,omitempty"` // HybridConfig.AnalogBits
	// AnalogPowerDB is HybridConfig.AnalogPowerDB.
	AnalogPowerDB float64 `json:"analog_power_db,omitempty"`
	PerfectCSI    bool    `json:"perfect_csi,omitempty"` // IQConfig.PerfectCSI
}

// Configs checks o and returns the configurations it describes.
func (o TransportOptions) Configs() (DigitalConfig, HybridConfig, IQConfig, error) {
	d := DigitalConfig{Bits: o.Bits, Degree2: o.Degree2, Qm: o.Qm, Rate: o.Rate, FrameBytes: o.FrameBytes, HARQ: o.HARQ}
	h := HybridConfig{AnalogBits: o.AnalogBits, AnalogPowerDB: o.AnalogPowerDB}
	q := IQConfig{PerfectCSI: o.PerfectCSI}
	var err error
	if d.Loss, err = ParseLossPolicy(o.Loss); err != nil {
		return d, h, q, err
	}
	if _, err := d.withDefaults(); err != nil {
		return d, h, q, err
	}
	if err := h.check(); err != nil {
		return d, h, q, err
	}
	return d, h, q, nil
}

// Digital-transport counters in sim.Counts.Extra (summed over units).
const (
	XFrames       = "frames"          // frames sent
	XFramesLost   = "frames_lost"     // frames that failed the TB or frame CRC
	XFramesTried  = "frames_tried"    // decodings, one per transmission received (LossBatch without HARQ stops at the first loss)
	XRetransmit   = "retransmissions" // HARQ retransmissions of frames
	XBatchesLost  = "batches_lost"    // batches with at least one lost frame
	XPayloadBits  = "payload_bits"    // compressed coefficient bits sent
	XWireBits     = "wire_bits"       // uncompressed ciphertext bits (he wire format body)
	XCoefficients = "coefficients"    // ciphertext coefficients sent
	XFeatsErased  = "features_lost"   // feature ciphertexts erased (LossErase)
)

// digitalChain is a worker's digital transmitter and receiver.
type digitalChain struct {
	cfg   DigitalConfig
	syms  int // QAM symbols per frame
	con   *qam.Constellation
	enc   *ldpc.TBEncoder
	dec   *ldpc.TBDecoder
	soft  *ldpc.TBSoftBuffer // the receiver's HARQ buffer of the current frame
	comp  *he.Compressed
	rxc   *he.Compressed
	lift  *he.Tensor
	tx    []byte // packed coefficients, padded to whole frames
	rx    []byte
	fr    []byte
	bits  []byte
	cw    []byte
	x, y  []complex64
	n0    []float32
	llr   []float32
	out   []byte
	rxf   []byte
	lost  []bool
	hdr   frame.Frame
	feats []bool
}

func newDigitalChain(cfg DigitalConfig) (*digitalChain, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	a := frame.Len(cfg.FrameBytes) * 8
	// Coded bits: the whole QAM symbols the rate asks for.
	g := int(math.Ceil(float64(a+24)/cfg.Rate/float64(cfg.Qm))) * cfg.Qm
	tb, err := ldpc.NewTB(ldpc.TBConfig{A: a, G: g, Qm: cfg.Qm})
	if err != nil {
		return nil, fmt.Errorf("link: digital transport block: %w", err)
	}
	con, err := qam.New(schemeOf(cfg.Qm))
	if err != nil {
		return nil, err
	}
	return &digitalChain{cfg: cfg, syms: g / cfg.Qm, con: con, enc: tb.Encoder(), dec: tb.Decoder(ldpc.NormalizedMinSum, cfg.Iterations), soft: tb.NewSoftBuffer()}, nil
}

// coeffBits returns the bits per coefficient for p.
func (d *digitalChain) coeffBits(p he.Params) int {
	if d.cfg.Bits != 0 {
		return d.cfg.Bits
	}
	return DigitalBits(p, d.cfg.Degree2)
}

// frameSeed returns the PCG seed of transmission attempt of frame seq of the
// batch starting at item from: the batch's item seed (sim.Unit.ItemSeed)
// with the sequence number and attempt mixed in, so the draws depend on the
// data, never on the schedule (and a first transmission draws as it did
// before HARQ existed).
func frameSeed(u sim.Unit, from, seq, attempt int) (uint64, uint64) {
	s1, s2 := u.ItemSeed(from)
	return splitmix64(s1 ^ uint64(seq)*0x9e3779b97f4a7c15 ^ uint64(attempt)*0xd1b54a32d192ed03), s2
}

func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// digitalOutcome is what one batch's transmission did.
type digitalOutcome struct {
	frames, lost, tried int
	retx                int   // HARQ retransmissions
	symbols             int64 // QAM symbols (channel uses at the symbol level)
	samples             int64 // IQ samples (iq level)
	featsLost           int
}

// send carries the compressed features c through frames, coding, modulation
// and the channel, and returns the receiver's compressed tensor (nil if the
// batch is lost under LossBatch).
func (d *digitalChain) send(c *he.Compressed, p he.Params, u sim.Unit, from int, ch Channel, iq *iqModem, snr units.DB, pcg *rand.PCG, r *rand.Rand) (*he.Compressed, digitalOutcome, error) {
	d.tx = c.Pack(d.tx[:0])
	packed := len(d.tx)
	o, err := d.sendPayload(c.KeyID(), u, from, ch, iq, snr, pcg, r)
	if err != nil {
		return nil, o, err
	}
	return d.finish(p, batchMeta{images: c.Images(), keyID: c.KeyID(), bits: c.Bits(), polys: c.Polys()}, packed, &o)
}

// sendPayload carries the bytes in d.tx through frames, coding, modulation
// and the channel into d.rx, marking lost frames in d.lost (lost frames'
// bytes are zero). d.tx is padded to whole frames.
func (d *digitalChain) sendPayload(keyID uint32, u sim.Unit, from int, ch Channel, iq *iqModem, snr units.DB, pcg *rand.PCG, r *rand.Rand) (digitalOutcome, error) {
	var o digitalOutcome
	P := d.cfg.FrameBytes
	for len(d.tx)%P != 0 {
		d.tx = append(d.tx, 0)
	}
	o.frames = len(d.tx) / P
	if cap(d.rx) < len(d.tx) {
		d.rx = make([]byte, len(d.tx))
	}
	d.rx = d.rx[:len(d.tx)]
	d.lost = append(d.lost[:0], make([]bool, o.frames)...)
	var err error
	perFrame := int64(d.syms) // channel uses of one frame
	if iq != nil {
		perFrame = int64(iq.Samples(d.syms))
	}
	var sample int64 // first channel use of the next transmission
	// onAir accounts one transmission of the frame in d.fr.
	onAir := func() error {
		if d.cfg.Capture != nil {
			if err := d.cfg.Capture(sample, d.fr); err != nil {
				return err
			}
		}
		o.symbols += int64(d.syms)
		if iq != nil {
			o.samples += perFrame
		}
		sample += perFrame
		return nil
	}
	for seq := range o.frames {
		// Every frame is sent (channel uses count them all) even when the
		// batch is already lost; only the decoding is skipped then. With
		// HARQ the receiver keeps decoding, so that the retransmissions it
		// asks for, and their channel uses, are the real ones.
		hdr := frame.Frame{Type: frame.TypeCiphertext, KeyID: uint16(keyID), Seq: uint32(seq)}
		if d.fr, err = frame.Append(d.fr[:0], &hdr, d.tx[seq*P:(seq+1)*P]); err != nil {
			return o, err
		}
		if d.cfg.Loss == LossBatch && o.lost > 0 && d.cfg.RecordIQ == nil && d.cfg.HARQ == 1 {
			if err := onAir(); err != nil {
				return o, err
			}
			continue
		}
		d.bits = unpackBits(d.bits, d.fr)
		err := d.receive(seq, &o, func(attempt, rv int) ([]float32, error) {
			if err := onAir(); err != nil {
				return nil, err
			}
			var err error
			if d.cw, err = d.enc.EncodeRV(d.cw, d.bits, rv); err != nil {
				return nil, err
			}
			if d.x, err = d.con.Map(d.x, d.cw); err != nil {
				return nil, err
			}
			pcg.Seed(frameSeed(u, from, seq, attempt))
			if iq == nil {
				d.y, d.n0 = symbolChannel(d.y, d.n0, d.x, ch, snr, r)
				if math.IsInf(ch.K, 1) {
					return d.con.LLR(d.llr, d.y, float64(d.n0[0]), qam.MaxLog)
				}
				return d.con.LLRPerSymbol(d.llr, d.y, d.n0, qam.MaxLog)
			}
			iq.record = nil
			if d.cfg.RecordIQ != nil {
				iq.record = func(rx []complex64) error { return d.cfg.RecordIQ(seq, attempt, rx) }
			}
			y, nv, err := iq.SendCSI(d.x, snr, r)
			if err != nil {
				return nil, err
			}
			return d.con.LLRPerSymbol(d.llr, y, nv, qam.MaxLog)
		})
		if err != nil {
			return o, err
		}
	}
	return o, nil
}

// receive runs the receiver's HARQ process of frame seq: transmit(attempt,
// rv) carries transmission attempt (redundancy version rv) to the receiver
// and returns its LLRs, which are combined with the earlier ones and
// decoded, until the frame passes its CRCs or cfg.HARQ transmissions are
// spent. The payload goes to d.rx, or the frame is marked lost.
func (d *digitalChain) receive(seq int, o *digitalOutcome, transmit func(attempt, rv int) ([]float32, error)) error {
	d.soft.Reset()
	for attempt := range d.cfg.HARQ {
		if attempt > 0 {
			o.retx++
		}
		rv := harqRV[attempt%len(harqRV)]
		llr, err := transmit(attempt, rv)
		if err != nil {
			return err
		}
		d.llr = llr
		if err := d.soft.Add(llr, rv); err != nil {
			return err
		}
		ok, err := d.deliver(seq, o)
		if err != nil || ok {
			return err
		}
	}
	d.lost[seq] = true
	o.lost++
	clear(d.rx[seq*d.cfg.FrameBytes : (seq+1)*d.cfg.FrameBytes])
	return nil
}

// deliver decodes frame seq from the soft buffer, checks the
// transport-block and frame CRCs and the header, and on success stores the
// payload in d.rx.
func (d *digitalChain) deliver(seq int, o *digitalOutcome) (bool, error) {
	P := d.cfg.FrameBytes
	var err error
	if d.out, err = d.dec.DecodeSoft(d.out, d.soft); err != nil {
		return false, err
	}
	o.tried++
	d.rxf = growB(d.rxf, frame.Len(P))
	packBits(d.rxf, d.out)
	ok := d.dec.LastCRCOK()
	if ok {
		err := d.hdr.Decode(d.rxf)
		ok = err == nil && d.hdr.CRCOK && d.hdr.Seq == uint32(seq) && int(d.hdr.Length) == P
	}
	if ok {
		copy(d.rx[seq*P:], d.hdr.LayerPayload())
	}
	return ok, nil
}

// batchMeta is what the receiver knows of a batch besides the frames: the
// images in it, the key id (also in every frame header), the compression.
type batchMeta struct {
	images int
	keyID  uint32
	bits   int
	polys  int
}

// finish reassembles the received coefficients (the first packed bytes of
// d.rx), applying the loss policy.
func (d *digitalChain) finish(p he.Params, m batchMeta, packed int, o *digitalOutcome) (*he.Compressed, digitalOutcome, error) {
	P := d.cfg.FrameBytes
	if o.lost > 0 && d.cfg.Loss == LossBatch {
		return nil, *o, nil
	}
	var err error
	if d.rxc == nil || d.rxc.Images() != m.images || d.rxc.KeyID() != m.keyID || d.rxc.Bits() != m.bits || d.rxc.Polys() != m.polys {
		if d.rxc, err = he.NewCompressed(p, m.keyID, m.images, m.bits, m.polys); err != nil {
			return nil, *o, err
		}
	}
	if err := d.rxc.Unpack(d.rx[:packed]); err != nil {
		return nil, *o, err
	}
	if o.lost > 0 {
		// Erase every feature ciphertext a lost frame touched.
		per := len(d.rxc.Coeffs()) / he.Features // coefficients per feature
		d.feats = append(d.feats[:0], make([]bool, he.Features)...)
		for seq, l := range d.lost {
			if !l {
				continue
			}
			first := seq * P * 8 / m.bits
			last := min(((seq+1)*P*8-1)/m.bits, len(d.rxc.Coeffs())-1)
			for f := first / per; f <= last/per; f++ {
				d.feats[f] = true
			}
		}
		co := d.rxc.Coeffs()
		for f, l := range d.feats {
			if l {
				clear(co[f*per : (f+1)*per])
				o.featsLost++
			}
		}
	}
	return d.rxc, *o, nil
}

// replay runs the digital receiver over recorded IQ at the iq level: next
// returns the received samples of the next frame (n samples). snr is the
// Es/N0 the receiver assumes (MMSE weights and LLR scaling).
func (d *digitalChain) replay(p he.Params, m batchMeta, iq *iqModem, snr units.DB, next func(n int) ([]complex64, error)) (*he.Compressed, digitalOutcome, error) {
	var o digitalOutcome
	P := d.cfg.FrameBytes
	packed := (he.Features*m.polys*(2*p.Slots())*m.bits + 7) / 8
	o.frames = (packed + P - 1) / P
	d.rx = growB(d.rx, o.frames*P)
	d.lost = append(d.lost[:0], make([]bool, o.frames)...)
	n := iq.Samples(d.syms)
	for seq := range o.frames {
		err := d.receive(seq, &o, func(attempt, _ int) ([]float32, error) {
			rx, err := next(n)
			if err != nil {
				return nil, fmt.Errorf("link: replay frame %d, transmission %d: %w", seq, attempt+1, err)
			}
			o.symbols += int64(d.syms)
			o.samples += int64(n)
			y, nv, err := iq.receive(rx, d.syms, snr, true)
			if err != nil {
				return nil, err
			}
			return d.con.LLRPerSymbol(d.llr, y, nv, qam.MaxLog)
		})
		if err != nil {
			return nil, o, err
		}
	}
	return d.finish(p, m, packed, &o)
}

// replayDigital classifies one batch of the digital transport from recorded
// IQ (iq level, estimated channel): the receiver half of digital, for
// recordings made with DigitalConfig.RecordIQ under the same keys.
func (e *evaluator) replayDigital(m *jscc.Model, channelName string, snr units.DB, images int, keyID uint32, next func(n int) ([]complex64, error)) ([]uint8, digitalOutcome, error) {
	l, err := e.heFor(m)
	if err != nil {
		return nil, digitalOutcome{}, err
	}
	if _, err := e.channelFor(sim.Point{Model: Model4, Channel: channelName, Level: "iq"}); err != nil {
		return nil, digitalOutcome{}, err
	}
	if e.cfg.IQ.PerfectCSI {
		return nil, digitalOutcome{}, fmt.Errorf("link: a recording carries no channel state: replay needs estimated CSI")
	}
	if e.digitalW == nil {
		dc, err := newDigitalChain(e.cfg.Digital)
		if err != nil {
			return nil, digitalOutcome{}, err
		}
		e.digitalW = &digitalWorker{chain: dc}
	}
	d := e.digitalW.chain
	polys := 2
	if d.cfg.Degree2 {
		polys = 3
	}
	rxc, o, err := d.replay(e.params, batchMeta{images: images, keyID: keyID, bits: d.coeffBits(e.params), polys: polys}, e.iq.cur, snr, next)
	if err != nil || rxc == nil {
		return nil, o, err
	}
	if d.lift, err = rxc.Lift(d.lift); err != nil {
		return nil, o, err
	}
	labels, err := l.rx.Classify(nil, d.lift)
	return labels, o, err
}

// noLabel marks an image the receiver could not classify.
const noLabel = 255

// digitalWorker is an evaluator's digital-transport state.
type digitalWorker struct {
	chain *digitalChain
}

// digital evaluates Model 4 over the digital transport.
func (e *evaluator) digital(ctx context.Context, u sim.Unit, ds *source.Dataset, m *jscc.Model, ch Channel, snr units.DB) (sim.Counts, error) {
	l, err := e.heFor(m)
	if err != nil {
		return sim.Counts{}, err
	}
	if e.digitalW == nil {
		dc, err := newDigitalChain(e.cfg.Digital)
		if err != nil {
			return sim.Counts{}, err
		}
		e.digitalW = &digitalWorker{chain: dc}
	}
	d := e.digitalW.chain
	var iq *iqModem
	if e.iq != nil {
		iq = e.iq.cur
	}
	c := sim.Counts{Extra: map[string]int64{}}
	pcg := rand.NewPCG(0, 0)
	r := rand.New(pcg)
	slots := e.params.Slots()
	for from := u.From; from < u.To; from += slots {
		if err := ctx.Err(); err != nil {
			return c, err
		}
		to := min(from+slots, u.To)
		n := to - from
		bundle, err := e.encryptBatch(l, ds, from, to)
		if err != nil {
			return c, err
		}
		cc := he.CompressConfig{Bits: d.coeffBits(e.params)}
		if !d.cfg.Degree2 {
			if cc.Relinearize, err = e.keys.RelinKey(bundle.ID()); err != nil {
				return c, err
			}
		}
		if d.comp, err = l.feat.Compress(d.comp, cc); err != nil {
			return c, err
		}
		rxc, o, err := d.send(d.comp, e.params, u, from, ch, iq, snr, pcg, r)
		if err != nil {
			return c, err
		}
		c.Items += int64(n)
		c.Extra[XFrames] += int64(o.frames)
		c.Extra[XFramesLost] += int64(o.lost)
		c.Extra[XFramesTried] += int64(o.tried)
		c.Extra[XRetransmit] += int64(o.retx)
		c.Extra[XChannelUses] += o.symbols
		c.Extra[XPayloadBits] += int64(len(d.comp.Coeffs()) * d.comp.Bits())
		c.Extra[XCoefficients] += int64(len(d.comp.Coeffs()))
		c.Extra[XWireBits] += int64(l.feat.BinarySize()) * 8
		c.Extra[XFeatsErased] += int64(o.featsLost)
		if iq != nil {
			c.Extra[XIQSamples] += o.samples
		}
		if rxc == nil {
			c.Extra[XBatchesLost]++
			// Every image of the batch is an error: no label at all.
			e.labels = e.labels[:0]
			for range n {
				e.labels = append(e.labels, noLabel)
			}
			if err := e.recordBatch(d, from, n, d.comp.KeyID(), o); err != nil {
				return c, err
			}
			continue
		}
		if o.lost > 0 {
			c.Extra[XBatchesLost]++
		}
		if d.lift, err = rxc.Lift(d.lift); err != nil {
			return c, err
		}
		if e.labels, err = l.rx.Classify(e.labels, d.lift); err != nil {
			return c, err
		}
		if err := e.recordBatch(d, from, n, d.comp.KeyID(), o); err != nil {
			return c, err
		}
		for i := range n {
			if int(e.labels[i]) == int(ds.Labels[from+i]) {
				c.Correct++
			}
		}
	}
	return c, nil
}
