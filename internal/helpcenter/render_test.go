package helpcenter

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/render")

// golden renders each testdata/render/*.md and compares the HTML and the
// sections with its .golden file.
func TestRenderMatchesGoldenFiles(t *testing.T) {
	files, err := filepath.Glob("testdata/render/*.md")
	if err != nil || len(files) == 0 {
		t.Fatalf("no render fixtures: %v", err)
	}
	r := NewRenderer()
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			out, err := r.Render(string(src))
			if err != nil {
				t.Fatal(err)
			}
			got := dump(out)
			golden := strings.TrimSuffix(f, ".md") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./internal/helpcenter -run Golden -update)", err)
			}
			if got != string(want) {
				t.Errorf("render of %s differs from %s:\n--- got\n%s\n--- want\n%s", f, golden, got, want)
			}
		})
	}
}

func dump(r Rendered) string {
	var b strings.Builder
	b.WriteString(r.HTML)
	b.WriteString("\n-- sections\n")
	for _, s := range r.Sections {
		fmt.Fprintf(&b, "%d h%d #%s explicit=%v %q: %q\n", s.Position, s.Level, s.Anchor, s.Explicit, s.Heading, s.Text)
	}
	fmt.Fprintf(&b, "-- topic links\n%s\n", strings.Join(r.TopicLinks, "\n"))
	return b.String()
}

func TestRawHTMLAndScriptInMarkdownAreNeutralised(t *testing.T) {
	src, err := os.ReadFile("testdata/render/hostile.md")
	if err != nil {
		t.Fatal(err)
	}
	out, err := NewRenderer().Render(string(src))
	if err != nil {
		t.Fatal(err)
	}
	lower := strings.ToLower(out.HTML)
	for _, bad := range []string{"<script", "onclick", "onerror", "javascript:", "<div", "<img src=\"x\"", "style=", "data:text/html", "<b>"} {
		if strings.Contains(lower, bad) {
			t.Errorf("rendered HTML contains %q:\n%s", bad, out.HTML)
		}
	}
	if !strings.Contains(out.HTML, `<h2 id="ok-id">Attributes</h2>`) {
		t.Errorf("a safe explicit heading id was lost:\n%s", out.HTML)
	}
}

func TestHighlightEscapesTextAndKeepsOnlyItsOwnMarks(t *testing.T) {
	for in, want := range map[string]string{
		"a " + markOpen + "<script>" + markClose + " b": "a <mark>&lt;script&gt;</mark> b",
		markClose + "x" + markOpen + "y":                "x<mark>y</mark>",
		"<mark>fake</mark>":                             "&lt;mark&gt;fake&lt;/mark&gt;",
		markOpen + markOpen + "z" + markClose:           "<mark>z</mark>",
	} {
		if got := string(Highlight(in)); got != want {
			t.Errorf("Highlight(%q) = %q, want %q", in, got, want)
		}
	}
}
