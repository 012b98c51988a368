// Package nia implements the 5G NR integrity algorithms 128-NIA0 (null),
// 128-NIA1 (SNOW 3G), 128-NIA2 (AES-128-CMAC) and 128-NIA3 (ZUC-128) of 3GPP
// TS 33.501 Annex D (identical to 128-EIA0..3 of TS 33.401 Annex B.2) as a
// hash.Hash producing the 32-bit MAC-I (Size 4).
//
// Messages are bit strings: Write appends whole bytes, WriteBits appends any
// number of bits (MSB-first) at any bit offset, so a MAC over a LENGTH that is
// not a multiple of 8 is WriteBits(msg, LENGTH) then Sum. The MAC is
// computed at Sum over the buffered message (all three algorithms need LENGTH
// before they can finish); the buffer is reused after Reset.
//
// It imports the standard library, app/internal/snow3g, app/internal/zuc and
// app/internal/cmac (DESIGN.md §2).
package nia
