package detect

import (
	"regexp/syntax"
	"strconv"
)

// widenMin is the smallest range m-n of a counted repetition {n,m} that
// widenRepeats widens.
//
// Go's regexp and RE2 both expand x{n,m} into n copies of x followed by
// m-n nested optional copies. Rules bound their tokens generously
// ([A-Za-z0-9_-]{20,2000} for a JWT segment) so that windows have a
// bounded reach, and the expansion made compiling the default rules cost
// 240 ms with Go's regexp and 800 ms with RE2; with the ranges of 64 and
// more widened it costs 30 and 140 ms.
const widenMin = 64

// widenRepeats returns pattern with every counted repetition {n,m} whose
// range m-n is at least widenMin written as {n,}, and exact, the length up
// to which a match of the widened pattern is also the original pattern's
// match at the same place with the same groups. exact is -1 when nothing
// was widened (every match is exact).
//
// Why a short match is exact: the widened pattern matches everything the
// original matches, so it finds a match wherever the original does, and
// not later. Both regex engines pick, at the leftmost position, the first
// successful path in the same priority order, and the original's paths are
// the widened pattern's paths that repeat no widened x more than m times.
// If the path found repeats each widened x at most m times, it is also the
// original's first successful path. A path repeats x at most k/w times,
// where w is the least number of bytes one x consumes (at least 1: x that
// can match empty is never widened) and k the bytes all repetitions of x
// consume, which is at most the match length less the least the rest of
// the pattern consumes. So a match no longer than m*w plus that least
// rest repeats x at most m times; exact is the smallest such bound. A
// longer match is run again with the original pattern (rule.findAll).
//
// parsed is pattern parsed with syntax.Perl. The rewrite is textual, so
// that the pattern keeps its exact spelling for RE2; if the text and the
// parse tree disagree on the repetitions to widen, nothing is widened.
func widenRepeats(pattern string, parsed *syntax.Regexp) (widened string, exact int) {
	var nodes []*syntax.Regexp
	var walk func(re *syntax.Regexp)
	walk = func(re *syntax.Regexp) {
		if re.Op == syntax.OpRepeat && re.Max >= 0 && re.Max-re.Min >= widenMin {
			nodes = append(nodes, re)
		}
		for _, s := range re.Sub {
			walk(s)
		}
	}
	walk(parsed)
	if len(nodes) == 0 {
		return pattern, -1
	}
	exact = -1
	for _, n := range nodes {
		w := minLenSkip(n.Sub[0], nil)
		if w == 0 {
			return pattern, -1
		}
		bound := n.Max*w + minLenSkip(parsed, n)
		if exact < 0 || bound < exact {
			exact = bound
		}
	}
	widened, k := widenText(pattern)
	if k != len(nodes) {
		return pattern, -1
	}
	return widened, exact
}

// widenText rewrites the counted repetitions {n,m} with m-n >= widenMin
// in the text of a pattern as {n,} and returns how many it rewrote. It
// skips escapes, \Q...\E and character classes.
func widenText(s string) (string, int) {
	out := make([]byte, 0, len(s))
	k := 0
	inClass := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && s[i+1] == 'Q':
			j := indexFrom(s, i+2, `\E`)
			if j < 0 {
				return string(append(out, s[i:]...)), k
			}
			out = append(out, s[i:j+2]...)
			i = j + 1
			continue
		case c == '\\':
			out = append(out, s[i:min(i+2, len(s))]...)
			i++
			continue
		case inClass:
			if c == '[' && i+1 < len(s) && s[i+1] == ':' {
				if j := indexFrom(s, i+2, ":]"); j >= 0 {
					out = append(out, s[i:j+2]...)
					i = j + 1
					continue
				}
			}
			if c == ']' {
				inClass = false
			}
		case c == '[':
			// A ']' right after '[' or '[^' is a literal.
			inClass = true
			j := i + 1
			if j < len(s) && s[j] == '^' {
				j++
			}
			if j < len(s) && s[j] == ']' {
				j++
			}
			out = append(out, s[i:j]...)
			i = j - 1
			continue
		case c == '{':
			if n, end, ok := countedRange(s, i); ok {
				out = append(out, '{')
				out = strconv.AppendInt(out, int64(n), 10)
				out = append(out, ',', '}')
				k++
				i = end
				continue
			}
		}
		out = append(out, c)
	}
	return string(out), k
}

// countedRange parses a repetition {n,m} at s[i] and reports n and the
// index of its '}' when m-n >= widenMin.
func countedRange(s string, i int) (n, end int, ok bool) {
	j := i + 1
	digits := func() (int, bool) {
		start := j
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j == start || j-start > 6 {
			return 0, false
		}
		v, _ := strconv.Atoi(s[start:j])
		return v, true
	}
	n, ok1 := digits()
	if !ok1 || j >= len(s) || s[j] != ',' {
		return 0, 0, false
	}
	j++
	m, ok2 := digits()
	if !ok2 || j >= len(s) || s[j] != '}' || m-n < widenMin {
		return 0, 0, false
	}
	return n, j, true
}

func indexFrom(s string, i int, sub string) int {
	for j := i; j+len(sub) <= len(s); j++ {
		if s[j:j+len(sub)] == sub {
			return j
		}
	}
	return -1
}

// minLenSkip returns the least number of bytes a match of re consumes,
// taking the subexpression skip (if not nil) to match empty. A character
// counts one byte, its least in UTF-8 and in Latin-1.
func minLenSkip(re, skip *syntax.Regexp) int {
	if re == skip {
		return 0
	}
	switch re.Op {
	case syntax.OpLiteral:
		return len(re.Rune)
	case syntax.OpCharClass, syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return 1
	case syntax.OpCapture, syntax.OpPlus:
		return minLenSkip(re.Sub[0], skip)
	case syntax.OpRepeat:
		return re.Min * minLenSkip(re.Sub[0], skip)
	case syntax.OpConcat:
		s := 0
		for _, sub := range re.Sub {
			s += minLenSkip(sub, skip)
		}
		return s
	case syntax.OpAlternate:
		m := -1
		for _, sub := range re.Sub {
			if l := minLenSkip(sub, skip); m < 0 || l < m {
				m = l
			}
		}
		return max(m, 0)
	default: // star, quest, empty, anchors, word boundaries, no match
		return 0
	}
}
