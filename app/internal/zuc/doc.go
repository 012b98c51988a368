// Package zuc implements the ZUC-128 keystream generator, the primitive under
// 128-NEA3/128-NIA3 (ETSI/SAGE "Specification of the 3GPP Confidentiality and
// Integrity Algorithms 128-EEA3 & 128-EIA3, Document 2: ZUC Specification",
// v1.6, 3GPP TS 35.222).
//
// It is word-oriented: the generator produces 32-bit keystream words z1, z2, …
// (Keystream) or the same words as big-endian bytes (KeystreamBytes). The
// mapping of the 3GPP inputs (COUNT, BEARER, DIRECTION) to the 16-byte IV
// belongs to app/nea and app/nia.
//
// It imports the standard library only (DESIGN.md §2, package table).
package zuc
