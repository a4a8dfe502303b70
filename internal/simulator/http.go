package simulator

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Route is one REST route the simulator serves, written as in Chatwoot's
// OpenAPI document (and as http.ServeMux patterns).
type Route struct {
	Method string
	Path   string
}

const (
	acct = "/api/v1/accounts/{account_id}"
	conv = acct + "/conversations/{conversation_id}"
)

// Routes lists the REST subset the simulator serves.
func Routes() []Route {
	return []Route{
		{"GET", "/api"},
		{"GET", "/api/v1/profile"},
		{"GET", acct + "/conversations"},
		{"GET", conv},
		{"GET", conv + "/messages"},
		{"POST", conv + "/messages"},
		{"POST", conv + "/toggle_status"},
		{"POST", conv + "/toggle_priority"},
		{"POST", conv + "/assignments"},
		{"GET", conv + "/labels"},
		{"POST", conv + "/labels"},
		{"GET", acct + "/inboxes"},
		{"GET", acct + "/agents"},
		{"GET", acct + "/teams"},
	}
}

// ---- faults ----

// FailNext makes the next n REST requests fail with status (e.g. 500, 503,
// 429) before reaching the API. A 429 carries "Retry-After: 1".
func (s *Simulator) FailNext(n, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.failNext, s.faults.failStatus = n, status
}

// SetLatency delays every REST answer by d (0 removes it).
func (s *Simulator) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.latency = d
}

// SetQueueFailing makes GET /api report queue_services "failing" (still
// with status 200, as Chatwoot does).
func (s *Simulator) SetQueueFailing(failing bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.queueFailing = failing
}

// SetDown makes every REST request fail at the connection level: the
// simulator closes it without answering.
func (s *Simulator) SetDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.down = down
}

// Requests returns how many REST requests have arrived (faulted ones
// included).
func (s *Simulator) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults.requests
}

// ---- handler ----

// Handler serves the REST routes of Routes.
func (s *Simulator) Handler() http.Handler {
	mux := http.NewServeMux()
	handlers := map[string]func(http.ResponseWriter, *http.Request){
		"GET /api":                          s.health,
		"GET /api/v1/profile":               s.authed(s.profile),
		"GET " + acct + "/conversations":    s.account(s.listConversations),
		"GET " + conv:                       s.account(s.showConversation),
		"GET " + conv + "/messages":         s.account(s.listMessages),
		"POST " + conv + "/messages":        s.account(s.createMessage),
		"POST " + conv + "/toggle_status":   s.account(s.toggleStatus),
		"POST " + conv + "/toggle_priority": s.account(s.togglePriority),
		"POST " + conv + "/assignments":     s.account(s.assign),
		"GET " + conv + "/labels":           s.account(s.getLabels),
		"POST " + conv + "/labels":          s.account(s.postLabels),
		"GET " + acct + "/inboxes":          s.account(s.listInboxes),
		"GET " + acct + "/agents":           s.account(s.listAgents),
		"GET " + acct + "/teams":            s.account(s.listTeams),
	}
	for _, r := range Routes() {
		h, ok := handlers[r.Method+" "+r.Path]
		if !ok {
			panic("simulator: no handler for " + r.Method + " " + r.Path)
		}
		mux.HandleFunc(r.Method+" "+r.Path, h)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]any{"error": "Resource could not be found"})
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.faults.requests++
		f := s.faults
		if s.faults.failNext > 0 {
			s.faults.failNext--
		}
		s.mu.Unlock()
		if f.down {
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					_ = conn.Close()
					return
				}
			}
			panic(http.ErrAbortHandler)
		}
		if f.latency > 0 {
			t := time.NewTimer(f.latency)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
		if f.failNext > 0 {
			if f.failStatus == http.StatusTooManyRequests {
				w.Header().Set("Retry-After", "1")
			}
			writeJSON(w, f.failStatus, map[string]any{"error": "simulated failure"})
			return
		}
		mux.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(mustJSON(v))
}

// authed checks the api_access_token header as Chatwoot does.
func (s *Simulator) authed(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok := r.Header.Get("api_access_token")
		switch {
		case tok == "":
			writeJSON(w, http.StatusUnauthorized, map[string]any{"errors": []string{"You need to sign in or sign up before continuing."}})
		case tok != s.token:
			writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "Invalid Access Token"})
		default:
			h(w, r)
		}
	}
}

// account is authed plus the {account_id} check.
func (s *Simulator) account(h http.HandlerFunc) http.HandlerFunc {
	return s.authed(func(w http.ResponseWriter, r *http.Request) {
		if id, err := strconv.ParseInt(r.PathValue("account_id"), 10, 64); err != nil || id != s.accountID {
			writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "You are not authorized to access this account"})
			return
		}
		h(w, r)
	})
}

func writeErr(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, ErrNotFound):
		writeJSON(w, http.StatusNotFound, map[string]any{"error": "Resource could not be found"})
	case errors.Is(err, ErrInvalid):
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"error": strings.TrimPrefix(err.Error(), "simulator: ")})
	default:
		writeJSON(w, http.StatusInternalServerError, map[string]any{"error": "internal error"})
	}
}

func convID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("conversation_id"), 10, 64)
	if err != nil {
		return 0, ErrNotFound
	}
	return id, nil
}

// readBody decodes a JSON object body (at most 1 MiB).
func readBody(w http.ResponseWriter, r *http.Request) (map[string]any, bool) {
	b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "unreadable body"})
		return nil, false
	}
	body := map[string]any{}
	if len(strings.TrimSpace(string(b))) == 0 {
		return body, true
	}
	if err := json.Unmarshal(b, &body); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "malformed JSON"})
		return nil, false
	}
	return body, true
}

func (s *Simulator) health(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	queue := "ok"
	if s.faults.queueFailing {
		queue = "failing"
	}
	now := s.clock.Now().UTC()
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"version": s.version, "timestamp": now.Format("2006-01-02 15:04:05"),
		"queue_services": queue, "data_services": "ok"})
}

func (s *Simulator) profile(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	p := s.profileJSON(s.agentByID(s.profileID))
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, p)
}

func (s *Simulator) listConversations(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	status := q.Get("status")
	switch status {
	case "":
		status = "open"
	case "all", "open", "resolved", "pending", "snoozed":
	default:
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"error": "invalid status"})
		return
	}
	inboxID, _ := strconv.ParseInt(q.Get("inbox_id"), 10, 64)
	teamID, _ := strconv.ParseInt(q.Get("team_id"), 10, 64)
	labels := append(q["labels[]"], q["labels"]...)
	page, _ := strconv.Atoi(q.Get("page"))
	if page < 1 {
		page = 1
	}
	within, hasWithin := int64(0), q.Get("updated_within") != ""
	if hasWithin {
		within, _ = strconv.ParseInt(q.Get("updated_within"), 10, 64)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	var matched []*conversation
	for _, id := range s.convOrder {
		c := s.convs[id]
		if status != "all" && c.status != status {
			continue
		}
		if inboxID > 0 && c.inboxID != inboxID || teamID > 0 && c.teamID != teamID {
			continue
		}
		if len(labels) > 0 && !anyLabel(c.labels, labels) {
			continue
		}
		if hasWithin && !c.updatedAt.After(now.Add(-time.Duration(within)*time.Second)) {
			continue
		}
		matched = append(matched, c)
	}
	var counts struct{ mine, unassigned, assigned, all int }
	var listed []*conversation
	for _, c := range matched {
		counts.all++
		if c.assigneeID == 0 {
			counts.unassigned++
		} else {
			counts.assigned++
		}
		if c.assigneeID == s.profileID {
			counts.mine++
		}
		switch q.Get("assignee_type") {
		case "me":
			if c.assigneeID != s.profileID {
				continue
			}
		case "unassigned":
			if c.assigneeID != 0 {
				continue
			}
		case "assigned":
			if c.assigneeID == 0 {
				continue
			}
		}
		listed = append(listed, c)
	}
	sort.SliceStable(listed, func(i, j int) bool {
		if !listed[i].lastActivityAt.Equal(listed[j].lastActivityAt) {
			return listed[i].lastActivityAt.After(listed[j].lastActivityAt)
		}
		return listed[i].id > listed[j].id
	})
	if !hasWithin { // updated_within answers are not paginated
		start := min((page-1)*pageSize, len(listed))
		listed = listed[start:min(start+pageSize, len(listed))]
	}
	payload := make([]any, 0, len(listed))
	for _, c := range listed {
		payload = append(payload, s.conversationREST(c))
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{
		"meta": map[string]any{"mine_count": counts.mine, "unassigned_count": counts.unassigned,
			"assigned_count": counts.assigned, "all_count": counts.all},
		"payload": payload,
	}})
}

const pageSize = 25

func anyLabel(have, want []string) bool {
	for _, w := range want {
		for _, h := range have {
			if h == w {
				return true
			}
		}
	}
	return false
}

func (s *Simulator) showConversation(w http.ResponseWriter, r *http.Request) {
	id, err := convID(r)
	if err != nil {
		writeErr(w, err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.conv(id)
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, s.conversationREST(c))
}

func (s *Simulator) listMessages(w http.ResponseWriter, r *http.Request) {
	id, err := convID(r)
	if err != nil {
		writeErr(w, err)
		return
	}
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.conv(id)
	if err != nil {
		writeErr(w, err)
		return
	}
	var sel []*message
	switch {
	case after > 0:
		for _, m := range c.messages {
			if m.id > after && len(sel) < 100 {
				sel = append(sel, m)
			}
		}
	default:
		for _, m := range c.messages {
			if before <= 0 || m.id < before {
				sel = append(sel, m)
			}
		}
		sel = sel[max(0, len(sel)-20):]
	}
	payload := make([]any, 0, len(sel))
	for _, m := range sel {
		payload = append(payload, s.messagePush(c, m))
	}
	var assignee any
	if a := s.agentByID(c.assigneeID); a != nil {
		assignee = s.agentJSON(a)
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"meta": map[string]any{
			"labels":                nonNilStrings(c.labels),
			"additional_attributes": cloneMap(c.additional),
			"contact":               s.contactPush(s.contacts[c.contactID]),
			"assignee":              assignee,
			"agent_last_seen_at":    isoTime(c.agentLastSeenAt),
			"assignee_last_seen_at": isoTime(c.assigneeLastSeenAt),
		},
		"payload": payload,
	})
}

func (s *Simulator) createMessage(w http.ResponseWriter, r *http.Request) {
	id, err := convID(r)
	if err != nil {
		writeErr(w, err)
		return
	}
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	content, _ := body["content"].(string)
	if strings.TrimSpace(content) == "" {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"error": "Content can't be blank"})
		return
	}
	private := false
	switch v := body["private"].(type) {
	case bool:
		private = v
	case string:
		private, _ = strconv.ParseBool(v)
	}
	attrs, _ := body["content_attributes"].(map[string]any)
	msgType, _ := body["message_type"].(string)
	s.mu.Lock()
	defer s.mu.Unlock()
	var msgID int64
	switch msgType {
	case "", "outgoing":
		msgID, err = s.agentMessage(id, s.profileID, content, private, attrs)
	case "incoming":
		msgID, err = s.customerMessage(id, content)
	default:
		err = ErrInvalid
	}
	if err != nil {
		writeErr(w, err)
		return
	}
	c := s.convs[id]
	for _, m := range c.messages {
		if m.id == msgID {
			writeJSON(w, http.StatusOK, s.messagePush(c, m))
			return
		}
	}
}

func (s *Simulator) toggleStatus(w http.ResponseWriter, r *http.Request) {
	id, err := convID(r)
	if err != nil {
		writeErr(w, err)
		return
	}
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	status, _ := body["status"].(string)
	var until time.Time
	switch v := body["snoozed_until"].(type) {
	case float64:
		until = time.Unix(int64(v), 0)
	case string:
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			until = time.Unix(n, 0)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.conv(id)
	if err != nil {
		writeErr(w, err)
		return
	}
	if status == "" { // no status: toggle between open and resolved
		status = "resolved"
		if c.status == "resolved" {
			status = "open"
		}
	}
	if err := s.setStatus(id, s.profileID, status, until); err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"meta": map[string]any{},
		"payload": map[string]any{"success": true, "current_status": c.status, "conversation_id": c.id}})
}

func (s *Simulator) togglePriority(w http.ResponseWriter, r *http.Request) {
	id, err := convID(r)
	if err != nil {
		writeErr(w, err)
		return
	}
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	priority, _ := body["priority"].(string)
	if priority == "" {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"error": "priority is required"})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.setPriority(id, s.profileID, priority); err != nil {
		writeErr(w, err)
		return
	}
	w.WriteHeader(http.StatusOK)
}

func (s *Simulator) assign(w http.ResponseWriter, r *http.Request) {
	id, err := convID(r)
	if err != nil {
		writeErr(w, err)
		return
	}
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	idOf := func(v any) int64 {
		switch v := v.(type) {
		case float64:
			return int64(v)
		case string:
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if v, ok := body["assignee_id"]; ok { // assignee_id wins over team_id
		agentID := idOf(v)
		if err := s.assignAgent(id, s.profileID, agentID); err != nil {
			writeErr(w, err)
			return
		}
		if a := s.agentByID(agentID); a != nil {
			writeJSON(w, http.StatusOK, s.agentJSON(a))
			return
		}
		writeJSON(w, http.StatusOK, nil)
		return
	}
	if v, ok := body["team_id"]; ok {
		teamID := idOf(v)
		if err := s.assignTeam(id, s.profileID, teamID); err != nil {
			writeErr(w, err)
			return
		}
		if t := s.teamByID(teamID); t != nil {
			writeJSON(w, http.StatusOK, s.teamJSON(t))
			return
		}
		writeJSON(w, http.StatusOK, nil)
		return
	}
	writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"error": "assignee_id or team_id is required"})
}

func (s *Simulator) getLabels(w http.ResponseWriter, r *http.Request) {
	id, err := convID(r)
	if err != nil {
		writeErr(w, err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.conv(id)
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"payload": nonNilStrings(c.labels)})
}

func (s *Simulator) postLabels(w http.ResponseWriter, r *http.Request) {
	id, err := convID(r)
	if err != nil {
		writeErr(w, err)
		return
	}
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	raw, ok := body["labels"].([]any)
	if !ok && body["labels"] != nil {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"error": "labels must be an array"})
		return
	}
	labels := make([]string, 0, len(raw))
	for _, v := range raw {
		if l, ok := v.(string); ok {
			labels = append(labels, l)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	got, err := s.setLabels(id, s.profileID, labels)
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"payload": got})
}

func (s *Simulator) listInboxes(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	payload := make([]any, 0, len(s.inboxOrder))
	for _, id := range s.inboxOrder {
		payload = append(payload, s.inboxJSON(s.inboxes[id]))
	}
	writeJSON(w, http.StatusOK, map[string]any{"payload": payload})
}

func (s *Simulator) listAgents(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]any, 0, len(s.agents))
	for _, a := range s.agents {
		out = append(out, s.agentJSON(a))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Simulator) listTeams(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]any, 0, len(s.teams))
	for _, t := range s.teams {
		out = append(out, s.teamJSON(t))
	}
	writeJSON(w, http.StatusOK, out)
}
