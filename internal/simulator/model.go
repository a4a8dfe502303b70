package simulator

import (
	"slices"
	"strconv"
	"time"
)

// The in-memory account. Every field is guarded by Simulator.mu.

type inbox struct {
	id, channelID       int64
	name, channelType   string
	timezone            string
	workingHoursEnabled bool
	workingHours        []workingHours
	phoneNumber         string // SMS, WhatsApp
	email               string // Email
	websiteURL          string // web widget
}

type workingHours struct {
	day                      int
	closedAllDay, openAllDay bool
	openHour, openMin        int
	closeHour, closeMin      int
}

type agent struct {
	id                int64
	name, email, role string
	availability      string // online, busy, offline
	createdAt         time.Time
}

type team struct {
	id              int64
	name, desc      string
	allowAutoAssign bool
}

type contact struct {
	id                        int64
	name, email, phone, ident string
	city, country             string
	custom                    map[string]any
	createdAt, lastActivityAt time.Time
}

type conversation struct {
	id                  int64 // display id
	uuid                string
	inboxID, contactID  int64
	contactInboxID      int64
	sourceID            string
	pubsubToken         string
	status              string // open, resolved, pending, snoozed
	priority            string // "" = none
	labels              []string
	assigneeID, teamID  int64
	createdAt           time.Time
	updatedAt           time.Time
	lastActivityAt      time.Time
	waitingSince        time.Time
	firstReplyCreatedAt time.Time
	snoozedUntil        time.Time
	agentLastSeenAt     time.Time
	assigneeLastSeenAt  time.Time
	contactLastSeenAt   time.Time
	unreadCount         int
	custom              map[string]any
	additional          map[string]any
	messages            []*message
}

// Message types, as Chatwoot's integer enum.
const (
	msgIncoming = 0
	msgOutgoing = 1
	msgActivity = 2
	msgTemplate = 3
)

var messageTypeNames = [...]string{"incoming", "outgoing", "activity", "template"}

type message struct {
	id           int64
	convID       int64
	msgType      int
	private      bool
	content      string
	contentType  string
	contentAttrs map[string]any
	senderType   string // Contact, User, AgentBot, "" (activity)
	senderID     int64
	status       string
	sourceID     string
	createdAt    time.Time
	updatedAt    time.Time
}

// Time renderings. Chatwoot mixes them: ISO strings with milliseconds in
// webhooks' top-level messages and changed attributes, unix integers and a
// float updated_at in conversation payloads.

func isoTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

func unixInt(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

func unixOrNull(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Unix()
}

func unixFloat(t time.Time) float64 { return float64(t.UnixMicro()) / 1e6 }

func idOrNull(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func strOrNull(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func cloneMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// ---- renderings (caller holds mu) ----

func (s *Simulator) accountRef() map[string]any {
	return map[string]any{"id": s.accountID, "name": s.accountName}
}

func (s *Simulator) inboxRef(ib *inbox) map[string]any {
	return map[string]any{"id": ib.id, "name": ib.name}
}

// contactWebhook is Contact#webhook_data (a message's sender, contact_*
// events). It has no "type".
func (s *Simulator) contactWebhook(ct *contact) map[string]any {
	return map[string]any{
		"account":               s.accountRef(),
		"additional_attributes": map[string]any{"city": ct.city, "country": ct.country},
		"avatar":                "",
		"custom_attributes":     cloneMap(ct.custom),
		"email":                 strOrNull(ct.email),
		"id":                    ct.id,
		"identifier":            strOrNull(ct.ident),
		"name":                  ct.name,
		"phone_number":          strOrNull(ct.phone),
		"thumbnail":             "",
		"blocked":               false,
	}
}

// contactPush is the contact's push_event_data (conversation meta.sender).
func (s *Simulator) contactPush(ct *contact) map[string]any {
	return map[string]any{
		"additional_attributes": map[string]any{"city": ct.city, "country": ct.country},
		"custom_attributes":     cloneMap(ct.custom),
		"email":                 strOrNull(ct.email),
		"id":                    ct.id,
		"identifier":            strOrNull(ct.ident),
		"name":                  ct.name,
		"phone_number":          strOrNull(ct.phone),
		"thumbnail":             "",
		"blocked":               false,
		"type":                  "contact",
	}
}

// contactMeta is meta.sender in REST conversation answers: the push data
// plus presence and activity.
func (s *Simulator) contactMeta(ct *contact) map[string]any {
	m := s.contactPush(ct)
	m["availability_status"] = "offline"
	m["created_at"] = unixInt(ct.createdAt)
	m["last_activity_at"] = unixOrNull(ct.lastActivityAt)
	return m
}

// userPush is an agent's push_event_data (meta.assignee and message
// senders in push format).
func (s *Simulator) userPush(a *agent) map[string]any {
	return map[string]any{
		"id":                  a.id,
		"name":                a.name,
		"available_name":      a.name,
		"avatar_url":          "",
		"type":                "user",
		"availability_status": a.availability,
		"thumbnail":           "",
	}
}

// userWebhook is User#webhook_data (a message's sender in webhooks).
func (s *Simulator) userWebhook(a *agent) map[string]any {
	return map[string]any{"id": a.id, "name": a.name, "email": a.email, "type": "user"}
}

// agentJSON is the REST agent partial (GET /agents, assignments,
// conversation meta.assignee).
func (s *Simulator) agentJSON(a *agent) map[string]any {
	return map[string]any{
		"id":                  a.id,
		"account_id":          s.accountID,
		"availability_status": a.availability,
		"auto_offline":        true,
		"confirmed":           true,
		"email":               a.email,
		"available_name":      a.name,
		"name":                a.name,
		"role":                a.role,
		"thumbnail":           "",
		"custom_role_id":      nil,
	}
}

func (s *Simulator) teamJSON(t *team) map[string]any {
	return map[string]any{
		"id":                t.id,
		"name":              t.name,
		"description":       strOrNull(t.desc),
		"allow_auto_assign": t.allowAutoAssign,
		"account_id":        s.accountID,
		"is_member":         false,
	}
}

func (s *Simulator) teamPush(t *team) map[string]any {
	return map[string]any{"id": t.id, "name": t.name}
}

func (s *Simulator) inboxJSON(ib *inbox) map[string]any {
	hours := make([]map[string]any, 0, len(ib.workingHours))
	for _, h := range ib.workingHours {
		row := map[string]any{"day_of_week": h.day, "closed_all_day": h.closedAllDay, "open_all_day": h.openAllDay,
			"open_hour": nil, "open_minutes": nil, "close_hour": nil, "close_minutes": nil}
		if !h.closedAllDay && !h.openAllDay {
			row["open_hour"], row["open_minutes"], row["close_hour"], row["close_minutes"] = h.openHour, h.openMin, h.closeHour, h.closeMin
		}
		hours = append(hours, row)
	}
	web := ib.channelType == "Channel::WebWidget"
	m := map[string]any{
		"id":                            ib.id,
		"avatar_url":                    "",
		"channel_id":                    ib.channelID,
		"name":                          ib.name,
		"channel_type":                  ib.channelType,
		"greeting_enabled":              false,
		"greeting_message":              nil,
		"working_hours_enabled":         ib.workingHoursEnabled,
		"enable_email_collect":          true,
		"csat_survey_enabled":           false,
		"enable_auto_assignment":        true,
		"auto_assignment_config":        map[string]any{},
		"out_of_office_message":         nil,
		"working_hours":                 hours,
		"timezone":                      ib.timezone,
		"callback_webhook_url":          nil,
		"allow_messages_after_resolved": true,
		"lock_to_single_conversation":   false,
		"sender_name_type":              "friendly",
		"business_name":                 nil,
		"widget_color":                  nil,
		"website_url":                   nil,
		"hmac_mandatory":                false,
		"welcome_title":                 nil,
		"welcome_tagline":               nil,
		"web_widget_script":             nil,
		"website_token":                 nil,
		"selected_feature_flags":        nil,
		"reply_time":                    nil,
		"messaging_service_sid":         nil,
		"phone_number":                  strOrNull(ib.phoneNumber),
		"provider":                      nil,
	}
	if web {
		token := "wt" + strconv.FormatInt(ib.id*7919, 36) + "simtoken"
		m["widget_color"] = "#1f93ff"
		m["website_url"] = ib.websiteURL
		m["welcome_title"] = "Hi there!"
		m["welcome_tagline"] = "We usually reply in a few minutes."
		m["website_token"] = token
		m["web_widget_script"] = `<script>window.chatwootSettings={};/* ` + token + ` */</script>`
		m["selected_feature_flags"] = []string{"attachments", "emoji_picker"}
		m["reply_time"] = "in_a_few_minutes"
	}
	switch ib.channelType {
	case "Channel::TwilioSms":
		m["medium"] = "sms"
		m["messaging_service_sid"] = "MG" + strconv.FormatInt(ib.id, 10) + "0000sim"
	case "Channel::Whatsapp":
		m["provider"] = "whatsapp_cloud"
	case "Channel::Email":
		m["provider"] = nil
	}
	return m
}

// messagePush is a message's push_event_data: nested in conversations and
// in every REST answer. message_type is an integer, created_at unix,
// updated_at ISO. Activity messages have no sender object.
func (s *Simulator) messagePush(c *conversation, m *message) map[string]any {
	out := map[string]any{
		"id":                        m.id,
		"content":                   m.content,
		"account_id":                s.accountID,
		"inbox_id":                  c.inboxID,
		"conversation_id":           c.id,
		"message_type":              m.msgType,
		"created_at":                m.createdAt.Unix(),
		"updated_at":                isoTime(m.updatedAt),
		"private":                   m.private,
		"status":                    m.status,
		"source_id":                 strOrNull(m.sourceID),
		"content_type":              m.contentType,
		"content_attributes":        cloneMap(m.contentAttrs),
		"sender_type":               strOrNull(m.senderType),
		"sender_id":                 idOrNull(m.senderID),
		"external_source_ids":       map[string]any{},
		"additional_attributes":     map[string]any{},
		"processed_message_content": m.content,
		"sentiment":                 map[string]any{},
		"conversation": map[string]any{
			"assignee_id":      idOrNull(c.assigneeID),
			"unread_count":     c.unreadCount,
			"last_activity_at": c.lastActivityAt.Unix(),
			"contact_inbox":    map[string]any{"source_id": c.sourceID},
		},
	}
	switch m.senderType {
	case "Contact":
		if ct := s.contacts[m.senderID]; ct != nil {
			out["sender"] = map[string]any{"id": ct.id, "name": ct.name, "thumbnail": "", "type": "contact"}
		}
	case "User":
		if a := s.agentByID(m.senderID); a != nil {
			out["sender"] = s.userPush(a)
		}
	case "AgentBot":
		out["sender"] = map[string]any{"id": m.senderID, "name": "Triage Bot", "avatar_url": "", "type": "agent_bot"}
	}
	return out
}

// lastPublic is the last non-activity public message: what a conversation's
// "messages" holds in webhooks and REST lists.
func lastPublic(c *conversation) *message {
	for i := len(c.messages) - 1; i >= 0; i-- {
		if m := c.messages[i]; m.msgType != msgActivity && !m.private {
			return m
		}
	}
	return nil
}

func lastNonActivity(c *conversation) *message {
	for i := len(c.messages) - 1; i >= 0; i-- {
		if m := c.messages[i]; m.msgType != msgActivity {
			return m
		}
	}
	return nil
}

func (s *Simulator) contactInbox(c *conversation) map[string]any {
	return map[string]any{
		"id":            c.contactInboxID,
		"contact_id":    c.contactID,
		"inbox_id":      c.inboxID,
		"source_id":     c.sourceID,
		"created_at":    isoTime(c.createdAt),
		"updated_at":    isoTime(c.createdAt),
		"hmac_verified": false,
		"pubsub_token":  c.pubsubToken,
	}
}

// canReply is false outside WhatsApp's 24-hour window.
func (s *Simulator) canReply(c *conversation, now time.Time) bool {
	if s.inboxes[c.inboxID].channelType != "Channel::Whatsapp" {
		return true
	}
	for i := len(c.messages) - 1; i >= 0; i-- {
		if m := c.messages[i]; m.msgType == msgIncoming {
			return now.Sub(m.createdAt) < 24*time.Hour
		}
	}
	return false
}

// conversationWebhook is the conversation's webhook_data: the top level of
// conversation_* events and the nested "conversation" of message events.
func (s *Simulator) conversationWebhook(c *conversation) map[string]any {
	ib := s.inboxes[c.inboxID]
	meta := map[string]any{
		"sender":        s.contactPush(s.contacts[c.contactID]),
		"assignee":      nil,
		"team":          nil,
		"hmac_verified": false,
	}
	if a := s.agentByID(c.assigneeID); a != nil {
		meta["assignee"] = s.userPush(a)
	}
	if t := s.teamByID(c.teamID); t != nil {
		meta["team"] = s.teamPush(t)
	}
	msgs := []any{}
	if m := lastPublic(c); m != nil {
		msgs = append(msgs, s.messagePush(c, m))
	}
	return map[string]any{
		"additional_attributes":  cloneMap(c.additional),
		"can_reply":              s.canReply(c, s.clock.Now()),
		"channel":                ib.channelType,
		"contact_inbox":          s.contactInbox(c),
		"id":                     c.id,
		"inbox_id":               c.inboxID,
		"messages":               msgs,
		"labels":                 slices.Clone(c.labels),
		"meta":                   meta,
		"status":                 c.status,
		"custom_attributes":      cloneMap(c.custom),
		"snoozed_until":          isoTime(c.snoozedUntil),
		"unread_count":           c.unreadCount,
		"first_reply_created_at": isoTime(c.firstReplyCreatedAt),
		"priority":               strOrNull(c.priority),
		"waiting_since":          unixInt(c.waitingSince),
		"agent_last_seen_at":     unixInt(c.agentLastSeenAt),
		"contact_last_seen_at":   unixInt(c.contactLastSeenAt),
		"last_activity_at":       c.lastActivityAt.Unix(),
		"timestamp":              c.lastActivityAt.Unix(),
		"created_at":             c.createdAt.Unix(),
		"updated_at":             unixFloat(c.updatedAt),
		"account":                s.accountRef(),
	}
}

// conversationREST is the REST conversation partial (list entries and GET
// conversation).
func (s *Simulator) conversationREST(c *conversation) map[string]any {
	ib := s.inboxes[c.inboxID]
	meta := map[string]any{
		"sender":        s.contactMeta(s.contacts[c.contactID]),
		"channel":       ib.channelType,
		"assignee":      nil,
		"hmac_verified": false,
	}
	if a := s.agentByID(c.assigneeID); a != nil {
		meta["assignee"] = s.agentJSON(a)
	}
	if t := s.teamByID(c.teamID); t != nil {
		meta["team"] = s.teamJSON(t)
	}
	msgs := []any{}
	if m := lastPublic(c); m != nil {
		msgs = append(msgs, s.messagePush(c, m))
	}
	var lastNA any
	if m := lastNonActivity(c); m != nil {
		lastNA = s.messagePush(c, m)
	}
	return map[string]any{
		"meta":                      meta,
		"id":                        c.id,
		"messages":                  msgs,
		"account_id":                s.accountID,
		"uuid":                      c.uuid,
		"additional_attributes":     cloneMap(c.additional),
		"agent_last_seen_at":        unixInt(c.agentLastSeenAt),
		"assignee_last_seen_at":     unixInt(c.assigneeLastSeenAt),
		"can_reply":                 s.canReply(c, s.clock.Now()),
		"contact_last_seen_at":      unixInt(c.contactLastSeenAt),
		"custom_attributes":         cloneMap(c.custom),
		"inbox_id":                  c.inboxID,
		"labels":                    slices.Clone(c.labels),
		"muted":                     false,
		"snoozed_until":             unixOrNull(c.snoozedUntil),
		"status":                    c.status,
		"created_at":                c.createdAt.Unix(),
		"updated_at":                unixFloat(c.updatedAt),
		"timestamp":                 c.lastActivityAt.Unix(),
		"first_reply_created_at":    unixOrNull(c.firstReplyCreatedAt),
		"unread_count":              c.unreadCount,
		"last_non_activity_message": lastNA,
		"last_activity_at":          c.lastActivityAt.Unix(),
		"priority":                  strOrNull(c.priority),
		"waiting_since":             unixInt(c.waitingSince),
		"sla_policy_id":             nil,
		"applied_sla":               nil,
		"sla_events":                []any{},
	}
}

// messageWebhook is Message#webhook_data: the top level of message_created
// and message_updated. message_type is a string and created_at ISO.
func (s *Simulator) messageWebhook(c *conversation, m *message) map[string]any {
	ib := s.inboxes[c.inboxID]
	out := map[string]any{
		"id":                    m.id,
		"content":               m.content,
		"content_type":          m.contentType,
		"content_attributes":    cloneMap(m.contentAttrs),
		"additional_attributes": map[string]any{},
		"message_type":          messageTypeNames[m.msgType],
		"private":               m.private,
		"source_id":             strOrNull(m.sourceID),
		"created_at":            isoTime(m.createdAt),
		"sender":                nil,
		"inbox":                 s.inboxRef(ib),
		"account":               s.accountRef(),
		"conversation":          s.conversationWebhook(c),
	}
	switch m.senderType {
	case "Contact":
		if ct := s.contacts[m.senderID]; ct != nil {
			out["sender"] = s.contactWebhook(ct)
		}
	case "User":
		if a := s.agentByID(m.senderID); a != nil {
			out["sender"] = s.userWebhook(a)
		}
	case "AgentBot":
		out["sender"] = map[string]any{"id": m.senderID, "name": "Triage Bot", "type": "agent_bot"}
	}
	return out
}

// profileJSON is GET /api/v1/profile for the token's user.
func (s *Simulator) profileJSON(a *agent) map[string]any {
	return map[string]any{
		"id":                a.id,
		"access_token":      s.token,
		"account_id":        s.accountID,
		"available_name":    a.name,
		"avatar_url":        "",
		"confirmed":         true,
		"display_name":      nil,
		"message_signature": nil,
		"email":             a.email,
		"hmac_identifier":   "",
		"inviter_id":        nil,
		"name":              a.name,
		"provider":          "email",
		"pubsub_token":      "sim-pubsub-" + strconv.FormatInt(a.id, 10),
		"role":              a.role,
		"ui_settings":       map[string]any{},
		"uid":               a.email,
		"type":              "User",
		"accounts": []any{map[string]any{
			"id":                  s.accountID,
			"name":                s.accountName,
			"status":              "active",
			"active_at":           isoTime(a.createdAt),
			"role":                a.role,
			"permissions":         []string{a.role},
			"availability":        a.availability,
			"availability_status": a.availability,
			"auto_offline":        true,
			"custom_role_id":      nil,
			"custom_role":         nil,
		}},
	}
}
