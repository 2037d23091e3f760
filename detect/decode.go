package detect

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"math/bits"
	"net/url"
)

// Encodings the engine decodes.
const (
	EncBase64  = "base64"
	EncHex     = "hex"
	EncPercent = "percent"
)

const (
	minBase64Run = 16
	minHexRun    = 32
)

// byte classes for segment scanning
const (
	clsB64 = 1 << iota
	clsHex
)

var classTab = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		b := byte(c)
		if b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '+' || b == '/' || b == '-' || b == '_' {
			t[c] |= clsB64
		}
		if b >= '0' && b <= '9' || b >= 'a' && b <= 'f' || b >= 'A' && b <= 'F' {
			t[c] |= clsHex
		}
	}
	return
}()

// segment is an encoded run in a chunk.
type segment struct {
	start, end int
	enc        string
}

// findSegments returns candidate encoded runs in data: base64 and hex runs
// in order, then percent-encoded runs.
func findSegments(data []byte) []segment {
	return percentSegments(data, base64Segments(data, 0, len(data), nil))
}

// findSegmentsNear returns the segments of findSegments(data) that may
// overlap ranges (sorted), searching for base64 and hex runs only around
// them: each range is widened over the base64 characters and padding that
// touch it, so a run that crosses its edge is found whole, and the search
// starts after a byte that no run holds, as a search from the start of data
// would be there. Percent runs are searched in all of data (a '%' is rare
// and found fast).
func findSegmentsNear(data []byte, ranges []Range) []segment {
	for i := 1; i < len(ranges); i++ {
		if ranges[i].Start < ranges[i-1].End {
			return findSegments(data) // not sorted and apart
		}
	}
	var segs []segment
	inRun := func(c byte) bool { return classTab[c]&clsB64 != 0 || c == '=' }
	end := 0
	for _, r := range ranges {
		a, b := max(r.Start, end), min(r.End, len(data))
		if a > b || a > len(data) {
			continue // (an empty range still overlaps what holds it)
		}
		for a > end && inRun(data[a-1]) {
			a--
		}
		for b < len(data) && inRun(data[b]) {
			b++
		}
		segs = base64Segments(data, a, b, segs)
		end = b
	}
	return percentSegments(data, segs)
}

// base64Segments appends the base64 and hex runs of data[from:to] to segs,
// searching as if data started at from and ended at to. It is on the hot
// path, so it reads eight bytes at a time: a run of at least minBase64Run
// (16) characters holds a whole word of the grid of 8-byte words that
// starts where the search does, so it is enough to test those words (see
// b64Mask). Where one holds only base64 characters, the words on either
// side tell how far its run reaches; most such runs (identifiers) are
// shorter than minBase64Run and need no byte-by-byte look.
func base64Segments(data []byte, from, to int, segs []segment) []segment {
	const (
		ones = 0x0101010101010101
		high = 0x8080808080808080
	)
	for i := from; i+minBase64Run <= to; {
		p := i
		for ; p+8 <= to; p += 8 {
			// Most words hold a space, a newline, a quote or a
			// parenthesis: a byte below '+', the lowest base64
			// character, which this finds in three operations.
			if x := binary.LittleEndian.Uint64(data[p:]); (x-'+'*ones)&^x&high != 0 {
				continue
			}
			if b64Mask(data, p) == high {
				break
			}
		}
		if p+8 > to {
			break // no word left: no run of minBase64Run left either
		}
		// The run holds data[p:p+8]: back is how many base64 characters
		// end the word before, fwd how many start the word after.
		back := 0
		if p > i {
			back = bits.LeadingZeros64(^b64Mask(data, p-8)&high) / 8
		}
		fwd := 0
		if p+16 <= to {
			fwd = bits.TrailingZeros64(^b64Mask(data, p+8)&high) / 8
		} else {
			for p+8+fwd < to && classTab[data[p+8+fwd]]&clsB64 != 0 {
				fwd++
			}
		}
		if back+8+fwd < minBase64Run {
			i = p + 8 + fwd // a short run: the next starts after it
			continue
		}
		st := p - back // (back < 8: the word before is not all base64)
		e := p + 8 + fwd
		if fwd == 8 {
			for e+8 <= to && b64Mask(data, e) == high {
				e += 8
			}
			for e < to && classTab[data[e]]&clsB64 != 0 {
				e++
			}
		}
		// '=' is padding only at the end of a run (so KEY=dG9r... yields
		// the value, not "KEY=dG9r...").
		for pad := 0; pad < 2 && e < to && data[e] == '='; pad++ {
			e++
		}
		segs = appendRun(segs, data, st, e)
		i = e // the next run starts after the padding
	}
	return segs
}

// b64Mask tests the 8 bytes at data[p:] together in a uint64: it returns
// the high bit of each byte that is a base64 character ([A-Za-z0-9+/_-]).
// The tests run on the low 7 bits, so that no sum carries into the next
// byte; bytes outside ASCII are then cleared.
func b64Mask(data []byte, p int) uint64 {
	const (
		ones = 0x0101010101010101
		high = 0x8080808080808080
	)
	x := binary.LittleEndian.Uint64(data[p:])
	y := x &^ high
	l := y | 0x20*ones                                   // upper to lower case (and 0x40-0x5f to 0x60-0x7f)
	ok := (l + (0x80-'a')*ones) &^ (l + (0x7f-'z')*ones) // a-z
	// '+', '-', '/' and 0-9: 0x2b-0x39 but for ',' and '.', which are
	// even and below '0'.
	ok |= (y + (0x80-'+')*ones) &^ (y + (0x7f-'9')*ones) & (y<<7 | (y + (0x80-'0')*ones))
	// y^'_' has a zero byte where y has '_'; adding 0x7f sets the high
	// bit of every other byte.
	ok |= ^(y ^ '_'*ones + 0x7f*ones)
	return ok &^ x & high
}

// appendRun appends the run data[st:e] (base64 characters and padding) as
// a hex or base64 segment, if it is plausible: most runs are identifiers,
// paths or hashes, so only those whose first bytes decode to text are kept.
func appendRun(segs []segment, data []byte, st, e int) []segment {
	enc := EncBase64
	if l := e - st; l >= minHexRun && l%2 == 0 && allHex(data[st:e]) {
		enc = EncHex
	}
	if plausible(data[st:e], enc) {
		segs = append(segs, segment{st, e, enc})
	}
	return segs
}

// percentSegments appends the percent-encoded runs of data to segs.
func percentSegments(data []byte, segs []segment) []segment {
	n := len(data)
	// Percent-encoded runs: '%' is rare, so find it with IndexByte.
	for i := 0; i < n; {
		j := bytes.IndexByte(data[i:], '%')
		if j < 0 {
			break
		}
		i += j
		if s, e, ok := percentRun(data, i); ok {
			segs = append(segs, segment{s, e, EncPercent})
			i = e
			continue
		}
		i++
	}
	return segs
}

// plausible decodes the head of a run and says whether it looks like text.
func plausible(raw []byte, enc string) bool {
	if enc == EncHex {
		// Printable text has hex pairs starting with 2-7 (or 0 for
		// tab/newline): reject hashes after a few pairs.
		for k := 0; k+1 < len(raw) && k < 16; k += 2 {
			if c := raw[k]; c < '2' && c != '0' || c > '7' {
				return false
			}
		}
		return true
	}
	var buf [12]byte
	head := raw[:16]
	for i := 0; i < 16; i += 4 {
		n, ok := decodeQuad(head[i:i+4], buf[i/4*3:])
		if !ok || n != 3 {
			return false
		}
	}
	return printable(buf[:])
}

// b64val maps both base64 alphabets to 6-bit values (0xff: not base64).
var b64val = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for i, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789" {
		t[c] = byte(i)
	}
	t['+'], t['-'] = 62, 62
	t['/'], t['_'] = 63, 63
	return
}()

// decodeQuad decodes four base64 characters into three bytes.
func decodeQuad(q []byte, out []byte) (int, bool) {
	a, b, c, d := b64val[q[0]], b64val[q[1]], b64val[q[2]], b64val[q[3]]
	if a|b|c|d == 0xff || a > 63 || b > 63 || c > 63 || d > 63 {
		return 0, false
	}
	out[0] = a<<2 | b>>4
	out[1] = b<<4 | c>>2
	out[2] = c<<6 | d
	return 3, true
}

func allHex(b []byte) bool {
	for _, c := range b {
		if classTab[c]&clsHex == 0 {
			return false
		}
	}
	return true
}

func isHexByte(c byte) bool { return classTab[c]&clsHex != 0 }

// percentRun finds the run of URL characters around a %XX escape at i.
func percentRun(data []byte, i int) (int, int, bool) {
	if i+2 >= len(data) || !isHexByte(data[i+1]) || !isHexByte(data[i+2]) {
		return 0, 0, false
	}
	stop := func(c byte) bool {
		return c <= ' ' || c == '"' || c == '\'' || c == '<' || c == '>' || c == '`' || c >= 0x7f
	}
	s := i
	for s > 0 && !stop(data[s-1]) && i-s < 4096 {
		s--
	}
	e := i
	for e < len(data) && !stop(data[e]) && e-i < 4096 {
		e++
	}
	return s, e, e-s >= 8
}

// decodeSegment decodes one segment; ok is false when the result does not
// look like text worth scanning.
func decodeSegment(data []byte, sg segment) ([]byte, bool) {
	raw := data[sg.start:sg.end]
	var out []byte
	var err error
	switch sg.enc {
	case EncHex:
		out = make([]byte, len(raw)/2)
		_, err = hex.Decode(out, raw)
	case EncPercent:
		var s string
		s, err = url.PathUnescape(string(raw))
		out = []byte(s)
		if err == nil && s == string(raw) {
			return nil, false
		}
	case EncBase64:
		out, err = decodeBase64(raw)
	}
	if err != nil || len(out) < 8 || !printable(out) {
		return nil, false
	}
	return out, true
}

func decodeBase64(raw []byte) ([]byte, error) {
	// Trim padding and a length that cannot be base64.
	for len(raw) > 0 && raw[len(raw)-1] == '=' {
		raw = raw[:len(raw)-1]
	}
	if len(raw)%4 == 1 {
		raw = raw[:len(raw)-1]
	}
	s := string(raw)
	if out, err := base64.RawStdEncoding.DecodeString(s); err == nil {
		return out, nil
	}
	return base64.RawURLEncoding.DecodeString(s)
}

// printable reports whether b is (almost) all printable ASCII.
func printable(b []byte) bool {
	bad := 0
	for _, c := range b {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' || c >= 0x7f {
			bad++
		}
	}
	return bad*10 <= len(b)
}

// decodeAndScan decodes encoded segments of data and scans what they decode
// to. Findings are placed at the encoded segment.
func (e *Engine) decodeAndScan(ctx context.Context, data []byte, loc Location, ci chunkInfo, depth int, plain []Finding) ([]Finding, error) {
	var segs []segment
	if ci.changed != nil {
		segs = findSegmentsNear(data, ci.changed)
	} else {
		segs = findSegments(data)
	}
	if len(segs) == 0 {
		return nil, nil
	}
	var out []Finding
	var lc lineCounter
	lcReady := false
	for _, sg := range segs {
		abs := ci.base + int64(sg.start)
		if abs < ci.ownFrom || abs >= ci.ownTo {
			continue
		}
		if ci.changed != nil && !Overlaps(ci.changed, sg.start, sg.end) {
			continue
		}
		if *ci.decodeCap <= 0 {
			break
		}
		dec, ok := decodeSegment(data, sg)
		if !ok {
			continue
		}
		*ci.decodeCap -= len(dec)
		s := e.pool.Get().(*scratch)
		inner, err := e.find(ctx, s, dec, loc, chunkInfo{ownTo: int64(len(dec)), decodeCap: ci.decodeCap}, depth+1)
		e.pool.Put(s)
		if err != nil {
			return nil, err
		}
		if len(inner) == 0 {
			continue
		}
		if !lcReady {
			lc = newChunkCounter(data, ci.lineBase, ci.colBase)
			lcReady = true
		}
		ls, le := lineBounds(data, sg.start, sg.end)
		sl, sc := lc.position(sg.start)
		el, ec := lc.position(sg.end)
		for _, f := range inner {
			if alreadyFound(plain, f, abs, ci.base+int64(sg.end)) {
				continue
			}
			if !e.opts.IgnoreInline && inlineAllowed(data, max(ls, sg.start-markerReach), min(le, sg.end+markerReach), f.RuleID) {
				continue
			}
			f.StartLine, f.StartColumn, f.EndLine, f.EndColumn = sl, sc, el, ec
			f.StartOffset, f.EndOffset = abs, ci.base+int64(sg.end)
			f.Decoded = append([]string{sg.enc}, f.Decoded...)
			f.Line = shortLine(data[ls:le], sg.start-ls, sg.end-ls)
			out = append(out, f)
		}
	}
	return out, nil
}

// alreadyFound reports whether a plain finding already stands for decoded
// finding f found in the encoded span [start, end): the same secret by the
// same rule anywhere in the input, or a finding of the same rule on that
// span (a percent-encoded password inside a connection string is reported
// once, as written).
func alreadyFound(plain []Finding, f Finding, start, end int64) bool {
	for i := range plain {
		p := &plain[i]
		if p.Fingerprint == f.Fingerprint || p.RuleID == f.RuleID && p.StartOffset < end && start < p.EndOffset {
			return true
		}
	}
	return false
}
