// Package nea implements the 5G NR ciphering algorithms 128-NEA0 (null),
// 128-NEA1 (SNOW 3G), 128-NEA2 (AES-128-CTR) and 128-NEA3 (ZUC-128) of 3GPP
// TS 33.501 Annex D (identical to 128-EEA0..3 of TS 33.401 Annex B.1) as
// crypto/cipher.Stream values built from (KEY, COUNT, BEARER, DIRECTION).
//
// Messages are bit strings: bit 0 is the most significant bit of the first
// byte. XOR and XORBits handle a LENGTH that is not a multiple of 8 by
// clearing the unused low bits of the last output byte, as the 3GPP test data
// require; a plain XORKeyStream leaves keystream bits there.
//
// It also measures error propagation ("avalanche") through a cipher mode:
// plaintext bit errors per ciphertext bit error for NEA2 (CTR) and AES-CBC.
//
// It imports the standard library, app/internal/snow3g and app/internal/zuc
// (DESIGN.md §2). Keys never appear in JSON output (Config.Key is "-").
package nea
