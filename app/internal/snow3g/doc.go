// Package snow3g implements the SNOW 3G keystream generator, the primitive
// under 128-NEA1/128-NIA1 (ETSI/SAGE "Specification of the 3GPP
// Confidentiality and Integrity Algorithms UEA2 & UIA2, Document 2: SNOW 3G
// Specification", v1.1, 3GPP TS 35.216).
//
// It is word-oriented: the generator produces 32-bit keystream words z1, z2, …
// (Keystream) or the same words as big-endian bytes (KeystreamBytes). The
// mapping of the 3GPP inputs (key, COUNT, BEARER, DIRECTION) to the key and IV
// words belongs to app/nea and app/nia.
//
// It imports the standard library only (DESIGN.md §2, package table).
package snow3g
