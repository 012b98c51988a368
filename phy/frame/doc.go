// Package frame owns the hesemcom link-layer frame: the over-the-air header
// (version, type, key id, sequence number, payload length), the payload and a
// CRC-32 trailer, as one registered gopacket layer, plus a pcap writer whose
// timestamps come from simulated sample time.
//
// Wire format (all fields big-endian, version 1):
//
//	offset  size  field
//	0       1     version (1)
//	1       1     type (Type)
//	2       2     key id: the HE key generation the payload was encrypted under
//	4       4     sequence number
//	8       2     payload length L in bytes
//	10      L     payload
//	10+L    4     CRC-32 (IEEE 802.3 polynomial, as hash/crc32.IEEE) over bytes [0, 10+L)
//
// The layer is registered as LayerTypeFrame (number 1147, inside the
// 1000–1999 range gopacket reserves for applications) and as the decoder of
// link type USER0 (147, LINKTYPE_USER0 of the tcpdump link-type registry),
// so gopacket.NewPacket(data, LinkType, ...) and pcapgo readers decode it.
// A frame whose CRC does not match still decodes to a Frame layer (with
// CRCOK false) followed by a gopacket error layer carrying a *CRCError, so
// corrupted frames are reported, never dropped silently.
//
// Imports: std, gopacket, gopacket/layers and gopacket/pcapgo (this package is
// the only gopacket importer of the project).
package frame
