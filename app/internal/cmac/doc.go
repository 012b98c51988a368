// Package cmac implements AES-CMAC (NIST SP 800-38B, RFC 4493) over bit
// strings of any length, as 128-NIA2 requires (3GPP TS 33.401 Annex B.2.3:
// the message is COUNT‖BEARER‖DIRECTION‖0^26‖MESSAGE and may end in the
// middle of a byte).
//
// It imports the standard library only (crypto/cipher).
package cmac
