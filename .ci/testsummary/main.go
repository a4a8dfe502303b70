// Command testsummary reads `go test -json` events on stdin, prints readable
// test output as it streams, and ends with a summary of packages and tests.
//
// CI runs it as
//
//	go test -json ./... 2>&1 | go run ./.ci/testsummary
//
// What it prints while tests run:
//   - package-level output ("ok", "FAIL", "?", build errors) as it arrives;
//   - each top-level test, with its subtests, once it ends: in full when it
//     failed (or never finished), otherwise without the === RUN / --- PASS
//     framing lines that make a passing run unreadable;
//   - any line that is not a JSON event, verbatim (the go command's own
//     errors on stderr, or output from a go too old to wrap build errors).
//
// The summary lists failed packages and tests, and every skipped test with its
// reason: in CI nothing is meant to skip, so a skip must be seen, not buried.
// It ends with a line "Tests: N passed, N failed, N skipped".
//
// Exit status: 0 when everything passed; 1 when a test or package failed, a
// build failed, a test never finished, a line that is not an event (other than
// "go: downloading ...") appeared, or no package was seen at all; 2 when
// stdin could not be read.
//
// It lives under .ci/ so that `./...` in the main module never includes it,
// and uses only the standard library so it builds anywhere go does.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"
)

// event is one line of `go test -json` output (see `go doc test2json`).
type event struct {
	Time        time.Time
	Action      string
	Package     string
	Test        string
	Elapsed     float64
	Output      string
	FailedBuild string
	ImportPath  string // on build-output and build-fail events
}

// line is one piece of a test's output, kept until its top-level test ends.
type line struct {
	test string
	text string
}

// testRun tracks one test (or subtest) of one package.
type testRun struct {
	status string // "", "pass", "fail" or "skip"
}

// pkgState is what is known about one package while its tests run.
type pkgState struct {
	tests map[string]*testRun
	// pending holds output of running top-level tests, keyed by the
	// top-level name, so a tree is printed together when it ends.
	pending map[string][]line
	order   []string        // top-level tests in the order they started
	seen    map[string]bool // which top-level tests are in order
	// held is package-level output that came while a test was still open
	// (the final "FAIL pkg" line after a crash, say), printed after that
	// test's output so the two read in order.
	held    []string
	noTests bool // "[no tests to run]" was printed
	done    bool
}

type result struct {
	pkg, test, reason string
}

type summary struct {
	out io.Writer

	pkgs     map[string]*pkgState
	pkgOrder []string

	pkgOK, pkgFailed, pkgNoTests int
	failedPkgs                   []result
	buildFailed                  map[string]bool

	passed, failed, skipped int
	failedTests             []result
	skippedTests            []result
	unfinished              []result

	foreign []string // lines that were not JSON events and are not benign
}

func newSummary(out io.Writer) *summary {
	return &summary{out: out, pkgs: map[string]*pkgState{}, buildFailed: map[string]bool{}}
}

func (s *summary) pkg(name string) *pkgState {
	p := s.pkgs[name]
	if p == nil {
		p = &pkgState{tests: map[string]*testRun{}, pending: map[string][]line{}, seen: map[string]bool{}}
		s.pkgs[name] = p
		s.pkgOrder = append(s.pkgOrder, name)
	}
	return p
}

func topLevel(test string) string {
	if i := strings.IndexByte(test, '/'); i >= 0 {
		return test[:i]
	}
	return test
}

// isFraming reports whether an output line is only test2json framing that
// says nothing for a test that passed.
func isFraming(text string) bool {
	t := strings.TrimLeft(text, " \t")
	for _, p := range []string{"=== RUN", "=== PAUSE", "=== CONT", "=== NAME", "--- PASS"} {
		if strings.HasPrefix(t, p) {
			return true
		}
	}
	return false
}

// print writes output as go test produced it: test2json may split a long
// line into pieces, so no newline is added.
func (s *summary) print(text string) {
	io.WriteString(s.out, text)
}

// handleLine processes one line of input.
func (s *summary) handleLine(raw string) {
	trimmed := strings.TrimSpace(raw)
	if trimmed == "" {
		return
	}
	var ev event
	if !strings.HasPrefix(trimmed, "{") || json.Unmarshal([]byte(trimmed), &ev) != nil || ev.Action == "" {
		s.handleForeign(raw)
		return
	}
	s.handleEvent(ev)
}

// handleForeign deals with a line that is not a test event: the go command's
// own messages on stderr (a broken go.mod, a bad pattern, a build error from
// a go that does not wrap them in JSON). It is shown at once and, unless it
// is the go command fetching a module, counted as a failure: CI must not pass
// over an error it could not parse.
func (s *summary) handleForeign(raw string) {
	s.print(raw)
	if !strings.HasSuffix(raw, "\n") {
		s.print("\n")
	}
	if strings.HasPrefix(raw, "go: downloading ") || strings.HasPrefix(raw, "go: finding ") || strings.HasPrefix(raw, "go: extracting ") {
		return
	}
	s.foreign = append(s.foreign, strings.TrimRight(raw, "\r\n"))
}

func (s *summary) handleEvent(ev event) {
	switch ev.Action {
	case "build-output":
		// Compiler and vet errors; printed as they come.
		s.print(ev.Output)
		return
	case "build-fail":
		s.buildFailed[ev.ImportPath] = true
		return
	}
	if ev.Package == "" {
		return
	}
	p := s.pkg(ev.Package)

	if ev.Test == "" {
		s.handlePackageEvent(ev, p)
		return
	}

	top := topLevel(ev.Test)
	if !p.seen[top] {
		p.seen[top] = true
		p.order = append(p.order, top)
	}
	t := p.tests[ev.Test]
	if t == nil {
		t = &testRun{}
		p.tests[ev.Test] = t
	}
	switch ev.Action {
	case "output":
		p.pending[top] = append(p.pending[top], line{test: ev.Test, text: ev.Output})
	case "pass", "fail", "skip":
		t.status = ev.Action
		switch ev.Action {
		case "pass":
			s.passed++
		case "fail":
			s.failed++
			s.failedTests = append(s.failedTests, result{pkg: ev.Package, test: ev.Test})
		case "skip":
			s.skipped++
			s.skippedTests = append(s.skippedTests, result{pkg: ev.Package, test: ev.Test, reason: skipReason(p.pending[top], ev.Test)})
		}
		if ev.Test == top {
			s.flushTree(ev.Package, p, top, ev.Action == "fail", "")
			if len(p.pending) == 0 {
				s.flushHeld(p)
			}
		}
	}
}

// skipReason is the last line a skipped test logged: t.Skip's message. (Go
// prints it before "--- SKIP" since 1.25, after it before that.)
func skipReason(lines []line, test string) string {
	reason := ""
	for _, l := range lines {
		if l.test != test {
			continue
		}
		t := strings.TrimSpace(l.text)
		if t == "" || isFraming(t) || strings.HasPrefix(t, "--- SKIP") {
			continue
		}
		reason = t
	}
	if reason == "" {
		return "(no reason given)"
	}
	return reason
}

// flushTree prints the output of a top-level test and its subtests: in full
// when it failed, else without framing lines.
func (s *summary) flushTree(pkg string, p *pkgState, top string, full bool, note string) {
	lines := p.pending[top]
	delete(p.pending, top)
	if note != "" {
		s.print(fmt.Sprintf("--- %s: %s %s\n", note, pkg, top))
	}
	for _, l := range lines {
		if !full && isFraming(l.text) {
			continue
		}
		s.print(l.text)
	}
}

func (s *summary) handlePackageEvent(ev event, p *pkgState) {
	switch ev.Action {
	case "output":
		t := strings.TrimSpace(ev.Output)
		if strings.Contains(t, "[no tests to run]") {
			p.noTests = true
		}
		// A bare "PASS" only repeats what the "ok" line says.
		if t == "PASS" || t == "testing: warning: no tests to run" {
			return
		}
		if len(p.pending) > 0 {
			p.held = append(p.held, ev.Output)
			return
		}
		s.print(ev.Output)
	case "pass", "fail", "skip":
		if p.done {
			return
		}
		p.done = true
		// Tests still open when the package ends never finished: the
		// binary crashed, timed out or exited. Show all they printed.
		for _, top := range p.order {
			if _, open := p.pending[top]; !open {
				continue
			}
			unfinished := false
			for name, t := range p.tests {
				if t.status == "" && (name == top || strings.HasPrefix(name, top+"/")) {
					t.status = "fail"
					unfinished = true
					s.unfinished = append(s.unfinished, result{pkg: ev.Package, test: name})
				}
			}
			if unfinished {
				s.flushTree(ev.Package, p, top, true, "DID NOT FINISH")
			} else {
				s.flushTree(ev.Package, p, top, false, "")
			}
		}
		s.flushHeld(p)
		switch {
		case ev.Action == "fail":
			s.pkgFailed++
			reason := ""
			if ev.FailedBuild != "" {
				reason = "build failed"
			} else if s.hasUnfinished(ev.Package) {
				reason = "tests did not finish: a timeout or a crash"
			} else if !s.hasFailedTest(ev.Package) {
				reason = "no test failed; the test binary itself did: TestMain, a crash, a timeout or os.Exit"
			}
			s.failedPkgs = append(s.failedPkgs, result{pkg: ev.Package, reason: reason})
		case ev.Action == "skip" || p.noTests:
			s.pkgNoTests++
		default:
			s.pkgOK++
		}
	}
}

func (s *summary) flushHeld(p *pkgState) {
	for _, o := range p.held {
		s.print(o)
	}
	p.held = nil
}

func (s *summary) hasUnfinished(pkg string) bool {
	for _, r := range s.unfinished {
		if r.pkg == pkg {
			return true
		}
	}
	return false
}

func (s *summary) hasFailedTest(pkg string) bool {
	for _, r := range s.failedTests {
		if r.pkg == pkg {
			return true
		}
	}
	return false
}

// finish flushes whatever is left, prints the summary and returns whether
// the run passed.
func (s *summary) finish(elapsed time.Duration) bool {
	// Packages that never reported an end (the stream was cut short).
	for _, name := range s.pkgOrder {
		p := s.pkgs[name]
		if !p.done {
			s.handlePackageEvent(event{Action: "fail", Package: name}, p)
		}
	}
	// Build failures are normally also reported as a failed package; count
	// any that were not (a package outside the test list, say).
	var orphanBuilds []string
	for ip := range s.buildFailed {
		name := ip
		if i := strings.Index(name, " ["); i >= 0 {
			name = name[:i]
		}
		if p, ok := s.pkgs[name]; !ok || !p.done || !s.pkgFailedListed(name) {
			orphanBuilds = append(orphanBuilds, ip)
		}
	}
	sort.Strings(orphanBuilds)

	w := s.out
	fmt.Fprintln(w)
	fmt.Fprintln(w, "==================== test summary ====================")
	fmt.Fprintf(w, "Packages: %d ok, %d failed, %d with no tests\n", s.pkgOK, s.pkgFailed, s.pkgNoTests)
	if len(s.failedPkgs) > 0 || len(orphanBuilds) > 0 {
		fmt.Fprintln(w, "Failed packages:")
		for _, r := range s.failedPkgs {
			if r.reason != "" {
				fmt.Fprintf(w, "  %s (%s)\n", r.pkg, r.reason)
			} else {
				fmt.Fprintf(w, "  %s\n", r.pkg)
			}
		}
		for _, ip := range orphanBuilds {
			fmt.Fprintf(w, "  %s (build failed)\n", ip)
		}
	}
	if len(s.failedTests) > 0 || len(s.unfinished) > 0 {
		fmt.Fprintln(w, "Failed tests:")
		for _, r := range s.failedTests {
			fmt.Fprintf(w, "  %s %s\n", r.pkg, r.test)
		}
		for _, r := range s.unfinished {
			fmt.Fprintf(w, "  %s %s (did not finish)\n", r.pkg, r.test)
		}
	}
	if len(s.skippedTests) > 0 {
		fmt.Fprintln(w, "Skipped tests (CI is meant to run everything; each skip needs a reason to exist):")
		for _, r := range s.skippedTests {
			fmt.Fprintf(w, "  %s %s: %s\n", r.pkg, r.test, r.reason)
		}
	}
	if len(s.foreign) > 0 {
		fmt.Fprintf(w, "Output that was not a test event (%d lines, counted as a failure):\n", len(s.foreign))
		for i, l := range s.foreign {
			if i == 20 {
				fmt.Fprintf(w, "  ... %d more\n", len(s.foreign)-i)
				break
			}
			fmt.Fprintf(w, "  %s\n", l)
		}
	}
	if len(s.pkgOrder) == 0 {
		fmt.Fprintln(w, "No package was tested: go test reported nothing.")
	}
	fmt.Fprintf(w, "Elapsed: %.1fs\n", elapsed.Seconds())
	failed := s.failed + len(s.unfinished)
	fmt.Fprintf(w, "Tests: %d passed, %d failed, %d skipped\n", s.passed, failed, s.skipped)

	return failed == 0 && s.pkgFailed == 0 && len(orphanBuilds) == 0 &&
		len(s.foreign) == 0 && len(s.pkgOrder) > 0
}

func (s *summary) pkgFailedListed(name string) bool {
	for _, r := range s.failedPkgs {
		if r.pkg == name {
			return true
		}
	}
	return false
}

func main() {
	start := time.Now()
	s := newSummary(os.Stdout)
	r := bufio.NewReaderSize(os.Stdin, 1<<20)
	for {
		l, err := r.ReadString('\n')
		if l != "" {
			s.handleLine(l)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "testsummary: read stdin: %v\n", err)
			os.Exit(2)
		}
	}
	if !s.finish(time.Since(start)) {
		os.Exit(1)
	}
}
