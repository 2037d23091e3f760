package detect

import (
	"hash/fnv"
	"sort"
)

// builtinAnalysis is the analysis of one rule of the default set, computed
// when the set is built (see TestBuiltinAnalysesUpToDate): parsing and
// analysing the regexes of the rules a scan meets cost a directory scan of
// Go's src/cmd 30 ms, 7% of its CPU time.
type builtinAnalysis struct {
	key uint64 // analysisKey of the rule's regex and keywords
	a   analysis
}

// analysisKey identifies a regex and keyword list: a rule that a config
// changes gets another key, and is analysed when the scan needs it.
func analysisKey(regex string, keywords []string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(regex))
	for _, k := range keywords {
		h.Write([]byte{0})
		h.Write([]byte(k))
	}
	return h.Sum64()
}

// lookupAnalysis returns the built-in analysis of a regex and keywords.
func lookupAnalysis(regex string, keywords []string) (analysis, bool) {
	k := analysisKey(regex, keywords)
	i := sort.Search(len(builtinAnalyses), func(i int) bool { return builtinAnalyses[i].key >= k })
	if i < len(builtinAnalyses) && builtinAnalyses[i].key == k {
		return builtinAnalyses[i].a, true
	}
	return analysis{}, false
}
