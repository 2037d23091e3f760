#include "textflag.h"

// func walk4asm(trans *uint32, cls *[256]uint8, d0, d1, d2, d3 *byte, i, n int, ms uint32, st *[4]uint32, ex *exitBuf) (next int)
//
// Registers: R8 the table, R9 the classes, SI DI R10 R11 the four parts,
// CX the offset, R13 the first match state, BX DX R14 R15 the four
// states, AX and R12 scratch. The count of stops lives in the frame.
//
// exitBuf: at[k][j] at 256k+4j, st[k][j] at 1024+256k+4j, n[k] at 2048+8k.
TEXT ·walk4asm(SB), NOSPLIT, $8-96
	MOVQ trans+0(FP), R8
	MOVQ cls+8(FP), R9
	MOVQ d0+16(FP), SI
	MOVQ d1+24(FP), DI
	MOVQ d2+32(FP), R10
	MOVQ d3+40(FP), R11
	MOVQ i+48(FP), CX
	MOVL ms+64(FP), R13
	MOVQ st+72(FP), AX
	MOVL 0(AX), BX
	MOVL 4(AX), DX
	MOVL 8(AX), R14
	MOVL 12(AX), R15
	MOVQ ex+80(FP), AX
	MOVQ $0, 2048(AX)
	MOVQ $0, 2056(AX)
	MOVQ $0, 2064(AX)
	MOVQ $0, 2072(AX)
	MOVQ $0, stops-8(SP)

loop:
	CMPQ CX, n+56(FP)
	JGE  done
	MOVBLZX (SI)(CX*1), AX
	MOVBLZX (R9)(AX*1), AX
	ADDL    BX, AX
	MOVL    (R8)(AX*4), BX
	MOVBLZX (DI)(CX*1), AX
	MOVBLZX (R9)(AX*1), AX
	ADDL    DX, AX
	MOVL    (R8)(AX*4), DX
	MOVBLZX (R10)(CX*1), AX
	MOVBLZX (R9)(AX*1), AX
	ADDL    R14, AX
	MOVL    (R8)(AX*4), R14
	MOVBLZX (R11)(CX*1), AX
	MOVBLZX (R9)(AX*1), AX
	ADDL    R15, AX
	MOVL    (R8)(AX*4), R15
	INCQ    CX
	CMPL    BX, R13
	JAE     stop
	CMPL    DX, R13
	JAE     stop
	CMPL    R14, R13
	JAE     stop
	CMPL    R15, R13
	JAE     stop
	JMP     loop

stop:
	// Each part writes a record at its count and counts it only if it is
	// in a match state: SBB $-1 adds 1 unless the compare borrowed.
	MOVQ ex+80(FP), AX
	MOVQ 2048(AX), R12
	MOVL CX, 0(AX)(R12*4)
	MOVL BX, 1024(AX)(R12*4)
	CMPL BX, R13
	SBBQ $-1, R12
	MOVQ R12, 2048(AX)
	MOVQ 2056(AX), R12
	MOVL CX, 256(AX)(R12*4)
	MOVL DX, 1280(AX)(R12*4)
	CMPL DX, R13
	SBBQ $-1, R12
	MOVQ R12, 2056(AX)
	MOVQ 2064(AX), R12
	MOVL CX, 512(AX)(R12*4)
	MOVL R14, 1536(AX)(R12*4)
	CMPL R14, R13
	SBBQ $-1, R12
	MOVQ R12, 2064(AX)
	MOVQ 2072(AX), R12
	MOVL CX, 768(AX)(R12*4)
	MOVL R15, 1792(AX)(R12*4)
	CMPL R15, R13
	SBBQ $-1, R12
	MOVQ R12, 2072(AX)
	MOVQ stops-8(SP), R12
	INCQ R12
	MOVQ R12, stops-8(SP)
	CMPQ R12, $64
	JLT  loop

done:
	MOVQ st+72(FP), AX
	MOVL BX, 0(AX)
	MOVL DX, 4(AX)
	MOVL R14, 8(AX)
	MOVL R15, 12(AX)
	MOVQ CX, next+88(FP)
	RET
