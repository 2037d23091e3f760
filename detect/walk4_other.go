//go:build !amd64

package detect

// walk4 is walk4Go where there is no assembly version.
func walk4(trans []uint32, cls *[256]uint8, d *[streams][]byte, i, n int, ms uint32, st *[streams]uint32, ex *exitBuf) int {
	return walk4Go(trans, cls, d, i, n, ms, st, ex)
}
