package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/leakhound/leakhound/detect"
	"github.com/leakhound/leakhound/internal/hugeheap"
	"github.com/leakhound/leakhound/internal/scan"
	"github.com/leakhound/leakhound/report"
	"github.com/leakhound/leakhound/rules"
)

// scanFlags are the flags every scanning command shares.
type scanFlags struct {
	config         string
	formats        []string
	reports        []string
	redact         int
	noRedact       bool
	exitCode       int
	workers        int
	maxFileSize    string
	maxArchive     int
	maxArchiveSize string
	maxEntries     int
	maxDecode      int
	enable         []string
	disable        []string
	noProgress     bool
	quiet          bool
	verbose        bool
	timeout        time.Duration
	ignoreInline   bool
	baseline       string
	ignoreFile     string
	reportUnused   bool
	sarifCategory  string
	wholeChunk     bool
}

// addScanFlags registers the common scan flags on cmd.
func addScanFlags(cmd *cobra.Command) *scanFlags {
	f := &scanFlags{}
	fl := cmd.Flags()
	fl.StringVarP(&f.config, "config", "c", "", "config file (default: $LEAKHOUND_CONFIG, .leakhound.toml or .gitleaks.toml in the scan root, then the built-in rules)")
	fl.StringArrayVarP(&f.formats, "format", "f", nil, "report format: "+strings.Join(report.Formats(), ", ")+" (default human on a terminal, else json); repeat with --report")
	fl.StringArrayVarP(&f.reports, "report", "r", nil, "report path, - for stdout (default -); repeat in pairs with --format")
	fl.IntVar(&f.redact, "redact", 0, "hide secrets in reports: --redact hides all, --redact=N hides N percent of each")
	fl.Lookup("redact").NoOptDefVal = "100"
	fl.BoolVar(&f.noRedact, "no-redact", false, "show secrets in formats that redact by default (sarif, gitlab, junit)")
	fl.IntVar(&f.exitCode, "exit-code", exitLeaks, "exit code when leaks are found")
	fl.IntVar(&f.workers, "workers", runtime.NumCPU(), "number of items scanned in parallel")
	fl.StringVar(&f.maxFileSize, "max-file-size", "10MiB", "skip files larger than this (e.g. 500KB, 10MiB, 0 for no limit)")
	fl.IntVar(&f.maxArchive, "max-archive-depth", 2, "how deep to open archives (zip, jar, tar, tgz, gz) inside the scan; 0 disables")
	fl.StringVar(&f.maxArchiveSize, "max-archive-bytes", "256MiB", "stop opening an archive after this many uncompressed bytes (zip bombs are reported, not followed)")
	fl.IntVar(&f.maxEntries, "max-archive-entries", 100000, "stop opening an archive after this many entries")
	fl.IntVar(&f.maxDecode, "max-decode-depth", 2, "layers of base64/hex/percent encoding to decode and scan; 0 disables")
	fl.StringArrayVar(&f.enable, "enable-rule", nil, "run only this rule (repeatable)")
	fl.StringArrayVar(&f.disable, "disable-rule", nil, "do not run this rule (repeatable)")
	fl.BoolVar(&f.noProgress, "no-progress", false, "no progress bar")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "print nothing on stderr but errors")
	fl.BoolVarP(&f.verbose, "verbose", "v", false, "list skipped items and config details on stderr")
	fl.DurationVar(&f.timeout, "timeout", 0, "stop after this long (e.g. 5m); the report is written and marked incomplete")
	fl.BoolVar(&f.ignoreInline, "ignore-inline", false, "ignore leakhound:allow and gitleaks:allow markers (audit mode)")
	fl.StringVar(&f.baseline, "baseline", "", "report only findings not in this baseline file")
	fl.StringVar(&f.ignoreFile, "ignore-file", "", "ignore file (default .leakhoundignore, and .gitleaksignore, in the scan root)")
	fl.BoolVar(&f.reportUnused, "report-unused-ignores", false, "list ignore entries that matched nothing")
	fl.StringVar(&f.sarifCategory, "sarif-category", "", "SARIF automationDetails.id category, so that several scans of one repository do not overwrite each other")
	fl.BoolVar(&f.wholeChunk, "debug-whole-chunk", false, "run regexes on whole inputs instead of keyword windows (benchmarking)")
	_ = fl.MarkHidden("debug-whole-chunk")
	return f
}

// source feeds everything a command scans to sc. It returns an error only
// when nothing could be scanned.
type source func(ctx context.Context, sc *scan.Scanner) error

// heapAdvice is the heap that bigScan has the runtime map for huge pages:
// about what a directory scan of 50 MB of source peaks at.
const heapAdvice = 32 << 20

// bigScan prepares the process for a scan that reads a lot (a directory
// tree, a history, an image), before anything else is allocated: it asks
// for huge pages for the heap (see hugeheap; LEAKHOUND_HUGEPAGES=0 turns
// that off). A directory scan of Go's src/cmd went from 226 to 194 ms.
func bigScan(cmd *cobra.Command, f *scanFlags) {
	n, err := hugeheap.Enable(heapAdvice)
	if f.verbose && !f.quiet {
		switch {
		case err != nil:
			fmt.Fprintln(cmd.ErrOrStderr(), "leakhound: huge pages:", err)
		case n > 0:
			fmt.Fprintf(cmd.ErrOrStderr(), "leakhound: huge pages advised for %d MB of heap\n", n>>20)
		}
	}
}

// collector gathers findings from concurrent workers.
type collector struct {
	mu       sync.Mutex
	findings []detect.Finding
}

func (c *collector) add(f detect.Finding) {
	c.mu.Lock()
	c.findings = append(c.findings, f)
	c.mu.Unlock()
}

// runScan is the whole life of a scan: configuration, engine, the source,
// progress, triage, reports and the exit code. root is the scan root used
// for config discovery and for relative paths in reports.
func runScan(cmd *cobra.Command, f *scanFlags, root string, src source) error {
	stderr := cmd.ErrOrStderr()
	outputs, err := f.outputs(cmd.OutOrStdout())
	if err != nil {
		return usageErr(err)
	}
	maxSize, err := parseSize(f.maxFileSize)
	if err != nil {
		return usageErr(fmt.Errorf("--max-file-size: %w", err))
	}
	maxArchiveBytes, err := parseSize(f.maxArchiveSize)
	if err != nil {
		return usageErr(fmt.Errorf("--max-archive-bytes: %w", err))
	}
	if f.redact < 0 || f.redact > 100 {
		return usageErr(fmt.Errorf("--redact=%d: want a percentage from 0 to 100", f.redact))
	}
	// Loading the rules and building the engine allocate a few MB that
	// all stay live: a collection in the middle is wasted work that a
	// pre-commit hook would pay on every commit (about 7 ms). Collections
	// resume, at the usual rate, once the engine is built.
	var cfg *rules.Config
	var eng *detect.Engine
	if err := func() error {
		defer debug.SetGCPercent(debug.SetGCPercent(-1))
		var cfgSource string
		var err error
		cfg, cfgSource, err = rules.Discover(f.config, root, os.Getenv)
		if err != nil {
			return &exitErr{code: exitError, err: configErr(err)}
		}
		cfg, err = rules.Select(cfg, f.enable, f.disable)
		if err != nil {
			return usageErr(err)
		}
		if f.verbose && !f.quiet {
			fmt.Fprintf(stderr, "leakhound: config %s: %d rules\n", cfgSource, len(cfg.Rules))
		}
		decode := f.maxDecode
		if decode == 0 {
			decode = -1
		}
		eng, err = detect.New(cfg, detect.Options{MaxDecodeDepth: decode, IgnoreInline: f.ignoreInline, WholeChunk: f.wholeChunk})
		if err != nil {
			return &exitErr{code: exitError, err: err}
		}
		return nil
	}(); err != nil {
		return err
	}
	tri, err := loadTriage(f, root)
	if err != nil {
		return &exitErr{code: exitError, err: err}
	}

	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if f.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, f.timeout)
		defer cancel()
	}

	stats := &scan.Stats{}
	var skipLog []string
	var skipMu sync.Mutex
	if f.verbose {
		stats.OnSkip = func(reason, path string) {
			skipMu.Lock()
			skipLog = append(skipLog, fmt.Sprintf("skipped (%s): %s", reason, path))
			skipMu.Unlock()
		}
	}
	col := &collector{}
	opts := scan.DefaultOptions()
	opts.MaxFileSize = maxSize
	opts.MaxArchiveDepth = f.maxArchive
	opts.MaxArchiveBytes = maxArchiveBytes
	opts.MaxArchiveEntries = f.maxEntries
	sc := &scan.Scanner{Engine: eng, Opts: opts, Stats: stats, Emit: col.add}

	start := time.Now()
	bar := startProgress(stderr, f, stats)
	srcErr := src(ctx, sc)
	bar.finish()
	elapsed := time.Since(start)

	incomplete := ctx.Err() != nil
	if srcErr != nil && !incomplete {
		return &exitErr{code: exitError, err: srcErr}
	}

	findings := col.findings
	sortFindings(findings)
	if op, ok := cmd.Context().Value(baselineOpKey{}).(*baselineOp); ok {
		if incomplete {
			return &exitErr{code: exitError, err: errors.New("scan incomplete: baseline not written")}
		}
		tri.baseline = nil // the baseline being maintained must not filter itself
		findings, _ = tri.apply(findings)
		return runBaselineOp(op, findings, stderr, f.quiet)
	}
	findings, suppressed := tri.apply(findings)

	meta := report.Meta{
		ToolName: "leakhound", Version: buildVersion(), InformationURI: "https://github.com/leakhound/leakhound",
		Command: cmd.Name(), Start: start, End: start.Add(elapsed), Incomplete: incomplete,
		Rules: cfg.Rules, Category: f.sarifCategory, Root: root,
	}
	for _, o := range outputs {
		ropts := report.Options{Redact: f.redact, NoRedact: f.noRedact, Color: o.color}
		if err := o.write(findings, meta, ropts); err != nil {
			return &exitErr{code: exitError, err: err}
		}
		for _, w := range report.Warnings(o.format, findings, meta, ropts) {
			fmt.Fprintln(stderr, "leakhound: warning:", w)
		}
	}

	if !f.quiet {
		for _, l := range skipLog {
			fmt.Fprintln(stderr, "leakhound:", l)
		}
		errs, nerr := stats.Errors()
		for _, e := range errs {
			fmt.Fprintln(stderr, "leakhound: warning:", e)
		}
		if int64(len(errs)) < nerr {
			fmt.Fprintf(stderr, "leakhound: warning: %d more errors not shown\n", nerr-int64(len(errs)))
		}
		if f.reportUnused {
			for _, u := range tri.unused() {
				fmt.Fprintln(stderr, "leakhound: unused ignore entry:", u)
			}
		}
		fmt.Fprintln(stderr, summary(stats, elapsed, len(findings), suppressed))
	}
	if incomplete {
		why := "interrupted"
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			why = fmt.Sprintf("timed out after %s", f.timeout)
		}
		return &exitErr{code: exitError, err: fmt.Errorf("scan incomplete (%s): the report holds what was found so far", why)}
	}
	if len(findings) > 0 {
		return &exitErr{code: f.exitCode}
	}
	return nil
}

func usageErr(err error) error { return &exitErr{code: exitError, err: err} }

// configErr formats configuration problems one per line.
func configErr(err error) error {
	var probs rules.Problems
	if errors.As(err, &probs) && len(probs) > 1 {
		return fmt.Errorf("invalid configuration:\n  %s", strings.ReplaceAll(probs.Error(), "\n", "\n  "))
	}
	return err
}

// summary is the line printed at the end of a scan.
func summary(st *scan.Stats, d time.Duration, n int, suppressed string) string {
	secs := d.Seconds()
	if secs <= 0 {
		secs = 1e-9
	}
	b := st.Bytes.Load()
	items := st.Items.Load()
	s := fmt.Sprintf("scanned %d %s, %s in %s (%.1f MB/s): %d %s", items, plural(int(items), "item", "items"), humanBytes(b),
		d.Round(time.Millisecond), float64(b)/1e6/secs, n, plural(n, "finding", "findings"))
	if suppressed != "" {
		s += "; " + suppressed
	}
	if sk := st.SkippedSummary(); sk != "" {
		s += "; skipped " + sk
	}
	return "leakhound: " + s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// parseSize parses "10MiB", "500KB", "1048576" or "0".
func parseSize(s string) (int64, error) {
	t := strings.TrimSpace(strings.ToUpper(s))
	mult := int64(1)
	for _, u := range []struct {
		suf string
		m   int64
	}{{"GIB", 1 << 30}, {"MIB", 1 << 20}, {"KIB", 1 << 10}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(t, u.suf) {
			t = strings.TrimSpace(strings.TrimSuffix(t, u.suf))
			mult = u.m
			break
		}
	}
	n, err := strconv.ParseFloat(t, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("invalid size %q (examples: 500KB, 10MiB, 0)", s)
	}
	return int64(n * float64(mult)), nil
}

// sortFindings orders findings deterministically.
func sortFindings(fs []detect.Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := &fs[i], &fs[j]
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		if a.StartLine != b.StartLine {
			return a.StartLine < b.StartLine
		}
		if a.StartColumn != b.StartColumn {
			return a.StartColumn < b.StartColumn
		}
		return a.RuleID < b.RuleID
	})
}

// output is one report destination.
type output struct {
	format string
	path   string
	w      io.Writer
	color  bool
}

// outputs pairs --format and --report flags.
func (f *scanFlags) outputs(stdout io.Writer) ([]output, error) {
	formats, reports := f.formats, f.reports
	stdoutTTY := isTerminal(stdout)
	if len(formats) > 1 && len(reports) > 1 && len(formats) != len(reports) {
		return nil, fmt.Errorf("%d --format flags but %d --report flags: give them in pairs", len(formats), len(reports))
	}
	n := max(len(formats), len(reports), 1)
	var out []output
	for i := 0; i < n; i++ {
		o := output{path: "-"}
		if i < len(reports) {
			o.path = reports[i]
		} else if len(reports) == 1 && len(formats) > 1 {
			return nil, fmt.Errorf("%d --format flags but one --report: give them in pairs", len(formats))
		}
		switch {
		case i < len(formats):
			o.format = formats[i]
		case len(formats) == 1:
			o.format = formats[0]
		case o.path != "-":
			o.format = formatFromExt(o.path)
		case stdoutTTY:
			o.format = "human"
		default:
			o.format = "json"
		}
		if !validFormat(o.format) {
			return nil, fmt.Errorf("unknown format %q (want one of %s)", o.format, strings.Join(report.Formats(), ", "))
		}
		if o.path == "-" {
			o.w = stdout
			o.color = stdoutTTY && os.Getenv("NO_COLOR") == ""
		}
		out = append(out, o)
	}
	stdouts := 0
	for _, o := range out {
		if o.path == "-" {
			stdouts++
		}
	}
	if stdouts > 1 {
		return nil, errors.New("more than one report goes to stdout: give each --format its own --report path")
	}
	return out, nil
}

func validFormat(f string) bool {
	for _, x := range report.Formats() {
		if x == f {
			return true
		}
	}
	return false
}

func formatFromExt(p string) string {
	switch strings.ToLower(filepath.Ext(p)) {
	case ".sarif":
		return "sarif"
	case ".csv":
		return "csv"
	case ".xml":
		return "junit"
	}
	if strings.Contains(filepath.Base(p), "gl-secret-detection") {
		return "gitlab"
	}
	return "json"
}

func (o output) write(fs []detect.Finding, meta report.Meta, opts report.Options) error {
	if o.w != nil {
		return report.Write(o.w, o.format, fs, meta, opts)
	}
	if dir := filepath.Dir(o.path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("report %s: %w", o.path, err)
		}
	}
	file, err := os.Create(o.path)
	if err != nil {
		return fmt.Errorf("report %s: %w", o.path, err)
	}
	if err := report.Write(file, o.format, fs, meta, opts); err != nil {
		file.Close()
		return fmt.Errorf("report %s: %w", o.path, err)
	}
	if err := file.Close(); err != nil {
		return fmt.Errorf("report %s: %w", o.path, err)
	}
	return nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// progress shows a progress bar on stderr while a scan runs, when stderr
// is a terminal.
type progress struct {
	bar  *progressbar.ProgressBar
	done chan struct{}
	wg   sync.WaitGroup
}

func startProgress(stderr io.Writer, f *scanFlags, st *scan.Stats) *progress {
	p := &progress{}
	if f.noProgress || f.quiet || !isTerminal(stderr) {
		return p
	}
	p.bar = progressbar.NewOptions64(-1,
		progressbar.OptionSetWriter(stderr),
		progressbar.OptionShowBytes(true),
		progressbar.OptionSetDescription("scanning"),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSpinnerType(14),
		progressbar.OptionSetElapsedTime(true),
	)
	p.done = make(chan struct{})
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-p.done:
				return
			case <-t.C:
				p.bar.Describe(fmt.Sprintf("scanning: %d items", st.Items.Load()))
				_ = p.bar.Set64(st.Bytes.Load())
			}
		}
	}()
	return p
}

func (p *progress) finish() {
	if p.bar == nil {
		return
	}
	close(p.done)
	p.wg.Wait()
	_ = p.bar.Finish()
	_ = p.bar.Clear()
}
