package helpcenter

import (
	"bytes"
	"fmt"
	"html/template"
	"regexp"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/hotdash/hotdash/internal/validation"
)

// Kind is an article's Diátaxis kind.
type Kind string

// The Diátaxis kinds, in the order /help lists them.
const (
	Tutorial    Kind = "tutorial"
	HowTo       Kind = "how-to"
	Reference   Kind = "reference"
	Explanation Kind = "explanation"
)

// Kinds lists every kind in display order.
func Kinds() []Kind { return []Kind{Tutorial, HowTo, Reference, Explanation} }

// Label names the kind's group for people: "How-to guides".
func (k Kind) Label() string {
	switch k {
	case Tutorial:
		return "Tutorials"
	case HowTo:
		return "How-to guides"
	case Reference:
		return "Reference"
	case Explanation:
		return "Explanation"
	}
	return string(k)
}

// Name names one article's kind: "How-to guide".
func (k Kind) Name() string {
	switch k {
	case Tutorial:
		return "Tutorial"
	case HowTo:
		return "How-to guide"
	}
	return k.Label()
}

// Limits on what an article may hold.
const (
	MaxTitle    = 200
	MaxKeywords = 30
	MaxKeyword  = 60
	MaxBody     = 200_000
	MaxOwner    = 200
	MaxID       = 80
)

// Sources say where an article's current text came from.
const (
	// SourceShipped articles are HotDash's own, loaded from the binary;
	// a newer binary updates them.
	SourceShipped = "shipped"
	// SourceEdited articles were written, changed or imported by an
	// editor; shipped content never overwrites them.
	SourceEdited = "edited"
)

// dateLayout is how front matter writes review_by.
const dateLayout = "2006-01-02"

var idPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// ValidID reports whether id is a topic id: kebab-case letters and digits.
func ValidID(id string) bool { return len(id) <= MaxID && idPattern.MatchString(id) }

// reservedIDs are paths under /help that are pages, not articles.
func reservedIDs() []string { return []string{"new", "gaps", "preview", "search"} }

// Draft is an article as an editor or a file writes it: front matter and
// markdown body.
type Draft struct {
	ID       string
	Title    string
	Kind     Kind
	Keywords []string
	Runbook  bool
	Owner    string
	// ReviewBy is the date (UTC midnight) after which a runbook is stale.
	ReviewBy time.Time
	Body     string
}

// frontMatter is the YAML at the top of an article file.
type frontMatter struct {
	ID       string   `yaml:"id"`
	Title    string   `yaml:"title"`
	Kind     string   `yaml:"kind"`
	Keywords []string `yaml:"keywords"`
	Runbook  bool     `yaml:"runbook"`
	Owner    string   `yaml:"owner"`
	ReviewBy string   `yaml:"review_by"`
}

// Parse reads an article file: a YAML front matter block between "---"
// lines, then the markdown body. The draft is validated.
func Parse(src []byte) (Draft, error) {
	src = bytes.TrimPrefix(src, []byte("\ufeff"))
	text := strings.ReplaceAll(string(src), "\r\n", "\n")
	if !strings.HasPrefix(text, "---\n") {
		return Draft{}, fmt.Errorf("no front matter: the file must start with a line \"---\", the YAML fields, and another \"---\"")
	}
	rest := text[len("---\n"):]
	end := strings.Index(rest, "\n---\n")
	body := ""
	switch {
	case end >= 0:
		body = rest[end+len("\n---\n"):]
	case strings.HasSuffix(rest, "\n---"):
		end = len(rest) - len("\n---")
	default:
		return Draft{}, fmt.Errorf("front matter is not closed: add a line \"---\" after the YAML fields")
	}
	var fm frontMatter
	dec := yaml.NewDecoder(strings.NewReader(rest[:end]))
	dec.KnownFields(true)
	if err := dec.Decode(&fm); err != nil {
		return Draft{}, fmt.Errorf("front matter: %w", err)
	}
	d := Draft{ID: fm.ID, Title: fm.Title, Kind: Kind(fm.Kind), Keywords: fm.Keywords, Runbook: fm.Runbook,
		Owner: fm.Owner, Body: body}
	if strings.TrimSpace(fm.ReviewBy) != "" {
		t, err := time.Parse(dateLayout, strings.TrimSpace(fm.ReviewBy))
		if err != nil {
			return Draft{}, fmt.Errorf("front matter: review_by %q is not a date written YYYY-MM-DD", fm.ReviewBy)
		}
		d.ReviewBy = t
	}
	if err := d.Normalize(); err != nil {
		return Draft{}, err
	}
	return d, nil
}

// Normalize trims the draft and reports every problem with it at once, as
// validation.Errors keyed by front matter field.
func (d *Draft) Normalize() error {
	d.ID = strings.TrimSpace(d.ID)
	d.Title = strings.TrimSpace(d.Title)
	d.Kind = Kind(strings.TrimSpace(string(d.Kind)))
	d.Owner = strings.TrimSpace(d.Owner)
	d.Body = strings.ReplaceAll(d.Body, "\r\n", "\n")
	var kw []string
	for _, k := range d.Keywords {
		if k = strings.TrimSpace(k); k != "" && !slices.Contains(kw, k) {
			kw = append(kw, k)
		}
	}
	d.Keywords = kw
	if !d.ReviewBy.IsZero() {
		y, m, day := d.ReviewBy.Date()
		d.ReviewBy = time.Date(y, m, day, 0, 0, 0, 0, time.UTC)
	}
	errs := validation.Errors{}
	errs.Required("id", d.ID)
	if d.ID != "" && !ValidID(d.ID) {
		errs.Add("id", "must be kebab-case letters and digits (like chatwoot-health), at most %d characters", MaxID)
	}
	if slices.Contains(reservedIDs(), d.ID) {
		errs.Add("id", "%s names a Help Center page; choose another id", d.ID)
	}
	errs.Required("title", d.Title)
	errs.MaxLen("title", d.Title, MaxTitle)
	errs.Required("kind", string(d.Kind))
	if d.Kind != "" && !slices.Contains(Kinds(), d.Kind) {
		errs.Add("kind", "must be one of tutorial, how-to, reference, explanation")
	}
	if len(d.Keywords) > MaxKeywords {
		errs.Add("keywords", "at most %d keywords", MaxKeywords)
	}
	for _, k := range d.Keywords {
		if len([]rune(k)) > MaxKeyword {
			errs.Add("keywords", "each keyword at most %d characters", MaxKeyword)
			break
		}
	}
	errs.MaxLen("owner", d.Owner, MaxOwner)
	if d.Runbook {
		errs.Required("owner", d.Owner)
		if d.ReviewBy.IsZero() {
			errs.Add("review_by", "a runbook needs a review-by date (YYYY-MM-DD)")
		}
	}
	if strings.TrimSpace(d.Body) == "" {
		errs.Add("body", "is required")
	}
	if len(d.Body) > MaxBody {
		errs.Add("body", "at most %d bytes", MaxBody)
	}
	return errs.Err()
}

// Article is an article as stored.
type Article struct {
	Draft
	// HTML is the rendered, sanitised body.
	HTML      string
	Sections  []Section
	Source    string
	UpdatedAt time.Time
	UpdatedBy string
	// Version counts changes; an edit must name the version it started
	// from.
	Version int64
	// Stale is set for runbooks past their review-by date.
	Stale bool

	// shippedHash identifies the shipped file the text came from ("" for
	// an editor's text).
	shippedHash string
}

// SafeHTML is the rendered body for a page: sanitised when it was stored.
func (a *Article) SafeHTML() template.HTML {
	return template.HTML(a.HTML) // #nosec G203 -- rendered without raw HTML and sanitised by the Renderer
}

// IsStale reports whether a runbook's review-by date has passed at now:
// it is stale from the day after that date (UTC).
func IsStale(runbook bool, reviewBy, now time.Time) bool {
	return runbook && !reviewBy.IsZero() && !now.UTC().Before(reviewBy.AddDate(0, 0, 1))
}

// Section is one heading of an article and the text under it, up to the
// next heading. The text before the first heading is section 0, whose
// anchor is "".
type Section struct {
	Position int
	Anchor   string
	Heading  string
	Level    int
	// Explicit sections carry an id written {#id} after the heading: a
	// topic id other pages may link to.
	Explicit bool
	// Text is the section's plain text, for the search index.
	Text string
}

// Summary is an article as lists show it.
type Summary struct {
	ID       string
	Title    string
	Kind     Kind
	Runbook  bool
	Owner    string
	ReviewBy time.Time
	Stale    bool
	Source   string
	// UpdatedAt and UpdatedBy say who last changed it.
	UpdatedAt time.Time
	UpdatedBy string
}
