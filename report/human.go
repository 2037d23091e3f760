package report

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/leakhound/leakhound/detect"
	"github.com/leakhound/leakhound/rules"
)

// ANSI escape sequences of the human format.
const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiDim    = "\x1b[2m"
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
	ansiBlue   = "\x1b[34m"
	ansiCyan   = "\x1b[36m"
	ansiBrRed  = "\x1b[1;31m"
)

// writeHuman writes one block per finding, separated by blank lines, and
// nothing else (summaries belong to the CLI, on stderr). Text from scanned
// inputs is stripped of control characters so that a file cannot drive the
// terminal.
func writeHuman(w io.Writer, findings []detect.Finding, _ Meta, opts Options) error {
	bw := bufio.NewWriter(w)
	paint := func(code, s string) string {
		if !opts.Color || s == "" {
			return s
		}
		return code + s + ansiReset
	}
	for i := range findings {
		f := &findings[i]
		if i > 0 {
			bw.WriteByte('\n')
		}
		field := func(name, value string) {
			fmt.Fprintf(bw, "%s %s\n", paint(ansiDim, fmt.Sprintf("%-12s", name+":")), value)
		}
		field("Rule", paint(ansiBold, safe(f.RuleID)))
		if f.Description != "" {
			field("Description", safe(f.Description))
		}
		field("Severity", paint(severityColor(f.Severity), safe(orUnknown(f.Severity))))
		field("Location", paint(ansiCyan, safe(location(f))))
		if f.Secret != "" {
			field("Secret", paint(ansiRed, safe(f.Secret)))
		}
		if f.Line != "" {
			field("Line", safe(f.Line))
		}
		if len(f.Decoded) > 0 {
			field("Decoded", safe(strings.Join(f.Decoded, " > ")))
		}
		if g := f.Git; g != nil {
			if g.Commit != "" {
				commit := g.Commit
				if g.Commits > 1 {
					commit += fmt.Sprintf(" (first of %d commits)", g.Commits)
				}
				field("Commit", paint(ansiYellow, safe(commit)))
			}
			if g.Stage != "" {
				field("Stage", safe(g.Stage))
			}
			if who := person(g.Author, g.Email); who != "" {
				field("Author", safe(who))
			}
			if !g.Date.IsZero() {
				field("Date", g.Date.UTC().Format("2006-01-02 15:04:05 MST"))
			}
			if g.Message != "" {
				field("Message", safe(g.Message))
			}
			if g.Stage == "" && g.Commit != "" {
				field("At HEAD", map[bool]string{true: "yes, still present", false: "no, only in history"}[g.PresentAtHead])
			}
		}
		if im := f.Image; im != nil {
			img := im.Ref
			if im.Digest != "" {
				img += "@" + im.Digest
			}
			field("Image", paint(ansiBlue, safe(img)))
			if im.Platform != "" {
				field("Platform", safe(im.Platform))
			}
			if im.LayerIndex >= 0 {
				layer := strconv.Itoa(im.LayerIndex)
				if im.LayerDigest != "" {
					layer += " (" + im.LayerDigest + ")"
				}
				field("Layer", safe(layer))
			}
			if im.CreatedBy != "" {
				field("Created by", safe(im.CreatedBy))
			}
			if im.Field != "" {
				field("Field", safe(im.Field))
			}
			switch im.Status {
			case detect.StatusDeleted, detect.StatusOverwritten:
				field("File", fmt.Sprintf("%s by layer %d (still shipped in layer %d)", im.Status, im.ChangedByLayer, im.LayerIndex))
			case detect.StatusPresent:
				field("File", "present in the final filesystem")
			case detect.StatusUnknown:
				field("File", "unknown whether it is in the final filesystem")
			}
		}
		field("Fingerprint", f.Fingerprint)
	}
	return bw.Flush()
}

// severityColor picks the colour of a severity.
func severityColor(s string) string {
	switch s {
	case rules.SeverityCritical:
		return ansiBrRed
	case rules.SeverityHigh:
		return ansiRed
	case rules.SeverityMedium:
		return ansiYellow
	}
	return ansiBlue
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// person formats "Name <email>".
func person(name, email string) string {
	switch {
	case name != "" && email != "":
		return name + " <" + email + ">"
	case email != "":
		return "<" + email + ">"
	}
	return name
}

// safe makes s printable on a terminal: control characters other than tab
// (C0, DEL, C1, including ESC) become Go escapes like \x1b, newlines \n,
// and invalid UTF-8 bytes \xNN.
func safe(s string) string {
	clean := true
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if (r < 0x20 && r != '\t') || r == 0x7f || (r >= 0x80 && r < 0xa0) || (r == utf8.RuneError && n == 1) {
			clean = false
			break
		}
		i += n
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteByte('\t')
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r >= 0x80 && r < 0xa0:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}
