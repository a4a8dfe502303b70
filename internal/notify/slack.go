package notify

import (
	"context"
	"encoding/json"
	"strings"
)

// Slack's limits on block text, in characters.
const (
	slackHeaderMax  = 150
	slackSectionMax = 3000
	slackFieldMax   = 2000
)

// slackNotifier posts to a Slack incoming webhook. Slack answers 200 "ok";
// 400, 403, 404 and 410 ("invalid_payload", "action_prohibited",
// "channel_not_found", "no_service", "channel_is_archived") will not change
// on a retry; 429 and 5xx will.
type slackNotifier struct {
	poster
}

// Notify posts the message.
func (s *slackNotifier) Notify(ctx context.Context, e Envelope) Outcome {
	body, err := json.Marshal(slackPayload(e.Message))
	if err != nil {
		return Outcome{Err: err}
	}
	return s.post(ctx, body, nil, e.Now)
}

// slackMessage is an incoming webhook's body.
type slackMessage struct {
	// Text is what notifications and clients without blocks show.
	Text   string       `json:"text"`
	Blocks []slackBlock `json:"blocks"`
}

type slackBlock struct {
	Type   string      `json:"type"`
	Text   *slackText  `json:"text,omitempty"`
	Fields []slackText `json:"fields,omitempty"`
}

type slackText struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// slackPayload renders m: a header with the headline, the facts as fields,
// the evidence (Details), and the links.
func slackPayload(m Message) slackMessage {
	head := Headline(m)
	msg := slackMessage{Text: slackEscape(head), Blocks: []slackBlock{
		{Type: "header", Text: &slackText{Type: "plain_text", Text: truncate(head, slackHeaderMax)}},
	}}
	var fields []slackText
	for _, f := range facts(m) {
		fields = append(fields, slackText{Type: "mrkdwn", Text: truncate("*"+f[0]+"*\n"+slackEscape(f[1]), slackFieldMax)})
	}
	if len(fields) > 0 {
		msg.Blocks = append(msg.Blocks, slackBlock{Type: "section", Fields: fields})
	}
	if d := strings.TrimSpace(m.Details); d != "" {
		msg.Blocks = append(msg.Blocks, slackSection(slackEscape(d)))
	}
	if len(m.Links) > 0 {
		links := make([]string, len(m.Links))
		for i, l := range m.Links {
			links[i] = "<" + slackURL(l.URL) + "|" + slackEscape(linkTitle(l)) + ">"
		}
		msg.Blocks = append(msg.Blocks, slackSection(strings.Join(links, " · ")))
	}
	return msg
}

func slackSection(mrkdwn string) slackBlock {
	return slackBlock{Type: "section", Text: &slackText{Type: "mrkdwn", Text: truncate(mrkdwn, slackSectionMax)}}
}

// slackEscape escapes the three characters Slack's mrkdwn gives meaning
// (so text cannot mention @channel or forge a link).
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// slackURL keeps a URL from ending the <url|title> form early.
func slackURL(s string) string {
	return strings.NewReplacer("|", "%7C", "<", "%3C", ">", "%3E", " ", "%20").Replace(s)
}
