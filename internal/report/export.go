package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Export formats.
const (
	FormatMarkdown = "md"
	FormatCSV      = "csv"
	FormatJSON     = "json"
)

// Formats lists the export formats.
func Formats() []string { return []string{FormatMarkdown, FormatCSV, FormatJSON} }

// mdEscape keeps text from changing the Markdown around it (a customer's
// name or a search query is not markup).
func mdEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, "|", `\|`, "*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`, "]", `\]`, "<", "&lt;", ">", "&gt;", "#", `\#`, "\n", " ")
	return r.Replace(s)
}

// WriteMarkdown writes the summary as Markdown, to paste into a manager
// sync.
func (d Daily) WriteMarkdown(w io.Writer, baseURL string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Daily summary — %s\n\n", d.Date)
	fmt.Fprintf(&b, "%s to %s (%s).\n\n", d.From.Format(time.RFC3339), d.To.Format(time.RFC3339), d.TimeZone)
	b.WriteString("## Conversations\n\n| Channel | In | Resolved |\n| --- | ---: | ---: |\n")
	var in, res int
	for _, c := range d.Channels {
		fmt.Fprintf(&b, "| %s | %d | %d |\n", mdEscape(c.Channel), c.In, c.Resolved)
		in, res = in+c.In, res+c.Resolved
	}
	fmt.Fprintf(&b, "| **All** | **%d** | **%d** |\n\n", in, res)
	b.WriteString("## SLA compliance\n\n| Clock | Channel | Met | Breached | Compliance |\n| --- | --- | ---: | ---: | ---: |\n")
	for _, s := range d.SLA {
		fmt.Fprintf(&b, "| %s | %s | %d | %d | %s |\n", s.Clock, mdEscape(s.Channel), s.Met, s.Missed, s.PercentText())
	}
	fmt.Fprintf(&b, "| **All** | | **%d** | **%d** | **%s** |\n\n", d.SLATotal.Met, d.SLATotal.Missed, d.SLATotal.PercentText())
	g := d.Drafts
	fmt.Fprintf(&b, "## Drafts\n\n- Reviewed: %d\n- Graded replies: %d\n", g.Reviewed, g.Graded)
	if g.Graded > 0 {
		fmt.Fprintf(&b, "- Average grades: tone %.2f, accuracy %.2f, policy %.2f\n- Sent unedited: %.1f %%\n", g.Tone, g.Accuracy, g.Policy, g.UneditedShare*100)
	}
	b.WriteString("\n## Incidents and escalations\n\n")
	fmt.Fprintf(&b, "- Incidents opened: %s\n- Escalations: %s\n\n", countsText(d.Incidents), countsText(d.Escalations))
	b.WriteString("## Open follow-ups\n\n")
	if len(d.FollowUps) == 0 {
		b.WriteString("None.\n")
	}
	for _, f := range d.FollowUps {
		fmt.Fprintf(&b, "- [#%d](%s/decisions/%d) %s", f.DecisionID, baseURL, f.DecisionID, mdEscape(f.NextAction))
		if f.Owner != "" {
			fmt.Fprintf(&b, " — %s", mdEscape(f.Owner))
		}
		if !f.Due.IsZero() {
			fmt.Fprintf(&b, ", due %s", f.Due.Format("2006-01-02 15:04 MST"))
		}
		if f.Overdue {
			b.WriteString(" **overdue**")
		}
		if f.CustomerPromise {
			b.WriteString(" (customer promise)")
		}
		b.WriteByte('\n')
	}
	if d.DecisionID != 0 {
		fmt.Fprintf(&b, "\nSaved as Decision Log entry [#%d](%s/decisions/%d).\n", d.DecisionID, baseURL, d.DecisionID)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func countsText(cs []Count) string {
	if len(cs) == 0 {
		return "none"
	}
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = fmt.Sprintf("%s %d", c.Key, c.N)
	}
	return strings.Join(parts, ", ")
}

// WriteCSV writes the summary as rows of section, name, measure, value.
func (d Daily) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	rows := [][]string{{"section", "name", "measure", "value"}}
	add := func(sec, name, measure string, v any) {
		rows = append(rows, []string{sec, csvSafe(name), measure, fmt.Sprint(v)})
	}
	for _, c := range d.Channels {
		add("conversations", c.Channel, "in", c.In)
		add("conversations", c.Channel, "resolved", c.Resolved)
	}
	for _, s := range d.SLA {
		add("sla", s.Clock+"/"+s.Channel, "met", s.Met)
		add("sla", s.Clock+"/"+s.Channel, "breached", s.Missed)
	}
	add("sla", "all", "met", d.SLATotal.Met)
	add("sla", "all", "breached", d.SLATotal.Missed)
	add("drafts", "all", "reviewed", d.Drafts.Reviewed)
	add("drafts", "all", "graded", d.Drafts.Graded)
	add("drafts", "all", "tone", strconv.FormatFloat(d.Drafts.Tone, 'f', 2, 64))
	add("drafts", "all", "accuracy", strconv.FormatFloat(d.Drafts.Accuracy, 'f', 2, 64))
	add("drafts", "all", "policy", strconv.FormatFloat(d.Drafts.Policy, 'f', 2, 64))
	add("drafts", "all", "unedited_share", strconv.FormatFloat(d.Drafts.UneditedShare, 'f', 3, 64))
	for _, c := range d.Incidents {
		add("incidents", c.Key, "opened", c.N)
	}
	for _, c := range d.Escalations {
		add("escalations", c.Key, "reached", c.N)
	}
	for _, f := range d.FollowUps {
		add("follow_ups", "#"+strconv.FormatInt(f.DecisionID, 10)+" "+f.NextAction, "due", f.Due.Format(time.RFC3339))
	}
	if err := cw.WriteAll(rows); err != nil {
		return err
	}
	return cw.Error()
}

// csvSafe keeps a spreadsheet from reading text as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// WriteMarkdown writes the gaps report as Markdown.
func (wk Weekly) WriteMarkdown(w io.Writer, baseURL string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Weekly gaps — week of %s\n\n", wk.Week)
	fmt.Fprintf(&b, "%s to %s (%s).\n\n", wk.From.Format(time.RFC3339), wk.To.Format(time.RFC3339), wk.TimeZone)
	list := func(title string, gaps []Gap, empty string) {
		fmt.Fprintf(&b, "## %s\n\n", title)
		if len(gaps) == 0 {
			b.WriteString(empty + "\n")
		}
		for _, g := range gaps {
			fmt.Fprintf(&b, "- **%s** — %s ([fix](%s%s))\n", mdEscape(g.Title), mdEscape(g.Detail), baseURL, g.Fix)
		}
		b.WriteByte('\n')
	}
	list("Missing runbooks", wk.MissingRunbooks, "Every ladder level links a runbook.")
	help := "None."
	if !wk.HelpConnected {
		help = "The Help Center isn't connected, so this is not known."
	}
	list("Stale runbooks", wk.StaleRunbooks, help)
	list("Searches that found nothing", wk.ZeroResultSearches, help)
	list("Articles voted unhelpful", wk.Unhelpful, help)
	list("Repeated escalations with the same cause", wk.RepeatedCauses, "None.")
	list("Lowest-graded drafts", wk.LowestDrafts, "No graded drafts this week.")
	b.WriteString("## Weakest grading dimension\n\n")
	if wk.Weakest == nil {
		b.WriteString("No graded drafts this week.\n\n")
	} else {
		x := wk.Weakest
		fmt.Fprintf(&b, "**%s**: average %.2f against a target of %.1f over %d graded replies ([fix](%s%s)).\n\n", x.Name, x.Average, x.Target, x.Graded, baseURL, x.Fix)
	}
	b.WriteString("## SLA compliance by channel\n\n| Channel |")
	for _, d := range wk.Days {
		b.WriteString(" " + d[5:] + " |")
	}
	b.WriteString(" Week |\n| --- |" + strings.Repeat(" ---: |", len(wk.Days)+1) + "\n")
	for _, t := range wk.SLATrend {
		fmt.Fprintf(&b, "| %s |", mdEscape(t.Channel))
		for _, d := range t.Days {
			b.WriteString(" " + d.PercentText() + " |")
		}
		fmt.Fprintf(&b, " %s |\n", t.Total.PercentText())
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteCSV writes the gaps report as rows of section, title, detail,
// count, fix; then the SLA trend as section sla, channel, date, met and
// breached.
func (wk Weekly) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	rows := [][]string{{"section", "title", "detail", "count", "fix"}}
	add := func(sec string, gaps []Gap) {
		for _, g := range gaps {
			rows = append(rows, []string{sec, csvSafe(g.Title), csvSafe(g.Detail), strconv.Itoa(g.Count), g.Fix})
		}
	}
	add("missing_runbook", wk.MissingRunbooks)
	add("stale_runbook", wk.StaleRunbooks)
	add("zero_result_search", wk.ZeroResultSearches)
	add("unhelpful_article", wk.Unhelpful)
	add("repeated_escalation", wk.RepeatedCauses)
	add("lowest_graded_draft", wk.LowestDrafts)
	if x := wk.Weakest; x != nil {
		rows = append(rows, []string{"weakest_dimension", x.Name, fmt.Sprintf("average %.2f, target %.1f", x.Average, x.Target), strconv.Itoa(x.Graded), x.Fix})
	}
	for _, t := range wk.SLATrend {
		for i, d := range t.Days {
			rows = append(rows, []string{"sla", csvSafe(t.Channel), wk.Days[i], strconv.Itoa(d.Met), strconv.Itoa(d.Missed)})
		}
	}
	if err := cw.WriteAll(rows); err != nil {
		return err
	}
	return cw.Error()
}
