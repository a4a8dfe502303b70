package helpcenter

import (
	"bytes"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
)

// Renderer turns article markdown into sanitised HTML and sections. It is
// safe for concurrent use.
type Renderer struct {
	md     goldmark.Markdown
	policy *bluemonday.Policy
}

// NewRenderer returns a Renderer for GitHub-flavoured markdown (tables,
// strikethrough, autolinks, task lists) with heading ids, automatic or
// written {#id}. Raw HTML in the markdown is never passed through: goldmark
// omits it, and bluemonday's user-content policy cleans what remains.
func NewRenderer() *Renderer {
	md := goldmark.New(
		goldmark.WithExtensions(extension.GFM),
		goldmark.WithParserOptions(parser.WithAutoHeadingID(), parser.WithAttribute()),
	)
	p := bluemonday.UGCPolicy()
	p.AllowAttrs("id").Matching(regexp.MustCompile(`^[A-Za-z0-9_-]{1,100}$`)).OnElements("h1", "h2", "h3", "h4", "h5", "h6")
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^language-[A-Za-z0-9_+-]{1,40}$`)).OnElements("code")
	p.AllowAttrs("type").Matching(regexp.MustCompile(`^checkbox$`)).OnElements("input")
	p.AllowAttrs("checked", "disabled").Matching(regexp.MustCompile(`^$`)).OnElements("input")
	return &Renderer{md: md, policy: p}
}

// Rendered is an article body turned into what pages and search use.
type Rendered struct {
	// HTML is sanitised and safe to put into a page as is.
	HTML     string
	Sections []Section
	// TopicLinks are the topic ids the body links to (/help?topic=<id>).
	TopicLinks []string
}

// Render renders markdown.
func (r *Renderer) Render(markdown string) (Rendered, error) {
	src := []byte(markdown)
	ids := newHeadingIDs()
	ctx := parser.NewContext(parser.WithIDs(ids))
	doc := r.md.Parser().Parse(text.NewReader(src), parser.WithContext(ctx))
	var buf bytes.Buffer
	if err := r.md.Renderer().Render(&buf, src, doc); err != nil {
		return Rendered{}, fmt.Errorf("render markdown: %w", err)
	}
	out := Rendered{HTML: r.policy.Sanitize(buf.String())}
	out.Sections = sections(doc, src, ids.explicit)
	out.TopicLinks = topicLinks(doc)
	return out, nil
}

// sections splits the document at its headings.
func sections(doc ast.Node, src []byte, explicit map[string]bool) []Section {
	cur := &Section{}
	var out []Section
	var body strings.Builder
	flush := func() {
		cur.Text = strings.TrimSpace(body.String())
		if cur.Position > 0 || cur.Text != "" {
			out = append(out, *cur)
		}
		body.Reset()
	}
	for n := doc.FirstChild(); n != nil; n = n.NextSibling() {
		h, ok := n.(*ast.Heading)
		if !ok {
			body.WriteString(plainText(n, src))
			body.WriteString("\n")
			continue
		}
		flush()
		id := ""
		if v, ok := h.AttributeString("id"); ok {
			if b, ok := v.([]byte); ok {
				id = string(b)
			}
		}
		cur = &Section{Position: len(out) + 1, Anchor: id, Heading: strings.TrimSpace(plainText(h, src)),
			Level: h.Level, Explicit: explicit[id]}
	}
	flush()
	return out
}

// plainText is the text a block shows, with code and link text included.
func plainText(n ast.Node, src []byte) string {
	var b strings.Builder
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			if c.Type() == ast.TypeBlock {
				b.WriteString(" ")
			}
			return ast.WalkContinue, nil
		}
		switch v := c.(type) {
		case *ast.Text:
			b.Write(v.Segment.Value(src))
			if v.SoftLineBreak() || v.HardLineBreak() {
				b.WriteString(" ")
			}
		case *ast.String:
			b.Write(v.Value)
		case *ast.AutoLink:
			b.Write(v.Label(src))
		case *ast.FencedCodeBlock, *ast.CodeBlock:
			lines := c.Lines()
			for i := 0; i < lines.Len(); i++ {
				seg := lines.At(i)
				b.Write(seg.Value(src))
			}
			return ast.WalkSkipChildren, nil
		case *ast.RawHTML, *ast.HTMLBlock:
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	return strings.Join(strings.Fields(b.String()), " ")
}

// topicLinks lists the topic ids of /help?topic= links in the document.
func topicLinks(doc ast.Node) []string {
	var out []string
	_ = ast.Walk(doc, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if l, ok := c.(*ast.Link); ok && entering {
			if id, ok := TopicOf(string(l.Destination)); ok {
				out = append(out, id)
			}
		}
		return ast.WalkContinue, nil
	})
	return out
}

// TopicOf returns the topic id a link names when it is /help?topic=<id>.
func TopicOf(link string) (string, bool) {
	u, err := url.Parse(link)
	if err != nil || u.Scheme != "" || u.Host != "" || u.Path != "/help" {
		return "", false
	}
	id := u.Query().Get("topic")
	return id, id != ""
}

// headingIDs makes automatic heading ids (lower-case letters and digits
// joined by hyphens, numbered when repeated) and remembers which ids the
// author wrote explicitly.
type headingIDs struct {
	used     map[string]bool
	explicit map[string]bool
}

func newHeadingIDs() *headingIDs {
	return &headingIDs{used: map[string]bool{}, explicit: map[string]bool{}}
}

// Generate makes an id from a heading's text.
func (h *headingIDs) Generate(value []byte, _ ast.NodeKind) []byte {
	var b strings.Builder
	dash := false
	for _, r := range string(value) {
		switch {
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(unicode.ToLower(r))
		case unicode.IsSpace(r) || r == '-' || r == '_' || unicode.IsPunct(r):
			dash = true
		}
	}
	base := b.String()
	if base == "" {
		base = "section"
	}
	id := base
	for i := 2; h.used[id]; i++ {
		id = fmt.Sprintf("%s-%d", base, i)
	}
	h.used[id] = true
	return []byte(id)
}

// Put records an id the author wrote.
func (h *headingIDs) Put(value []byte) {
	h.used[string(value)] = true
	h.explicit[string(value)] = true
}
