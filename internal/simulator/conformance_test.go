package simulator_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/hotdash/hotdash/internal/simulator"
)

// testdata/chatwoot-application-openapi.yml is a copy of Chatwoot's own
// OpenAPI document for its Application API (from
// ../shared/reference/), kept here so the test runs in a fresh clone.

// routeExceptions are routes the simulator serves that the document does
// not describe.
var routeExceptions = map[string]string{
	"GET /api": "the instance health endpoint (version, queue_services, data_services) sits outside /api/v1 and the Application API document; its shape is from chatwoot.md §2",
}

// userOnly are the fields of the document's `user` schema (the profile's
// shape) that Chatwoot's agent partial, which it actually renders for an
// assignee, does not have.
var userOnly = []string{"access_token", "accounts", "avatar_url", "custom_attributes", "display_name", "hmac_identifier",
	"inviter_id", "message_signature", "provider", "pubsub_token", "type", "ui_settings", "uid"}

func prefixed(prefix string, fields []string) []string {
	out := make([]string, len(fields))
	for i, f := range fields {
		out[i] = prefix + f
	}
	return out
}

// fieldException: fields the document declares for an operation's 200
// answer that Chatwoot leaves out, so the simulator does too.
type fieldException struct {
	route  string // "METHOD path" as in Routes
	fields []string
	reason string
}

var fieldExceptions = []fieldException{
	{"GET /api/v1/profile", []string{"$.custom_attributes"},
		"Chatwoot renders custom_attributes only for users created through the platform API"},
	{"GET /api/v1/accounts/{account_id}/conversations", prefixed("$.data.payload[].meta.assignee.", userOnly),
		"meta.assignee is declared as `user` (the profile shape); Chatwoot renders the agent partial, which has none of these"},
	{"GET /api/v1/accounts/{account_id}/conversations", []string{"$.data.payload[].messages[].attachment"},
		"`message` declares `attachment`; Chatwoot sends `attachments` (an array), and only when the message has files"},
	{"GET /api/v1/accounts/{account_id}/conversations/{conversation_id}", prefixed("$.meta.assignee.", userOnly),
		"meta.assignee is declared as `user`; Chatwoot renders the agent partial"},
	{"GET /api/v1/accounts/{account_id}/conversations/{conversation_id}", []string{"$.messages[].attachment"},
		"`attachment` is `attachments`, present only with files"},
	{"GET /api/v1/accounts/{account_id}/conversations/{conversation_id}/messages", []string{"$.payload[].attachment"},
		"`attachment` is `attachments`, present only with files"},
	{"GET /api/v1/accounts/{account_id}/conversations/{conversation_id}/messages", []string{"$.payload[].sender"},
		"activity (system) messages have no sender: push data adds `sender` only when there is one"},
	{"GET /api/v1/accounts/{account_id}/conversations/{conversation_id}/messages", []string{"$.meta.contact.payload"},
		"meta.contact is declared as the contact *list* schema ({payload: [...]}); Chatwoot sends the contact object itself"},
	{"POST /api/v1/accounts/{account_id}/conversations/{conversation_id}/messages", []string{"$.attachment"},
		"`attachment` is `attachments`, present only with files"},
	{"POST /api/v1/accounts/{account_id}/conversations/{conversation_id}/assignments", prefixed("$.", userOnly),
		"declared as `user`; Chatwoot answers with the agent partial (or the team, or null)"},
	{"GET /api/v1/accounts/{account_id}/inboxes", []string{"$.payload[].medium"},
		"Chatwoot renders medium only for Twilio inboxes"},
}

type openAPI struct {
	doc map[string]any
}

func loadOpenAPI(t *testing.T) openAPI {
	t.Helper()
	raw, err := os.ReadFile("testdata/chatwoot-application-openapi.yml")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("parse the OpenAPI document: %v", err)
	}
	return openAPI{doc: doc}
}

func (o openAPI) operation(method, path string) (map[string]any, bool) {
	paths, _ := o.doc["paths"].(map[string]any)
	item, _ := paths[path].(map[string]any)
	op, ok := item[strings.ToLower(method)].(map[string]any)
	return op, ok
}

// resolve follows a local $ref ("#/components/schemas/x").
func (o openAPI) resolve(t *testing.T, schema map[string]any) map[string]any {
	for i := 0; i < 10; i++ {
		ref, ok := schema["$ref"].(string)
		if !ok {
			return schema
		}
		if !strings.HasPrefix(ref, "#/") {
			t.Fatalf("non-local $ref %q", ref)
		}
		var node any = o.doc
		for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			m, _ := node.(map[string]any)
			node = m[part]
		}
		next, ok := node.(map[string]any)
		if !ok {
			t.Fatalf("unresolvable $ref %q", ref)
		}
		schema = next
	}
	t.Fatal("$ref chain too long")
	return nil
}

// responseSchema is the operation's 200 application/json schema, if any.
func responseSchema(op map[string]any) (map[string]any, bool) {
	responses, _ := op["responses"].(map[string]any)
	ok200, _ := responses["200"].(map[string]any)
	content, _ := ok200["content"].(map[string]any)
	js, _ := content["application/json"].(map[string]any)
	schema, ok := js["schema"].(map[string]any)
	return schema, ok
}

// missing walks value along schema and records every declared property
// that is absent, by path ("$.data.payload[].meta.assignee.id"). Null
// values and oneOf/anyOf alternatives are not descended into.
func (o openAPI) missing(t *testing.T, schema map[string]any, value any, path string, out map[string]bool) {
	schema = o.resolve(t, schema)
	if value == nil {
		return
	}
	if all, ok := schema["allOf"].([]any); ok {
		for _, sub := range all {
			if m, ok := sub.(map[string]any); ok {
				o.missing(t, m, value, path, out)
			}
		}
	}
	if props, ok := schema["properties"].(map[string]any); ok {
		obj, isObj := value.(map[string]any)
		if !isObj {
			out[path+" (not an object)"] = true
			return
		}
		for name, sub := range props {
			v, present := obj[name]
			if !present {
				out[path+"."+name] = true
				continue
			}
			if m, ok := sub.(map[string]any); ok {
				o.missing(t, m, v, path+"."+name, out)
			}
		}
	}
	if items, ok := schema["items"].(map[string]any); ok {
		if arr, ok := value.([]any); ok {
			for _, v := range arr {
				o.missing(t, items, v, path+"[]", out)
			}
		}
	}
}

// call makes one request to the simulator and decodes the JSON answer.
func call(t *testing.T, h http.Handler, method, path, body string) (int, any) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	req.Header.Set("api_access_token", "conformance-token")
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var v any
	if b := bytes.TrimSpace(rec.Body.Bytes()); len(b) > 0 {
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatalf("%s %s: answer is not JSON: %s", method, path, b)
		}
	}
	return rec.Code, v
}

// TestOpenAPIConformance checks every route the simulator serves against
// Chatwoot's OpenAPI document: the route exists with that method, and each
// field the document declares for the 200 answer is present (recursively,
// through $ref and allOf), apart from the exceptions above.
func TestOpenAPIConformance(t *testing.T) {
	doc := loadOpenAPI(t)
	sim := newSim(t, simulator.Options{Token: "conformance-token", AccountID: 3})
	// A conversation with everything set: assignee, team, labels,
	// priority, a reply, a note and activity messages.
	email, _ := sim.InboxByChannel("Channel::Email")
	id := must(sim.NewConversation(email.ID, 0, "Your API has been returning 502 for 3 hours"))
	must(sim.AgentReply(id, 2, "Looking into it"))
	must(sim.PrivateNote(id, 2, "Related to the incident"))
	check(t, sim.AssignAgent(id, 2), sim.AssignTeam(id, 2), sim.SetLabels(id, "outage", "vip"), sim.SetPriority(id, "urgent"))
	must(sim.CustomerMessage(id, "Still failing"))
	h := sim.Handler()

	requests := map[string]struct{ path, body string }{
		"GET /api":            {"/api", ""},
		"GET /api/v1/profile": {"/api/v1/profile", ""},
		"GET /api/v1/accounts/{account_id}/conversations":                                    {"/api/v1/accounts/3/conversations?status=all", ""},
		"GET /api/v1/accounts/{account_id}/conversations/{conversation_id}":                  {"/api/v1/accounts/3/conversations/1", ""},
		"GET /api/v1/accounts/{account_id}/conversations/{conversation_id}/messages":         {"/api/v1/accounts/3/conversations/1/messages", ""},
		"POST /api/v1/accounts/{account_id}/conversations/{conversation_id}/messages":        {"/api/v1/accounts/3/conversations/1/messages", `{"content":"On it","private":false}`},
		"POST /api/v1/accounts/{account_id}/conversations/{conversation_id}/toggle_status":   {"/api/v1/accounts/3/conversations/1/toggle_status", `{"status":"pending"}`},
		"POST /api/v1/accounts/{account_id}/conversations/{conversation_id}/toggle_priority": {"/api/v1/accounts/3/conversations/1/toggle_priority", `{"priority":"high"}`},
		"POST /api/v1/accounts/{account_id}/conversations/{conversation_id}/assignments":     {"/api/v1/accounts/3/conversations/1/assignments", `{"assignee_id":3}`},
		"GET /api/v1/accounts/{account_id}/conversations/{conversation_id}/labels":           {"/api/v1/accounts/3/conversations/1/labels", ""},
		"POST /api/v1/accounts/{account_id}/conversations/{conversation_id}/labels":          {"/api/v1/accounts/3/conversations/1/labels", `{"labels":["outage","escalation"]}`},
		"GET /api/v1/accounts/{account_id}/inboxes":                                          {"/api/v1/accounts/3/inboxes", ""},
		"GET /api/v1/accounts/{account_id}/agents":                                           {"/api/v1/accounts/3/agents", ""},
		"GET /api/v1/accounts/{account_id}/teams":                                            {"/api/v1/accounts/3/teams", ""},
	}
	usedExceptions := map[int]bool{}
	for _, r := range simulator.Routes() {
		key := r.Method + " " + r.Path
		t.Run(key, func(t *testing.T) {
			req, ok := requests[key]
			if !ok {
				t.Fatalf("no request for route %s in this test", key)
			}
			code, answer := call(t, h, r.Method, req.path, req.body)
			if code != http.StatusOK {
				t.Fatalf("status %d: %v", code, answer)
			}
			op, ok := doc.operation(r.Method, r.Path)
			if reason, excepted := routeExceptions[key]; excepted {
				if ok {
					t.Errorf("%s is in the document now: remove its exception (%s)", key, reason)
				}
				return
			}
			if !ok {
				t.Fatalf("%s is not in the OpenAPI document", key)
			}
			schema, ok := responseSchema(op)
			if !ok {
				return // e.g. toggle_priority: 200 with no body declared
			}
			absent := map[string]bool{}
			doc.missing(t, schema, answer, "$", absent)
			allowed := map[string]bool{}
			for i, e := range fieldExceptions {
				if e.route == key {
					for _, f := range e.fields {
						allowed[f] = true
						if absent[f] {
							usedExceptions[i] = true
						}
					}
				}
			}
			var unexpected []string
			for f := range absent {
				if !allowed[f] {
					unexpected = append(unexpected, f)
				}
			}
			sort.Strings(unexpected)
			if len(unexpected) > 0 {
				t.Errorf("declared but absent: %s", strings.Join(unexpected, ", "))
			}
		})
	}
	// Every exception must still be needed, so the table stays true.
	for i, e := range fieldExceptions {
		if !usedExceptions[i] {
			t.Errorf("exception %q for %s is never needed: remove it", e.fields, e.route)
		}
		if !slices.ContainsFunc(simulator.Routes(), func(r simulator.Route) bool { return r.Method+" "+r.Path == e.route }) {
			t.Errorf("exception for unknown route %s", e.route)
		}
	}
}
