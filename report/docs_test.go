package report

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/leakhound/leakhound/detect"
)

// jsonFields returns the JSON names of t's fields.
func jsonFields(t reflect.Type) []string {
	var names []string
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			names = append(names, name)
		}
	}
	return names
}

// TestDocsDescribeEveryField keeps docs/report-formats.md complete: every
// JSON field of a finding and its provenance, every CSV column and every
// format must be documented there.
func TestDocsDescribeEveryField(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "report-formats.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(doc)
	for _, typ := range []reflect.Type{
		reflect.TypeFor[detect.Finding](), reflect.TypeFor[detect.GitInfo](), reflect.TypeFor[detect.ImageInfo](),
	} {
		for _, name := range jsonFields(typ) {
			if !strings.Contains(text, "| `"+name+"` |") {
				t.Errorf("docs/report-formats.md has no table row for %s field %q", typ.Name(), name)
			}
		}
	}
	for _, c := range csvColumns {
		if !strings.Contains(text, "`"+c.name+"`") {
			t.Errorf("docs/report-formats.md does not list CSV column %q", c.name)
		}
	}
	for _, f := range Formats() {
		if !strings.Contains(text, "| `"+f+"`") {
			t.Errorf("docs/report-formats.md does not list format %q", f)
		}
	}
}
