package frame

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// Wire format constants (see the package documentation).
const (
	Version    = 1  // the only version this package writes and reads
	HeaderLen  = 10 // version, type, key id, sequence, payload length
	TrailerLen = 4  // CRC-32
	Overhead   = HeaderLen + TrailerLen
	MaxPayload = 65535 // the length field is 16 bits
	MaxLen     = MaxPayload + Overhead
)

// LinkType is LINKTYPE_USER0 (147) of the tcpdump link-type registry: the
// first of the values reserved for private use, which Wireshark maps to a
// user dissector (DLT_USER0).
const LinkType = layers.LinkType(147)

// LayerTypeFrame is the registered gopacket layer type of a Frame. 1147 lies
// in the 1000–1999 range gopacket's layertypes.go leaves for applications.
var LayerTypeFrame = gopacket.RegisterLayerType(1147, gopacket.LayerTypeMetadata{
	Name:    "HesemcomFrame",
	Decoder: gopacket.DecodeFunc(decodeFrame),
})

func init() {
	// Make link type 147 decode as a Frame in gopacket.NewPacket and in
	// packet sources reading our pcap files. No gopacket layer claims
	// USER0, so this replaces the "UnknownLinkType" error decoder only.
	layers.LinkTypeMetadata[LinkType] = layers.EnumMetadata{
		DecodeWith: LayerTypeFrame,
		Name:       "HesemcomUSER0",
		LayerType:  LayerTypeFrame,
	}
}

// Type says what a frame's payload holds.
type Type uint8

// Frame types.
const (
	TypeData       Type = 1 // plaintext application bytes
	TypeCiphertext Type = 2 // serialised HE ciphertext(s)
	TypeFeatures   Type = 3 // JSCC feature values (analog payload description)
	TypeKey        Type = 4 // public / relinearisation key material
	TypeControl    Type = 5 // link control (acknowledgements, key rotation)
)

var typeNames = map[Type]string{
	TypeData: "data", TypeCiphertext: "ciphertext", TypeFeatures: "features",
	TypeKey: "key", TypeControl: "control",
}

// String returns the lower-case name of t, or "type(N)" for unknown values.
func (t Type) String() string {
	if s, ok := typeNames[t]; ok {
		return s
	}
	return fmt.Sprintf("type(%d)", uint8(t))
}

// UnmarshalText parses a name as printed by String.
func (t *Type) UnmarshalText(b []byte) error {
	for k, v := range typeNames {
		if v == string(b) {
			*t = k
			return nil
		}
	}
	return fmt.Errorf("frame: unknown frame type %q", b)
}

// MarshalText returns String's name.
func (t Type) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// Errors returned by DecodeFromBytes. Callers branch with errors.Is / As.
var (
	ErrShort    = errors.New("frame: short frame")
	ErrVersion  = errors.New("frame: unsupported version")
	ErrTrailing = errors.New("frame: bytes after the CRC")
	ErrTooLong  = errors.New("frame: payload longer than 65535 bytes")
)

// CRCError reports a frame whose CRC-32 does not match its contents. The
// header fields were decoded all the same (they may be the corrupted ones).
type CRCError struct {
	Seq       uint32
	Got, Want uint32 // Got: the trailer; Want: computed over header and payload
}

func (e *CRCError) Error() string {
	return fmt.Sprintf("frame: CRC mismatch in frame seq %d: trailer %08x, computed %08x", e.Seq, e.Got, e.Want)
}

// Frame is the link-layer frame as a gopacket layer. Contents holds the
// 10-byte header, Payload the payload (the CRC trailer is in CRC).
type Frame struct {
	layers.BaseLayer
	Version uint8
	Type    Type
	KeyID   uint16
	Seq     uint32
	Length  uint16 // payload length in bytes
	CRC     uint32 // the trailer as received, or as computed by SerializeTo
	CRCOK   bool   // set by DecodeFromBytes
}

// LayerType returns LayerTypeFrame.
func (f *Frame) LayerType() gopacket.LayerType { return LayerTypeFrame }

// CanDecode returns LayerTypeFrame (gopacket.DecodingLayer).
func (f *Frame) CanDecode() gopacket.LayerClass { return LayerTypeFrame }

// NextLayerType returns gopacket.LayerTypePayload: the payload is opaque here.
func (f *Frame) NextLayerType() gopacket.LayerType { return gopacket.LayerTypePayload }

// LayerPayload returns the payload bytes.
func (f *Frame) LayerPayload() []byte { return f.Payload }

// DecodeFromBytes decodes data, which must be exactly one frame, into f
// without allocating; f.Contents and f.Payload alias data. A CRC mismatch
// still fills every field (CRCOK false) and returns a *CRCError; structural
// problems (short, wrong version, trailing bytes) return errors wrapping
// ErrShort, ErrVersion or ErrTrailing and leave f partially filled.
func (f *Frame) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	f.CRCOK = false
	if len(data) < Overhead {
		df.SetTruncated()
		return fmt.Errorf("%w: %d bytes, need at least %d", ErrShort, len(data), Overhead)
	}
	f.Version = data[0]
	if f.Version != Version {
		return fmt.Errorf("%w %d (want %d)", ErrVersion, f.Version, Version)
	}
	f.Type = Type(data[1])
	f.KeyID = binary.BigEndian.Uint16(data[2:])
	f.Seq = binary.BigEndian.Uint32(data[4:])
	f.Length = binary.BigEndian.Uint16(data[8:])
	end := HeaderLen + int(f.Length)
	if len(data) < end+TrailerLen {
		df.SetTruncated()
		return fmt.Errorf("%w: header says %d payload bytes, only %d bytes follow the header", ErrShort, f.Length, len(data)-HeaderLen)
	}
	if len(data) > end+TrailerLen {
		return fmt.Errorf("%w: %d extra bytes", ErrTrailing, len(data)-end-TrailerLen)
	}
	f.BaseLayer = layers.BaseLayer{Contents: data[:HeaderLen], Payload: data[HeaderLen:end]}
	f.CRC = binary.BigEndian.Uint32(data[end:])
	want := crc32.ChecksumIEEE(data[:end])
	if want != f.CRC {
		return &CRCError{Seq: f.Seq, Got: f.CRC, Want: want}
	}
	f.CRCOK = true
	return nil
}

// Decode is DecodeFromBytes without decode feedback, for callers that do
// not use gopacket themselves (gopacket stays imported by this package only).
func (f *Frame) Decode(data []byte) error {
	return f.DecodeFromBytes(data, gopacket.NilDecodeFeedback)
}

// SerializeTo writes f's header before and the CRC after the bytes already in
// b (the payload, gopacket serialises layers from the inside out). With
// opts.FixLengths, Length is set from the payload; with
// opts.ComputeChecksums, CRC is computed; otherwise the fields are written as
// they are, which is how tests build corrupted frames. Version 0 is written
// as Version.
func (f *Frame) SerializeTo(b gopacket.SerializeBuffer, opts gopacket.SerializeOptions) error {
	n := len(b.Bytes())
	if n > MaxPayload {
		return fmt.Errorf("%w: %d", ErrTooLong, n)
	}
	if opts.FixLengths {
		f.Length = uint16(n)
	}
	if f.Version == 0 {
		f.Version = Version
	}
	hdr, err := b.PrependBytes(HeaderLen)
	if err != nil {
		return err
	}
	putHeader(hdr, f)
	if opts.ComputeChecksums {
		f.CRC = crc32.ChecksumIEEE(b.Bytes())
	}
	tr, err := b.AppendBytes(TrailerLen)
	if err != nil {
		return err
	}
	binary.BigEndian.PutUint32(tr, f.CRC)
	return nil
}

func putHeader(hdr []byte, f *Frame) {
	hdr[0] = f.Version
	hdr[1] = byte(f.Type)
	binary.BigEndian.PutUint16(hdr[2:], f.KeyID)
	binary.BigEndian.PutUint32(hdr[4:], f.Seq)
	binary.BigEndian.PutUint16(hdr[8:], f.Length)
}

// Append appends the frame with f's Type, KeyID and Seq carrying payload to
// dst and returns the extended slice; Version, Length and CRC are set in f.
// It allocates only when dst lacks capacity for len(payload)+Overhead bytes.
// It is the fast path of SerializeTo with FixLengths and ComputeChecksums.
func Append(dst []byte, f *Frame, payload []byte) ([]byte, error) {
	if len(payload) > MaxPayload {
		return dst, fmt.Errorf("%w: %d", ErrTooLong, len(payload))
	}
	f.Version = Version
	f.Length = uint16(len(payload))
	start := len(dst)
	var hdr [HeaderLen]byte
	putHeader(hdr[:], f)
	dst = append(dst, hdr[:]...)
	dst = append(dst, payload...)
	f.CRC = crc32.ChecksumIEEE(dst[start:])
	dst = binary.BigEndian.AppendUint32(dst, f.CRC)
	return dst, nil
}

// Len returns the encoded length of a frame with an n-byte payload.
func Len(n int) int { return n + Overhead }

// decodeFrame is the gopacket decoder: the Frame layer is added even when
// the CRC fails so the header stays visible next to the error layer.
func decodeFrame(data []byte, p gopacket.PacketBuilder) error {
	f := &Frame{}
	err := f.DecodeFromBytes(data, p)
	var ce *CRCError
	if err != nil && !errors.As(err, &ce) {
		return err
	}
	p.AddLayer(f)
	if err != nil {
		return err
	}
	return p.NextDecoder(gopacket.LayerTypePayload)
}
