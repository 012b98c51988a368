#include "textflag.h"

// func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)
TEXT ·cpuid(SB), NOSPLIT, $0-24
	MOVL eaxArg+0(FP), AX
	MOVL ecxArg+4(FP), CX
	CPUID
	MOVL AX, eax+8(FP)
	MOVL BX, ebx+12(FP)
	MOVL CX, ecx+16(FP)
	MOVL DX, edx+20(FP)
	RET

// func xgetbv() (eax, edx uint32)
TEXT ·xgetbv(SB), NOSPLIT, $0-8
	MOVL $0, CX
	XGETBV
	MOVL AX, eax+0(FP)
	MOVL DX, edx+4(FP)
	RET

// func extrinsicMinAVX2(x, r *float32, k1, k2, sgn, psgn *uint32, n int, k uint32)
// Eight lanes of extrinsicMinGo (k > 0) per step; n is a positive multiple of 8.
TEXT ·extrinsicMinAVX2(SB), NOSPLIT, $0-60
	MOVQ x+0(FP), DI
	MOVQ r+8(FP), SI
	MOVQ k1+16(FP), R8
	MOVQ k2+24(FP), R9
	MOVQ sgn+32(FP), R10
	MOVQ psgn+40(FP), R11
	MOVQ n+48(FP), CX
	MOVL k+56(FP), AX
	VMOVD AX, X15
	VPBROADCASTD X15, Y15      // edge index k
	MOVL $0x7fffffe0, AX
	VMOVD AX, X14
	VPBROADCASTD X14, Y14      // ^(signBit|keyMask)
	XORQ DX, DX
emloop:
	VMOVUPS (DI)(DX*1), Y5     // posterior
	VPXOR (R11)(DX*1), Y5, Y6  // psgn ^= bits(posterior)
	VMOVDQU Y6, (R11)(DX*1)
	VSUBPS (SI)(DX*1), Y5, Y0  // t = x - r
	VMOVUPS Y0, (DI)(DX*1)
	VPXOR (R10)(DX*1), Y0, Y1  // sgn ^= bits(t)
	VMOVDQU Y1, (R10)(DX*1)
	VPAND Y14, Y0, Y0
	VPOR Y15, Y0, Y0           // key
	VMOVDQU (R8)(DX*1), Y2     // old k1
	VPMINUD Y0, Y2, Y3
	VPMAXUD Y0, Y2, Y4
	VMOVDQU Y3, (R8)(DX*1)     // k1 = min(old, key)
	VPMINUD (R9)(DX*1), Y4, Y4
	VMOVDQU Y4, (R9)(DX*1)     // k2 = min(k2, max(old, key))
	ADDQ $32, DX
	SUBQ $8, CX
	JGT emloop
	VZEROUPPER
	RET

// func extrinsicMinFirstAVX2(x, r *float32, k1, k2, sgn, psgn *uint32, n int)
// Eight lanes of extrinsicMinGo for edge 0 (initialises the lane state).
TEXT ·extrinsicMinFirstAVX2(SB), NOSPLIT, $0-56
	MOVQ x+0(FP), DI
	MOVQ r+8(FP), SI
	MOVQ k1+16(FP), R8
	MOVQ k2+24(FP), R9
	MOVQ sgn+32(FP), R10
	MOVQ psgn+40(FP), R11
	MOVQ n+48(FP), CX
	MOVL $0x7fffffe0, AX
	VMOVD AX, X14
	VPBROADCASTD X14, Y14      // ^(signBit|keyMask)
	VPCMPEQD Y13, Y13, Y13     // all ones = MaxUint32
	XORQ DX, DX
efloop:
	VMOVUPS (DI)(DX*1), Y5     // posterior
	VMOVDQU Y5, (R11)(DX*1)    // psgn = bits(posterior)
	VSUBPS (SI)(DX*1), Y5, Y0  // t = x - r
	VMOVUPS Y0, (DI)(DX*1)
	VMOVDQU Y0, (R10)(DX*1)    // sgn = bits(t)
	VPAND Y14, Y0, Y0
	VMOVDQU Y0, (R8)(DX*1)     // k1 = key (edge 0)
	VMOVDQU Y13, (R9)(DX*1)    // k2 = MaxUint32
	ADDQ $32, DX
	SUBQ $8, CX
	JGT efloop
	VZEROUPPER
	RET

// func minMagsAVX2(m1, m2 *float32, k1, k2, psgn *uint32, n int, scale, offset float32) uint32
// Eight lanes of minMagsGo per step; n is a positive multiple of 8.
TEXT ·minMagsAVX2(SB), NOSPLIT, $0-60
	MOVQ m1+0(FP), DI
	MOVQ m2+8(FP), SI
	MOVQ k1+16(FP), R8
	MOVQ k2+24(FP), R9
	MOVQ psgn+32(FP), R10
	MOVQ n+40(FP), CX
	VBROADCASTSS scale+48(FP), Y15
	VBROADCASTSS offset+52(FP), Y14
	MOVL $0xffffffe0, AX
	VMOVD AX, X13
	VPBROADCASTD X13, Y13      // ^keyMask
	VPXOR Y12, Y12, Y12        // zero, then the OR of psgn
	VPXOR Y11, Y11, Y11        // 0.0
	XORQ DX, DX
mmloop:
	VPAND (R8)(DX*1), Y13, Y0
	VMULPS Y15, Y0, Y0
	VSUBPS Y14, Y0, Y0
	VMAXPS Y11, Y0, Y0
	VMOVUPS Y0, (DI)(DX*1)
	VPAND (R9)(DX*1), Y13, Y1
	VMULPS Y15, Y1, Y1
	VSUBPS Y14, Y1, Y1
	VMAXPS Y11, Y1, Y1
	VMOVUPS Y1, (SI)(DX*1)
	VPOR (R10)(DX*1), Y12, Y12
	ADDQ $32, DX
	SUBQ $8, CX
	JGT mmloop
	VEXTRACTI128 $1, Y12, X0
	VPOR X0, X12, X12
	VPSHUFD $0x4e, X12, X0
	VPOR X0, X12, X12
	VPSHUFD $0xb1, X12, X0
	VPOR X0, X12, X12
	VMOVD X12, AX
	MOVL AX, ret+56(FP)
	VZEROUPPER
	RET

// func updateMinAVX2(x, r, m1, m2 *float32, k1, sgn *uint32, n int, k uint32)
// Eight lanes of updateMinGo per step; n is a positive multiple of 8.
TEXT ·updateMinAVX2(SB), NOSPLIT, $0-60
	MOVQ x+0(FP), DI
	MOVQ r+8(FP), SI
	MOVQ m1+16(FP), R8
	MOVQ m2+24(FP), R9
	MOVQ k1+32(FP), R10
	MOVQ sgn+40(FP), R11
	MOVQ n+48(FP), CX
	MOVL k+56(FP), AX
	VMOVD AX, X15
	VPBROADCASTD X15, Y15      // edge index k
	MOVL $31, AX
	VMOVD AX, X14
	VPBROADCASTD X14, Y14      // keyMask
	MOVL $0x80000000, AX
	VMOVD AX, X13
	VPBROADCASTD X13, Y13      // signBit
	VPXOR Y12, Y12, Y12        // zero
	XORQ DX, DX
umloop:
	VMOVDQU (R10)(DX*1), Y0
	VPXOR Y15, Y0, Y0
	VPAND Y14, Y0, Y0
	VPCMPEQD Y12, Y0, Y0       // mask: edge k holds the lane minimum
	VPANDN (R8)(DX*1), Y0, Y4  // m1 &^ mask
	VPAND (R9)(DX*1), Y0, Y5   // m2 & mask
	VPOR Y4, Y5, Y5            // magnitude
	VMOVUPS (DI)(DX*1), Y6     // t
	VPXOR (R11)(DX*1), Y6, Y7
	VPAND Y13, Y7, Y7          // sign of the message
	VPOR Y7, Y5, Y5            // v
	VMOVUPS Y5, (SI)(DX*1)     // r = v
	VADDPS Y5, Y6, Y6
	VMOVUPS Y6, (DI)(DX*1)     // x = t + v
	ADDQ $32, DX
	SUBQ $8, CX
	JGT umloop
	VZEROUPPER
	RET

// func xorBitsAVX2(dst *uint32, src *float32, n int)
// dst[i] ^= bits(src[i]); n is a positive multiple of 8.
TEXT ·xorBitsAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	XORQ DX, DX
xbloop:
	VMOVDQU (DI)(DX*1), Y0
	VPXOR (SI)(DX*1), Y0, Y0
	VMOVDQU Y0, (DI)(DX*1)
	ADDQ $32, DX
	SUBQ $8, CX
	JGT xbloop
	VZEROUPPER
	RET

// Fixed-point kernels (layerq.go): sixteen int16 lanes per step; n is a
// positive multiple of 16.

// func initLanesQAVX2(k1, k2, sgn, psgn *uint16, n int)
TEXT ·initLanesQAVX2(SB), NOSPLIT, $0-40
	MOVQ k1+0(FP), DI
	MOVQ k2+8(FP), SI
	MOVQ sgn+16(FP), R8
	MOVQ psgn+24(FP), R9
	MOVQ n+32(FP), CX
	VPCMPEQW Y0, Y0, Y0        // MaxUint16
	VPXOR Y1, Y1, Y1
	XORQ DX, DX
iqloop:
	VMOVDQU Y0, (DI)(DX*1)
	VMOVDQU Y0, (SI)(DX*1)
	VMOVDQU Y1, (R8)(DX*1)
	VMOVDQU Y1, (R9)(DX*1)
	ADDQ $32, DX
	SUBQ $16, CX
	JGT iqloop
	VZEROUPPER
	RET

// func minMagsQAVX2(m1, m2 *int16, k1, k2, psgn *uint16, n int, mul, off uint16) uint16
TEXT ·minMagsQAVX2(SB), NOSPLIT, $0-58
	MOVQ m1+0(FP), DI
	MOVQ m2+8(FP), SI
	MOVQ k1+16(FP), R8
	MOVQ k2+24(FP), R9
	MOVQ psgn+32(FP), R10
	MOVQ n+40(FP), CX
	MOVWLZX mul+48(FP), AX
	MOVWLZX off+50(FP), BX
	VMOVD BX, X14
	VPBROADCASTW X14, Y14      // offset
	VPXOR Y12, Y12, Y12        // OR of psgn
	XORQ DX, DX
	TESTL AX, AX
	JZ mqnomul
	VMOVD AX, X15
	VPBROADCASTW X15, Y15      // multiplier (Q16)
mqloop:
	VMOVDQU (R8)(DX*1), Y0
	VPSRLW $5, Y0, Y0
	VPMULHUW Y15, Y0, Y0
	VPSUBUSW Y14, Y0, Y0
	VMOVDQU Y0, (DI)(DX*1)
	VMOVDQU (R9)(DX*1), Y1
	VPSRLW $5, Y1, Y1
	VPMULHUW Y15, Y1, Y1
	VPSUBUSW Y14, Y1, Y1
	VMOVDQU Y1, (SI)(DX*1)
	VPOR (R10)(DX*1), Y12, Y12
	ADDQ $32, DX
	SUBQ $16, CX
	JGT mqloop
	JMP mqdone
mqnomul:
	VMOVDQU (R8)(DX*1), Y0
	VPSRLW $5, Y0, Y0
	VPSUBUSW Y14, Y0, Y0
	VMOVDQU Y0, (DI)(DX*1)
	VMOVDQU (R9)(DX*1), Y1
	VPSRLW $5, Y1, Y1
	VPSUBUSW Y14, Y1, Y1
	VMOVDQU Y1, (SI)(DX*1)
	VPOR (R10)(DX*1), Y12, Y12
	ADDQ $32, DX
	SUBQ $16, CX
	JGT mqnomul
mqdone:
	VEXTRACTI128 $1, Y12, X0
	VPOR X0, X12, X12
	VPSHUFD $0x4e, X12, X0
	VPOR X0, X12, X12
	VPSHUFD $0xb1, X12, X0
	VPOR X0, X12, X12
	VPSRLD $16, X12, X0
	VPOR X0, X12, X12
	VMOVD X12, AX
	MOVW AX, ret+56(FP)
	VZEROUPPER
	RET

// func xorBitsQAVX2(dst *uint16, src *int16, n int)
// dst[i] ^= src[i]; n is a positive multiple of 16.
TEXT ·xorBitsQAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	XORQ DX, DX
xqloop:
	VMOVDQU (DI)(DX*1), Y0
	VPXOR (SI)(DX*1), Y0, Y0
	VMOVDQU Y0, (DI)(DX*1)
	ADDQ $32, DX
	SUBQ $16, CX
	JGT xqloop
	VZEROUPPER
	RET

// Row kernels: the per-edge fixed-point kernels above, looped over the deg
// edges of a base-graph row in one call. zpb = 2·zp is the lane-vector
// size in bytes; offs[k] is edge k's start in l, in lanes.

// func extrinsicRowQAVX2(x, l, r *int16, k1, k2, sgn, psgn *uint16, zpb int, offs *int32, deg int)
TEXT ·extrinsicRowQAVX2(SB), NOSPLIT, $0-80
	MOVQ x+0(FP), DI
	MOVQ l+8(FP), R12
	MOVQ r+16(FP), SI
	MOVQ k1+24(FP), R8
	MOVQ k2+32(FP), R9
	MOVQ sgn+40(FP), R10
	MOVQ psgn+48(FP), R11
	MOVQ zpb+56(FP), R13
	MOVQ offs+64(FP), R14
	MOVL $2047, AX
	VMOVD AX, X14
	VPBROADCASTW X14, Y14      // qMaxMag
	XORQ BX, BX                // edge index k
erqedge:
	MOVLQSX (R14)(BX*4), AX
	LEAQ (R12)(AX*2), AX       // posteriors of edge k
	VMOVD BX, X15
	VPBROADCASTW X15, Y15
	XORQ DX, DX
erqloop:
	VMOVDQU (AX)(DX*1), Y5     // posterior
	VPXOR (R11)(DX*1), Y5, Y6
	VMOVDQU Y6, (R11)(DX*1)    // psgn ^= posterior
	VPSUBSW (SI)(DX*1), Y5, Y0 // t = sat(posterior - r)
	VMOVDQU Y0, (DI)(DX*1)     // x = t
	VPXOR (R10)(DX*1), Y0, Y1
	VMOVDQU Y1, (R10)(DX*1)    // sgn ^= t
	VPABSW Y0, Y0
	VPMINUW Y14, Y0, Y0
	VPSLLW $5, Y0, Y0
	VPOR Y15, Y0, Y0           // key
	VMOVDQU (R8)(DX*1), Y2
	VPMINUW Y0, Y2, Y3
	VPMAXUW Y0, Y2, Y4
	VMOVDQU Y3, (R8)(DX*1)
	VPMINUW (R9)(DX*1), Y4, Y4
	VMOVDQU Y4, (R9)(DX*1)
	ADDQ $32, DX
	CMPQ DX, R13
	JLT erqloop
	ADDQ R13, DI
	ADDQ R13, SI
	INCQ BX
	CMPQ BX, deg+72(FP)
	JLT erqedge
	VZEROUPPER
	RET

// func updateRowQAVX2(l *int16, zb int, x, r, m1, m2 *int16, k1, sgn *uint16, zpb int, offs *int32, deg int)
// zb = 2·Z: the byte distance between the three copies of a column.
TEXT ·updateRowQAVX2(SB), NOSPLIT, $0-88
	MOVQ l+0(FP), R12
	MOVQ zb+8(FP), R13
	MOVQ x+16(FP), DI
	MOVQ r+24(FP), SI
	MOVQ m1+32(FP), R8
	MOVQ m2+40(FP), R9
	MOVQ k1+48(FP), R10
	MOVQ sgn+56(FP), R11
	MOVQ offs+72(FP), R14
	MOVL $31, AX
	VMOVD AX, X14
	VPBROADCASTW X14, Y14      // keyMask
	VPXOR Y12, Y12, Y12        // zero
	XORQ BX, BX                // edge index k
urqedge:
	MOVLQSX (R14)(BX*4), AX
	LEAQ (R12)(AX*2), AX       // copy A of edge k's run
	VMOVD BX, X15
	VPBROADCASTW X15, Y15
	MOVQ zpb+64(FP), DX
	SUBQ $32, DX               // last chunk first
urqloop:
	VMOVDQU (R10)(DX*1), Y0
	VPXOR Y15, Y0, Y0
	VPAND Y14, Y0, Y0
	VPCMPEQW Y12, Y0, Y0       // mask: edge k holds the lane minimum
	VPANDN (R8)(DX*1), Y0, Y4  // m1 &^ mask
	VPAND (R9)(DX*1), Y0, Y5   // m2 & mask
	VPOR Y4, Y5, Y5            // magnitude
	VMOVDQU (DI)(DX*1), Y6     // t
	VPXOR (R11)(DX*1), Y6, Y7
	VPSRAW $15, Y7, Y7         // 0 or -1: sign of the message
	VPXOR Y7, Y5, Y5
	VPSUBW Y7, Y5, Y5          // v = ±magnitude
	VMOVDQU Y5, (SI)(DX*1)     // r = v
	VPADDSW Y5, Y6, Y6         // posterior = sat(t + v)
	LEAQ (AX)(DX*1), CX
	VMOVDQU Y6, (CX)
	VMOVDQU Y6, (CX)(R13*1)
	VMOVDQU Y6, (CX)(R13*2)
	SUBQ $32, DX
	JGE urqloop
	ADDQ zpb+64(FP), DI
	ADDQ zpb+64(FP), SI
	INCQ BX
	CMPQ BX, deg+80(FP)
	JLT urqedge
	VZEROUPPER
	RET
