package main

import "github.com/leakhound/leakhound/detect"

// triage filters findings through the ignore file and baseline.
type triage struct{}

func loadTriage(f *scanFlags, root string) (*triage, error) { return &triage{}, nil }

// apply returns the findings to report and a note on what was suppressed.
func (t *triage) apply(fs []detect.Finding) ([]detect.Finding, string) { return fs, "" }

// unused lists ignore entries that matched nothing.
func (t *triage) unused() []string { return nil }
