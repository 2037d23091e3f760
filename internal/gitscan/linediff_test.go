package gitscan

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"
)

func addedList(old, new string) string {
	var out []string
	for i, a := range addedLines([]byte(old), []byte(new)) {
		if a {
			out = append(out, fmt.Sprint(i))
		}
	}
	return strings.Join(out, ",")
}

func TestAddedLines(t *testing.T) {
	for _, c := range []struct{ old, new, want string }{
		{"", "a\nb\n", "1,2"},
		{"a\nb\n", "a\nb\n", ""},
		{"a\nb\nc\n", "a\nX\nb\nc\n", "2"},
		{"a\nb\nc\n", "a\nc\n", ""},
		{"a\nb\nc\n", "a\nB\nc\nd\n", "2,4"},
		{"a\nb\nc\nd\ne\n", "e\nd\nc\nb\na\n", "2,3,4,5"},
		{"x\ny\n", "y\nx\ny\nz", "1,4"},
		{"a\r\nb\r\n", "a\nb\nc\n", "3"},
	} {
		if got := addedList(c.old, c.new); got != c.want {
			t.Errorf("added(%q -> %q) = %s, want %s", c.old, c.new, got, c.want)
		}
	}
}

// TestAddedLinesMinimal checks on random edits that the kept lines form a
// common subsequence of the right length (n - d) and that past the edit
// bound the fallback still marks every truly new line.
func TestAddedLinesMinimal(t *testing.T) {
	rnd := rand.New(rand.NewSource(1))
	for iter := 0; iter < 300; iter++ {
		var a []string
		for i := 0; i < rnd.Intn(40); i++ {
			a = append(a, fmt.Sprint(rnd.Intn(8)))
		}
		b := append([]string(nil), a...)
		for e := 0; e < rnd.Intn(6); e++ {
			k := 0
			if len(b) > 0 {
				k = rnd.Intn(len(b))
			}
			switch rnd.Intn(3) {
			case 0:
				b = append(b[:k], append([]string{"new" + fmt.Sprint(e)}, b[k:]...)...)
			case 1:
				if len(b) > 0 {
					b = append(b[:k], b[k+1:]...)
				}
			default:
				if len(b) > 0 {
					b[k] = fmt.Sprint(rnd.Intn(8))
				}
			}
		}
		old, nw := strings.Join(a, "\n"), strings.Join(b, "\n")
		added := addedLines([]byte(old), []byte(nw))
		// Kept lines must be a subsequence of a.
		var kept []string
		for i, l := range b {
			if !added[i+1] {
				kept = append(kept, l)
			}
			if strings.HasPrefix(l, "new") && !added[i+1] {
				t.Fatalf("inserted line %q not marked added: %q -> %q", l, old, nw)
			}
		}
		j := 0
		for _, l := range a {
			if j < len(kept) && kept[j] == l {
				j++
			}
		}
		if j != len(kept) {
			t.Fatalf("kept lines %v are not a subsequence of %v", kept, a)
		}
		if len(kept) != lcs(a, b) {
			t.Fatalf("kept %d lines, LCS is %d: %q -> %q", len(kept), lcs(a, b), old, nw)
		}
	}
}

func lcs(a, b []string) int {
	dp := make([][]int, len(a)+1)
	for i := range dp {
		dp[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				dp[i][j] = dp[i+1][j+1] + 1
			} else {
				dp[i][j] = max(dp[i+1][j], dp[i][j+1])
			}
		}
	}
	return dp[0][0]
}

func TestAddedLinesFallback(t *testing.T) {
	var a, b []string
	for i := 0; i < 3000; i++ {
		a = append(a, fmt.Sprint("old", i))
		b = append(b, fmt.Sprint("new", i))
	}
	b = append(b, "old7")
	added := addedLines([]byte(strings.Join(a, "\n")), []byte(strings.Join(b, "\n")))
	if !added[1] || !added[3000] || added[3001] {
		t.Errorf("fallback: new lines must be added, a line moved from the old file not")
	}
}
