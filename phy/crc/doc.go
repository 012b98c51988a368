// Package crc implements the cyclic redundancy checks of 3GPP TS 38.212
// §5.1: CRC24A, CRC24B, CRC24C, CRC16, CRC11 and CRC6, with the generator
// polynomials of that section, as table-driven hash.Hash32 values.
//
// Conventions (§5.1): the register starts at zero, bits enter MSB-first with
// no reflection and no final XOR, and the parity bits p_0..p_{L−1} are the
// remainder, most significant first. Hence the CRC of a message followed by
// its own parity bits is zero — the check a receiver performs. (Uses such as
// the DCI CRC24C with 24 ones prepended, §7.3.2, belong to the caller.)
//
// Messages are bytes (Write, Checksum) or bit sequences of any length, one
// bit per byte (ChecksumBits, AppendBits), as the LDPC chain handles them.
//
// It imports the standard library only (DESIGN.md §2).
package crc
