package report

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/leakhound/leakhound/detect"
)

// csvColumns names the CSV columns, in order, with how to fill each.
var csvColumns = []struct {
	name  string
	value func(f *detect.Finding) string
}{
	{"ruleId", func(f *detect.Finding) string { return f.RuleID }},
	{"description", func(f *detect.Finding) string { return f.Description }},
	{"severity", func(f *detect.Finding) string { return f.Severity }},
	{"tags", func(f *detect.Finding) string { return strings.Join(f.Tags, ";") }},
	{"source", func(f *detect.Finding) string { return f.Source }},
	{"path", func(f *detect.Finding) string { return f.Path }},
	{"startLine", func(f *detect.Finding) string { return strconv.Itoa(f.StartLine) }},
	{"startColumn", func(f *detect.Finding) string { return strconv.Itoa(f.StartColumn) }},
	{"endLine", func(f *detect.Finding) string { return strconv.Itoa(f.EndLine) }},
	{"endColumn", func(f *detect.Finding) string { return strconv.Itoa(f.EndColumn) }},
	{"secret", func(f *detect.Finding) string { return f.Secret }},
	{"match", func(f *detect.Finding) string { return f.Match }},
	{"line", func(f *detect.Finding) string { return f.Line }},
	{"entropy", func(f *detect.Finding) string { return strconv.FormatFloat(f.Entropy, 'f', -1, 64) }},
	{"fingerprint", func(f *detect.Finding) string { return f.Fingerprint }},
	{"locationFingerprint", func(f *detect.Finding) string { return f.LocationFingerprint }},
	{"decoded", func(f *detect.Finding) string { return strings.Join(f.Decoded, ";") }},
	{"commit", gitField(func(g *detect.GitInfo) string { return g.Commit })},
	{"author", gitField(func(g *detect.GitInfo) string { return g.Author })},
	{"email", gitField(func(g *detect.GitInfo) string { return g.Email })},
	{"date", gitField(func(g *detect.GitInfo) string {
		if g.Date.IsZero() {
			return ""
		}
		return g.Date.UTC().Format(time.RFC3339)
	})},
	{"commits", gitField(func(g *detect.GitInfo) string { return strconv.Itoa(g.Commits) })},
	{"presentAtHead", gitField(func(g *detect.GitInfo) string { return strconv.FormatBool(g.PresentAtHead) })},
	{"stage", gitField(func(g *detect.GitInfo) string { return g.Stage })},
	{"imageRef", imageField(func(im *detect.ImageInfo) string { return im.Ref })},
	{"imageDigest", imageField(func(im *detect.ImageInfo) string { return im.Digest })},
	{"platform", imageField(func(im *detect.ImageInfo) string { return im.Platform })},
	{"layerIndex", imageField(func(im *detect.ImageInfo) string { return strconv.Itoa(im.LayerIndex) })},
	{"layerDigest", imageField(func(im *detect.ImageInfo) string { return im.LayerDigest })},
	{"createdBy", imageField(func(im *detect.ImageInfo) string { return im.CreatedBy })},
	{"field", imageField(func(im *detect.ImageInfo) string { return im.Field })},
	{"fileStatus", imageField(func(im *detect.ImageInfo) string { return im.Status })},
	{"changedByLayer", imageField(func(im *detect.ImageInfo) string { return strconv.Itoa(im.ChangedByLayer) })},
}

// gitField reads a git provenance column; empty without provenance.
func gitField(get func(*detect.GitInfo) string) func(*detect.Finding) string {
	return func(f *detect.Finding) string {
		if f.Git == nil {
			return ""
		}
		return get(f.Git)
	}
}

// imageField reads an image provenance column; empty without provenance.
func imageField(get func(*detect.ImageInfo) string) func(*detect.Finding) string {
	return func(f *detect.Finding) string {
		if f.Image == nil {
			return ""
		}
		return get(f.Image)
	}
}

// writeCSV writes a header row and one row per finding, quoted as RFC 4180
// says (CRLF line ends). Lists (tags, decoded) are joined with ";".
func writeCSV(w io.Writer, findings []detect.Finding, _ Meta, _ Options) error {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	row := make([]string, len(csvColumns))
	for i, c := range csvColumns {
		row[i] = c.name
	}
	if err := cw.Write(row); err != nil {
		return err
	}
	for i := range findings {
		for j, c := range csvColumns {
			row[j] = c.value(&findings[i])
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
