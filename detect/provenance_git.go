package detect

import (
	"encoding/json"
	"time"
)

// Stages a GitInfo may carry for findings outside committed history.
const (
	// GitStageStaged marks a finding in content staged for the next commit.
	GitStageStaged = "staged"
	// GitStageWorktree marks a finding in an uncommitted working-tree change.
	GitStageWorktree = "worktree"
)

// GitInfo is the provenance of a finding in git history: the commit and path
// that first introduced the blob holding the secret. A secret that stays at
// one path through many versions of the file is reported once, with the
// first commit, and counted in Commits and Blobs.
type GitInfo struct {
	// Commit is the SHA of the first commit (in topological order, oldest
	// first) that introduced a version of the file holding the secret.
	// Empty for staged and working-tree findings.
	Commit string `json:"commit"`
	// Author and Email identify the commit's author.
	Author string `json:"author"`
	Email  string `json:"email"`
	// Date is the author date.
	Date time.Time `json:"date"`
	// Message is the commit message's first line.
	Message string `json:"message"`
	// Blob is the SHA of the blob the line numbers refer to (the version
	// introduced by Commit).
	Blob string `json:"blob,omitempty"`
	// Commits counts the commits that introduced a version of the file
	// (at this path) holding the secret: Commit, later edits that kept it,
	// reverts and cherry-picks.
	Commits int `json:"commits,omitempty"`
	// Blobs counts the distinct versions (blobs) of the file holding it.
	Blobs int `json:"blobs,omitempty"`
	// PresentAtHead says whether the file at HEAD of the default branch
	// still holds the secret at this path.
	PresentAtHead bool `json:"presentAtHead"`
	// Stage is "staged" or "worktree" for findings in uncommitted content,
	// empty for history.
	Stage string `json:"stage,omitempty"`
}

// MarshalJSON implements json.Marshaler: the date is left out when unknown
// (staged and working-tree findings) instead of printing year 1.
func (g GitInfo) MarshalJSON() ([]byte, error) {
	type plain GitInfo // without this method
	var date *time.Time
	if !g.Date.IsZero() {
		date = &g.Date
	}
	return json.Marshal(struct {
		plain
		Date *time.Time `json:"date,omitempty"` // shadows plain.Date
	}{plain(g), date})
}
