package report

import (
	"encoding/json"
	"io"

	"github.com/leakhound/leakhound/detect"
)

// writeJSON writes the findings as a JSON array of detect.Finding, "[]"
// when there are none. Field order is the struct's, so it is stable. An
// incomplete scan is not marked in the array (its shape is a compatibility
// promise); the CLI says so on stderr and exits 2.
func writeJSON(w io.Writer, findings []detect.Finding, _ Meta, _ Options) error {
	out := make([]detect.Finding, len(findings))
	for i, f := range findings {
		if f.Tags == nil {
			f.Tags = []string{}
		}
		out[i] = f
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
