package gitscan

import "errors"

var errBadDelta = errors.New("invalid delta")

// applyDelta applies a git delta to base, writing the result into dst's
// storage (grown as needed) and returning it. It is go-git's PatchDelta
// without an allocation per object.
func applyDelta(dst, base, delta []byte) ([]byte, error) {
	srcSize, delta, ok := uvarint(delta)
	if !ok || srcSize != uint64(len(base)) {
		return nil, errBadDelta
	}
	dstSize, delta, ok := uvarint(delta)
	if !ok || dstSize > 1<<34 {
		return nil, errBadDelta
	}
	if uint64(cap(dst)) < dstSize {
		dst = make([]byte, 0, dstSize)
	}
	dst = dst[:0]
	for len(delta) > 0 {
		cmd := delta[0]
		delta = delta[1:]
		switch {
		case cmd&0x80 != 0:
			var off, size uint64
			if off, size, delta, ok = copyOp(cmd, delta); !ok {
				return nil, errBadDelta
			}
			if off+size > uint64(len(base)) || uint64(len(dst))+size > dstSize {
				return nil, errBadDelta
			}
			dst = append(dst, base[off:off+size]...)
		case cmd != 0:
			n := int(cmd)
			if n > len(delta) || uint64(len(dst)+n) > dstSize {
				return nil, errBadDelta
			}
			dst = append(dst, delta[:n]...)
			delta = delta[n:]
		default:
			return nil, errBadDelta
		}
	}
	if uint64(len(dst)) != dstSize {
		return nil, errBadDelta
	}
	return dst, nil
}

// copyOp reads the offset and size of a delta's copy instruction cmd (high
// bit set) from the bytes that follow it, and returns what is left.
func copyOp(cmd byte, delta []byte) (off, size uint64, rest []byte, ok bool) {
	for i := uint(0); i < 4; i++ {
		if cmd&(1<<i) != 0 {
			if len(delta) == 0 {
				return 0, 0, delta, false
			}
			off |= uint64(delta[0]) << (8 * i)
			delta = delta[1:]
		}
	}
	for i := uint(0); i < 3; i++ {
		if cmd&(0x10<<i) != 0 {
			if len(delta) == 0 {
				return 0, 0, delta, false
			}
			size |= uint64(delta[0]) << (8 * i)
			delta = delta[1:]
		}
	}
	if size == 0 {
		size = 0x10000
	}
	return off, size, delta, true
}

// uvarint reads a little-endian base-128 number.
func uvarint(b []byte) (uint64, []byte, bool) {
	var v uint64
	for i := 0; i < len(b) && i < 10; i++ {
		v |= uint64(b[i]&0x7f) << (7 * uint(i))
		if b[i]&0x80 == 0 {
			return v, b[i+1:], true
		}
	}
	return 0, b, false
}
