package simulator

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Errors of the scripting methods (and, as 404 and 422, of the REST API).
var (
	ErrNotFound = errors.New("simulator: not found")
	ErrInvalid  = errors.New("simulator: invalid value")
)

// snapshot holds the attributes whose change makes Chatwoot send
// conversation_updated (and, for status, conversation_status_changed).
type snapshot struct {
	status, priority   string
	assigneeID, teamID int64
	labels             []string
	snoozedUntil       time.Time
	waitingSince       time.Time
	firstReply         time.Time
	updatedAt          time.Time
}

func snap(c *conversation) snapshot {
	return snapshot{status: c.status, priority: c.priority, assigneeID: c.assigneeID, teamID: c.teamID,
		labels: slices.Clone(c.labels), snoozedUntil: c.snoozedUntil, waitingSince: c.waitingSince,
		firstReply: c.firstReplyCreatedAt, updatedAt: c.updatedAt}
}

// afterChange emits conversation_status_changed (if the status changed) and
// conversation_updated (if any tracked attribute changed), both with
// changed_attributes in Chatwoot's form: an array of single-key objects
// with previous_value and current_value, updated_at included.
func (s *Simulator) afterChange(c *conversation, before snapshot) {
	var changes []any
	add := func(attr string, prev, cur any) {
		changes = append(changes, map[string]any{attr: map[string]any{"previous_value": prev, "current_value": cur}})
	}
	if before.status != c.status {
		add("status", before.status, c.status)
	}
	if before.assigneeID != c.assigneeID {
		add("assignee_id", idOrNull(before.assigneeID), idOrNull(c.assigneeID))
	}
	if before.teamID != c.teamID {
		add("team_id", idOrNull(before.teamID), idOrNull(c.teamID))
	}
	if before.priority != c.priority {
		add("priority", strOrNull(before.priority), strOrNull(c.priority))
	}
	if !before.snoozedUntil.Equal(c.snoozedUntil) {
		add("snoozed_until", isoTime(before.snoozedUntil), isoTime(c.snoozedUntil))
	}
	if !slices.Equal(before.labels, c.labels) {
		add("label_list", nonNilStrings(before.labels), nonNilStrings(c.labels))
	}
	if !before.waitingSince.Equal(c.waitingSince) {
		add("waiting_since", isoTime(before.waitingSince), isoTime(c.waitingSince))
	}
	if !before.firstReply.Equal(c.firstReplyCreatedAt) {
		add("first_reply_created_at", isoTime(before.firstReply), isoTime(c.firstReplyCreatedAt))
	}
	if len(changes) == 0 {
		return
	}
	add("updated_at", isoTime(before.updatedAt), isoTime(c.updatedAt))
	if before.status != c.status {
		p := s.conversationWebhook(c)
		p["changed_attributes"] = changes
		s.emit("conversation_status_changed", p)
	}
	p := s.conversationWebhook(c)
	p["changed_attributes"] = changes
	s.emit("conversation_updated", p)
}

func nonNilStrings(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}

func (s *Simulator) conv(id int64) (*conversation, error) {
	c, ok := s.convs[id]
	if !ok {
		return nil, fmt.Errorf("%w: conversation %d", ErrNotFound, id)
	}
	return c, nil
}

// actor resolves an agent id; 0 means fallback.
func (s *Simulator) actor(id int64, fallback int64) (*agent, error) {
	if id == 0 {
		id = fallback
	}
	if id == 0 {
		id = s.profileID
	}
	a := s.agentByID(id)
	if a == nil {
		return nil, fmt.Errorf("%w: agent %d", ErrNotFound, id)
	}
	return a, nil
}

// addMessage appends m to c and, unless it is an activity message, emits
// message_created. Caller has set every field but id and times.
func (s *Simulator) addMessage(c *conversation, m *message, now time.Time) {
	m.id = s.nextMsg
	s.nextMsg++
	m.convID = c.id
	m.createdAt, m.updatedAt = now, now
	if m.status == "" {
		m.status = "sent"
	}
	if m.contentType == "" {
		m.contentType = "text"
	}
	if m.contentAttrs == nil {
		m.contentAttrs = map[string]any{}
	}
	c.messages = append(c.messages, m)
	c.updatedAt = now
	if m.msgType != msgActivity {
		c.lastActivityAt = now
		s.emit("message_created", s.messageWebhook(c, m))
	}
}

func (s *Simulator) activity(c *conversation, now time.Time, format string, args ...any) {
	s.addMessage(c, &message{msgType: msgActivity, content: fmt.Sprintf(format, args...)}, now)
}

// NewConversation starts a conversation in an inbox with a first customer
// message, as a customer writing in does: conversation_created, then
// message_created. contactID 0 makes a new contact (contact_created). It
// returns the display id.
func (s *Simulator) NewConversation(inboxID, contactID int64, text string) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.newConversation(inboxID, contactID, text)
}

func (s *Simulator) newConversation(inboxID, contactID int64, text string) (int64, error) {
	ib, ok := s.inboxes[inboxID]
	if !ok {
		return 0, fmt.Errorf("%w: inbox %d", ErrNotFound, inboxID)
	}
	if strings.TrimSpace(text) == "" {
		return 0, fmt.Errorf("%w: empty message", ErrInvalid)
	}
	now := s.now()
	var ct *contact
	if contactID == 0 {
		ct = s.newContact(now)
		p := s.contactWebhook(ct)
		s.emit("contact_created", p)
	} else if ct = s.contacts[contactID]; ct == nil {
		return 0, fmt.Errorf("%w: contact %d", ErrNotFound, contactID)
	}
	ct.lastActivityAt = now
	c := &conversation{
		id:                s.nextConv,
		uuid:              s.uuid(),
		inboxID:           ib.id,
		contactID:         ct.id,
		contactInboxID:    s.nextCI,
		pubsubToken:       strings.ReplaceAll(s.uuid(), "-", "")[:24],
		status:            "open",
		createdAt:         now,
		updatedAt:         now,
		lastActivityAt:    now,
		waitingSince:      now,
		contactLastSeenAt: now,
		custom:            map[string]any{},
		additional:        map[string]any{},
	}
	s.nextConv++
	s.nextCI++
	switch ib.channelType {
	case "Channel::Email":
		c.sourceID = ct.email
		c.additional["mail_subject"] = subjectFor(text)
		c.additional["source"] = "email"
	case "Channel::Whatsapp", "Channel::TwilioSms":
		c.sourceID = ct.phone
	case "Channel::WebWidget":
		c.sourceID = s.uuid()
		browser := browsers[s.rng.IntN(len(browsers))]
		c.additional["browser"] = map[string]any{"browser_name": browser[0], "browser_version": browser[1],
			"device_name": "Unknown", "platform_name": browser[2], "platform_version": ""}
		c.additional["referer"] = ib.websiteURL + referers[s.rng.IntN(len(referers))]
		c.additional["initiated_at"] = map[string]any{"timestamp": now.Format("Mon Jan 02 2006 15:04:05 GMT-0700")}
		c.additional["browser_language"] = "en"
	default:
		c.sourceID = s.uuid()
	}
	if plan, ok := ct.custom["plan"]; ok && plan == "enterprise" {
		c.custom["account_tier"] = "gold"
	}
	s.convs[c.id] = c
	s.convOrder = append(s.convOrder, c.id)
	s.emit("conversation_created", s.conversationWebhook(c))
	c.unreadCount = 1
	s.addMessage(c, s.incoming(c, ct, ib, text), now)
	return c.id, nil
}

func (s *Simulator) incoming(c *conversation, ct *contact, ib *inbox, text string) *message {
	m := &message{msgType: msgIncoming, content: text, senderType: "Contact", senderID: ct.id}
	switch ib.channelType {
	case "Channel::Email":
		m.contentType = "incoming_email"
		subject, _ := c.additional["mail_subject"].(string)
		m.contentAttrs = map[string]any{"email": map[string]any{"subject": "Re: " + subject, "from": []string{ct.email}}}
		m.sourceID = fmt.Sprintf("<msg-%d@%s>", s.nextMsg, strings.SplitN(ct.email, "@", 2)[1])
	case "Channel::Whatsapp":
		m.sourceID = fmt.Sprintf("wamid.SIM%d", s.nextMsg)
	case "Channel::TwilioSms":
		m.sourceID = fmt.Sprintf("SM%032d", s.nextMsg)
	}
	return m
}

// CustomerMessage adds a message from the conversation's contact. A resolved
// or snoozed conversation reopens (conversation_status_changed and
// conversation_updated); one not already waiting starts waiting
// (conversation_updated on waiting_since). It returns the message id.
func (s *Simulator) CustomerMessage(displayID int64, text string) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.customerMessage(displayID, text)
}

func (s *Simulator) customerMessage(displayID int64, text string) (int64, error) {
	c, err := s.conv(displayID)
	if err != nil {
		return 0, err
	}
	if strings.TrimSpace(text) == "" {
		return 0, fmt.Errorf("%w: empty message", ErrInvalid)
	}
	before := snap(c)
	now := s.now()
	ct := s.contacts[c.contactID]
	ct.lastActivityAt = now
	c.unreadCount++
	c.contactLastSeenAt = now
	if c.waitingSince.IsZero() {
		c.waitingSince = now
	}
	if c.status == "resolved" || c.status == "snoozed" {
		c.status = "open"
		c.snoozedUntil = time.Time{}
	}
	m := s.incoming(c, ct, s.inboxes[c.inboxID], text)
	s.addMessage(c, m, now)
	s.afterChange(c, before)
	return m.id, nil
}

// AgentReply adds a public reply by an agent (0: the assignee, else the
// token's user). The first one sets first_reply_created_at; every one ends
// the wait (waiting_since), so conversation_updated follows
// message_created. It returns the message id.
func (s *Simulator) AgentReply(displayID, agentID int64, text string) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.agentMessage(displayID, agentID, text, false, nil)
}

// PrivateNote adds a private note by an agent (0: the assignee, else the
// token's user). Notes change no SLA attribute: only message_created is
// sent. It returns the message id.
func (s *Simulator) PrivateNote(displayID, agentID int64, text string) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.agentMessage(displayID, agentID, text, true, nil)
}

func (s *Simulator) agentMessage(displayID, agentID int64, text string, private bool, attrs map[string]any) (int64, error) {
	c, err := s.conv(displayID)
	if err != nil {
		return 0, err
	}
	a, err := s.actor(agentID, c.assigneeID)
	if err != nil {
		return 0, err
	}
	if strings.TrimSpace(text) == "" {
		return 0, fmt.Errorf("%w: empty message", ErrInvalid)
	}
	before := snap(c)
	now := s.now()
	c.agentLastSeenAt = now
	if a.id == c.assigneeID {
		c.assigneeLastSeenAt = now
	}
	m := &message{msgType: msgOutgoing, private: private, content: text, senderType: "User", senderID: a.id, contentAttrs: attrs}
	if !private {
		c.unreadCount = 0
		if c.firstReplyCreatedAt.IsZero() {
			c.firstReplyCreatedAt = now
		}
		c.waitingSince = time.Time{}
		if s.inboxes[c.inboxID].channelType == "Channel::Email" {
			m.contentAttrs = map[string]any{"email": map[string]any{"subject": "Re: " + fmt.Sprint(c.additional["mail_subject"])}}
			for k, v := range attrs {
				m.contentAttrs[k] = v
			}
		}
	}
	s.addMessage(c, m, now)
	s.afterChange(c, before)
	return m.id, nil
}

// UpdateMessage edits a message's content (message_updated).
func (s *Simulator) UpdateMessage(displayID, messageID int64, text string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.conv(displayID)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(c.messages, func(m *message) bool { return m.id == messageID })
	if i < 0 || c.messages[i].msgType == msgActivity {
		return fmt.Errorf("%w: message %d", ErrNotFound, messageID)
	}
	m := c.messages[i]
	now := s.now()
	m.content = text
	m.updatedAt = now
	m.contentAttrs["is_edited"] = true
	c.updatedAt = now
	s.emit("message_updated", s.messageWebhook(c, m))
	return nil
}

// SetStatus changes a conversation's status (open, resolved, pending,
// snoozed) as the token's user. snoozedUntil applies to
// snoozed (zero: until the next customer message). Resolving ends the wait.
// A real change sends conversation_status_changed then
// conversation_updated, and adds an activity message.
func (s *Simulator) SetStatus(displayID int64, status string, snoozedUntil time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.setStatus(displayID, s.profileID, status, snoozedUntil)
}

func (s *Simulator) setStatus(displayID, agentID int64, status string, snoozedUntil time.Time) error {
	c, err := s.conv(displayID)
	if err != nil {
		return err
	}
	switch status {
	case "open", "resolved", "pending", "snoozed":
	default:
		return fmt.Errorf("%w: status %q", ErrInvalid, status)
	}
	a, err := s.actor(agentID, 0)
	if err != nil {
		return err
	}
	before := snap(c)
	until := time.Time{}
	if status == "snoozed" {
		until = snoozedUntil.UTC().Truncate(time.Second)
	}
	if c.status == status && c.snoozedUntil.Equal(until) {
		return nil
	}
	now := s.now()
	c.status = status
	c.snoozedUntil = until
	if status == "resolved" {
		c.waitingSince = time.Time{}
	}
	c.updatedAt = now
	switch status {
	case "resolved":
		s.activity(c, now, "Conversation was marked resolved by %s", a.name)
	case "open":
		s.activity(c, now, "Conversation was reopened by %s", a.name)
	case "pending":
		s.activity(c, now, "Conversation was marked as pending by %s", a.name)
	case "snoozed":
		if until.IsZero() {
			s.activity(c, now, "Conversation was snoozed until next reply by %s", a.name)
		} else {
			s.activity(c, now, "Conversation was snoozed until %s by %s", until.Format("Mon Jan 2 15:04 MST"), a.name)
		}
	}
	s.afterChange(c, before)
	return nil
}

// Tick reopens snoozed conversations whose snoozed_until has passed, as
// Chatwoot's periodic job does.
func (s *Simulator) Tick() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	for _, id := range s.convOrder {
		c := s.convs[id]
		if c.status == "snoozed" && !c.snoozedUntil.IsZero() && !c.snoozedUntil.After(now) {
			before := snap(c)
			t := s.now()
			c.status, c.snoozedUntil, c.updatedAt = "open", time.Time{}, t
			s.activity(c, t, "Conversation was reopened automatically after snooze")
			s.afterChange(c, before)
		}
	}
}

// SetPriority sets a conversation's priority (urgent, high, medium, low;
// "" or "none" clears it).
func (s *Simulator) SetPriority(displayID int64, priority string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.setPriority(displayID, s.profileID, priority)
}

func (s *Simulator) setPriority(displayID, agentID int64, priority string) error {
	c, err := s.conv(displayID)
	if err != nil {
		return err
	}
	switch priority {
	case "none":
		priority = ""
	case "", "low", "medium", "high", "urgent":
	default:
		return fmt.Errorf("%w: priority %q", ErrInvalid, priority)
	}
	a, err := s.actor(agentID, 0)
	if err != nil {
		return err
	}
	if c.priority == priority {
		return nil
	}
	before := snap(c)
	now := s.now()
	c.priority = priority
	c.updatedAt = now
	if priority == "" {
		s.activity(c, now, "%s removed the priority", a.name)
	} else {
		s.activity(c, now, "%s set the priority to %s", a.name, priority)
	}
	s.afterChange(c, before)
	return nil
}

// AssignAgent assigns a conversation to an agent (0 unassigns).
func (s *Simulator) AssignAgent(displayID, agentID int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.assignAgent(displayID, s.profileID, agentID)
}

func (s *Simulator) assignAgent(displayID, actorID, agentID int64) error {
	c, err := s.conv(displayID)
	if err != nil {
		return err
	}
	by, err := s.actor(actorID, 0)
	if err != nil {
		return err
	}
	var to *agent
	if agentID != 0 {
		if to = s.agentByID(agentID); to == nil {
			return fmt.Errorf("%w: agent %d", ErrNotFound, agentID)
		}
	}
	if c.assigneeID == agentID {
		return nil
	}
	before := snap(c)
	now := s.now()
	c.assigneeID = agentID
	c.updatedAt = now
	switch {
	case to == nil:
		s.activity(c, now, "Conversation unassigned by %s", by.name)
	case to.id == by.id:
		s.activity(c, now, "%s self-assigned this conversation", by.name)
	default:
		s.activity(c, now, "Assigned to %s by %s", to.name, by.name)
	}
	s.afterChange(c, before)
	return nil
}

// AssignTeam assigns a conversation to a team (0 removes the team).
func (s *Simulator) AssignTeam(displayID, teamID int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.assignTeam(displayID, s.profileID, teamID)
}

func (s *Simulator) assignTeam(displayID, actorID, teamID int64) error {
	c, err := s.conv(displayID)
	if err != nil {
		return err
	}
	by, err := s.actor(actorID, 0)
	if err != nil {
		return err
	}
	var to *team
	if teamID != 0 {
		if to = s.teamByID(teamID); to == nil {
			return fmt.Errorf("%w: team %d", ErrNotFound, teamID)
		}
	}
	if c.teamID == teamID {
		return nil
	}
	before := snap(c)
	prev := s.teamByID(c.teamID)
	now := s.now()
	c.teamID = teamID
	c.updatedAt = now
	if to == nil {
		s.activity(c, now, "Unassigned from %s by %s", prev.name, by.name)
	} else {
		s.activity(c, now, "Assigned to %s team by %s", to.name, by.name)
	}
	s.afterChange(c, before)
	return nil
}

// SetLabels replaces a conversation's labels, as Chatwoot's labels endpoint
// does. Unknown labels join the catalogue.
func (s *Simulator) SetLabels(displayID int64, labels ...string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err := s.setLabels(displayID, s.profileID, labels)
	return err
}

// AddLabels adds labels to a conversation, keeping the others.
func (s *Simulator) AddLabels(displayID int64, labels ...string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.conv(displayID)
	if err != nil {
		return err
	}
	_, err = s.setLabels(displayID, s.profileID, append(slices.Clone(c.labels), labels...))
	return err
}

// RemoveLabels removes labels from a conversation, keeping the others.
func (s *Simulator) RemoveLabels(displayID int64, labels ...string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.conv(displayID)
	if err != nil {
		return err
	}
	kept := slices.DeleteFunc(slices.Clone(c.labels), func(l string) bool { return slices.Contains(labels, l) })
	_, err = s.setLabels(displayID, s.profileID, kept)
	return err
}

func (s *Simulator) setLabels(displayID, actorID int64, labels []string) ([]string, error) {
	c, err := s.conv(displayID)
	if err != nil {
		return nil, err
	}
	by, err := s.actor(actorID, 0)
	if err != nil {
		return nil, err
	}
	var next []string
	for _, l := range labels {
		l = strings.ToLower(strings.TrimSpace(l))
		if l != "" && !slices.Contains(next, l) {
			next = append(next, l)
		}
	}
	if slices.Equal(next, c.labels) || (len(next) == 0 && len(c.labels) == 0) {
		return nonNilStrings(slices.Clone(c.labels)), nil
	}
	before := snap(c)
	now := s.now()
	var added, removed []string
	for _, l := range next {
		if !slices.Contains(c.labels, l) {
			added = append(added, l)
		}
		if !slices.Contains(s.labels, l) {
			s.labels = append(s.labels, l)
		}
	}
	for _, l := range c.labels {
		if !slices.Contains(next, l) {
			removed = append(removed, l)
		}
	}
	c.labels = next
	c.updatedAt = now
	if len(added) > 0 {
		s.activity(c, now, "%s added %s", by.name, strings.Join(added, ", "))
	}
	if len(removed) > 0 {
		s.activity(c, now, "%s removed %s", by.name, strings.Join(removed, ", "))
	}
	s.afterChange(c, before)
	return nonNilStrings(slices.Clone(c.labels)), nil
}
