package detect

// The DFA's lockstep walk of a chunk's four parts (see prefilter.find)
// stops only to record where one of them reaches a match state, in an
// exitBuf; the caller then turns the records into hits. Kept free of
// calls, the loop keeps its states in registers.

// exitCap is how many positions a walk stops at before it returns.
const exitCap = 64

// exitBuf holds what a lockstep walk found: part k reached match state
// st[k][j] just before offset at[k][j] (from the part's start), for j
// below n[k]. Each part's records are in order.
type exitBuf struct {
	at [streams][exitCap]uint32
	st [streams][exitCap]uint32
	n  [streams]uint64
}

// walkBlock bounds the bytes one walk call covers, so that a long chunk
// returns to Go code (where the scheduler can preempt) now and then.
const walkBlock = 64 << 10

// walk4Go is walk4 in Go: it steps the four parts d[k] from offset i to n
// (each holds at least n bytes) from states st, and records in ex the
// match states (>= ms) of each part, stopping at n or after exitCap
// offsets where some part was in one. It returns the offset reached.
func walk4Go(trans []uint32, cls *[256]uint8, d *[streams][]byte, i, n int, ms uint32, st *[streams]uint32, ex *exitBuf) int {
	d0 := d[0][:n]
	d1, d2, d3 := d[1][:len(d0)], d[2][:len(d0)], d[3][:len(d0)]
	s0, s1, s2, s3 := st[0], st[1], st[2], st[3]
	ex.n = [streams]uint64{}
	stops := 0
	for i < len(d0) {
		s0 = trans[s0+uint32(cls[d0[i]])]
		s1 = trans[s1+uint32(cls[d1[i]])]
		s2 = trans[s2+uint32(cls[d2[i]])]
		s3 = trans[s3+uint32(cls[d3[i]])]
		i++
		if s0 < ms && s1 < ms && s2 < ms && s3 < ms {
			continue
		}
		for k, sk := range [streams]uint32{s0, s1, s2, s3} {
			if sk >= ms {
				ex.at[k][ex.n[k]] = uint32(i)
				ex.st[k][ex.n[k]] = sk
				ex.n[k]++
			}
		}
		if stops++; stops == exitCap {
			break
		}
	}
	*st = [streams]uint32{s0, s1, s2, s3}
	return i
}
