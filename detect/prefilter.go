package detect

import (
	ac "github.com/petar-dambovaliev/aho-corasick"
)

// prefilter finds keyword occurrences with one case-insensitive
// Aho-Corasick pass (github.com/petar-dambovaliev/aho-corasick, a port of
// the Rust aho-corasick crate, chosen for its DFA, overlapping iteration
// and ASCII case folding without copying the input).
type prefilter struct {
	ac      *ac.AhoCorasick
	kwLen   []int
	kwRules [][]int
}

func newPrefilter(keywords []string, kwRules [][]int) *prefilter {
	p := &prefilter{kwRules: kwRules}
	if len(keywords) == 0 {
		return p
	}
	b := ac.NewAhoCorasickBuilder(ac.Opts{AsciiCaseInsensitive: true, MatchKind: ac.StandardMatch, DFA: true})
	m := b.Build(keywords)
	p.ac = &m
	for _, k := range keywords {
		p.kwLen = append(p.kwLen, len(k))
	}
	return p
}

// scan records, for every keyword occurrence in data, a window for each
// rule the keyword belongs to.
func (p *prefilter) scan(data []byte, e *Engine, s *scratch, path string) {
	if p.ac == nil || len(data) == 0 {
		return
	}
	it := p.ac.IterOverlappingByte(data)
	for m := it.Next(); m != nil; m = it.Next() {
		start, end := m.Start(), m.End()
		for _, ri := range p.kwRules[m.Pattern()] {
			r := e.rules[ri]
			if r.path != nil && !r.path.MatchString(path) {
				continue
			}
			s.addWindow(ri, max(0, start-r.before), min(len(data), end+r.after))
		}
	}
}
