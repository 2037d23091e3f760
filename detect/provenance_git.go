package detect

import "time"

// GitInfo is the provenance of a finding in git history: the commit and path
// that first introduced the blob holding the secret.
type GitInfo struct {
	// Commit is the SHA of the introducing commit.
	Commit string `json:"commit"`
	// Author and Email identify the commit's author.
	Author string `json:"author"`
	Email  string `json:"email"`
	// Date is the author date.
	Date time.Time `json:"date"`
	// Message is the commit message's first line.
	Message string `json:"message"`
}
