package detect

import (
	"regexp/syntax"
	"strings"
)

// unbounded marks a regex whose match length has no useful bound.
const unbounded = -1

// maxMatchLen returns an upper bound on the length in bytes of any match of
// re, or unbounded. Patterns run in Latin-1 mode, so one character is one byte.
func maxMatchLen(re *syntax.Regexp) int {
	const limit = 1 << 16
	n := maxLen(re)
	if n > limit {
		return unbounded
	}
	return n
}

func maxLen(re *syntax.Regexp) int {
	const inf = 1 << 30
	switch re.Op {
	case syntax.OpLiteral:
		n := 0
		for _, r := range re.Rune {
			n += runeBytes(r)
		}
		return n
	case syntax.OpCharClass, syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return 1
	case syntax.OpCapture:
		return maxLen(re.Sub[0])
	case syntax.OpStar, syntax.OpPlus:
		return inf
	case syntax.OpQuest:
		return maxLen(re.Sub[0])
	case syntax.OpRepeat:
		if re.Max < 0 {
			return inf
		}
		m := maxLen(re.Sub[0])
		if m >= inf || m*re.Max >= inf {
			return inf
		}
		return m * re.Max
	case syntax.OpConcat:
		s := 0
		for _, sub := range re.Sub {
			s += maxLen(sub)
			if s >= inf {
				return inf
			}
		}
		return s
	case syntax.OpAlternate:
		m := 0
		for _, sub := range re.Sub {
			m = max(m, maxLen(sub))
		}
		return m
	default: // empty, anchors, word boundaries
		return 0
	}
}

func runeBytes(r rune) int {
	if r < 0x100 {
		return 1
	}
	return 4
}

// canMatchNewline reports whether some match of re may contain '\n'.
func canMatchNewline(re *syntax.Regexp) bool {
	switch re.Op {
	case syntax.OpLiteral:
		for _, r := range re.Rune {
			if r == '\n' {
				return true
			}
		}
		return false
	case syntax.OpCharClass:
		for i := 0; i+1 < len(re.Rune); i += 2 {
			if re.Rune[i] <= '\n' && '\n' <= re.Rune[i+1] {
				return true
			}
		}
		return false
	case syntax.OpAnyChar:
		return true
	}
	for _, sub := range re.Sub {
		if canMatchNewline(sub) {
			return true
		}
	}
	return false
}

// maxNewlines returns how many newlines a match of re can contain at most,
// or unbounded.
func maxNewlines(re *syntax.Regexp) int {
	const inf = 1 << 20
	var f func(re *syntax.Regexp) int
	f = func(re *syntax.Regexp) int {
		switch re.Op {
		case syntax.OpLiteral:
			n := 0
			for _, r := range re.Rune {
				if r == '\n' {
					n++
				}
			}
			return n
		case syntax.OpCharClass, syntax.OpAnyChar:
			if canMatchNewline(re) {
				return 1
			}
			return 0
		case syntax.OpAnyCharNotNL:
			return 0
		case syntax.OpCapture, syntax.OpQuest:
			return f(re.Sub[0])
		case syntax.OpStar, syntax.OpPlus:
			if f(re.Sub[0]) > 0 {
				return inf
			}
			return 0
		case syntax.OpRepeat:
			n := f(re.Sub[0])
			if n == 0 {
				return 0
			}
			if re.Max < 0 || n*re.Max >= inf {
				return inf
			}
			return n * re.Max
		case syntax.OpConcat:
			s := 0
			for _, sub := range re.Sub {
				s = min(inf, s+f(sub))
			}
			return s
		case syntax.OpAlternate:
			m := 0
			for _, sub := range re.Sub {
				m = max(m, f(sub))
			}
			return m
		}
		return 0
	}
	n := f(re)
	if n >= inf {
		return unbounded
	}
	return n
}

// leadBeforeKeyword returns how many bytes a match of re can hold before
// the keyword occurrence at its anchor (see guard.go: an element whose
// every string starts with a keyword, which every match holds), or
// unbounded when no such bound is known. Windows of such rules can start
// at the keyword instead of the line's start.
func leadBeforeKeyword(re *syntax.Regexp, keywords []string) int {
	kws := make([]string, len(keywords))
	for i, k := range keywords {
		kws[i] = strings.ToLower(k)
	}
	re = uncapture(re)
	branches := []*syntax.Regexp{re}
	if re.Op == syntax.OpAlternate {
		branches = re.Sub
	}
	lead := 0
	for _, br := range branches {
		items := flatten(br, nil)
		a, ok := findAnchor(items, kws)
		if !ok {
			return unbounded
		}
		l := 0
		for _, it := range items[:a.i] {
			if l += maxLen(it); l > 64 {
				return unbounded
			}
		}
		if a.inner {
			// The keyword lies inside the literal.
			l += len(a.lits[0])
		}
		lead = max(lead, l)
	}
	return lead
}
