package detect

// walk4asm is walk4 in assembly (walk4_amd64.s): the loop holds the four
// states, the four parts and the table in registers, with no bounds
// checks (Go's compiler keeps some of them on the stack), and records a
// stop without a branch per part (which part matched is as hard to
// predict as the stop itself).
//
//go:noescape
func walk4asm(trans *uint32, cls *[256]uint8, d0, d1, d2, d3 *byte, i, n int, ms uint32, st *[streams]uint32, ex *exitBuf) (next int)

// walk4 is walk4Go (see there), in assembly. The caller's DFA table
// holds every state plus class it can reach; the parts are checked here.
func walk4(trans []uint32, cls *[256]uint8, d *[streams][]byte, i, n int, ms uint32, st *[streams]uint32, ex *exitBuf) int {
	if i >= n {
		ex.n = [streams]uint64{}
		return i
	}
	_, _, _, _ = d[0][n-1], d[1][n-1], d[2][n-1], d[3][n-1]
	return walk4asm(&trans[0], cls, &d[0][0], &d[1][0], &d[2][0], &d[3][0], i, n, ms, st, ex)
}
