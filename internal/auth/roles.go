package auth

import "slices"

// Role is what a user or token is allowed to be.
type Role string

// Roles of people, from the support floor up, and of automated clients.
const (
	Operator  Role = "operator"
	Lead      Role = "lead"
	Manager   Role = "manager"
	DevOps    Role = "devops"
	Executive Role = "executive"
	Admin     Role = "admin"
	// Agent is for AI agents' API tokens: they may submit drafts and read
	// conversations, nothing else.
	Agent Role = "agent"
)

// UserRoles lists the roles a person can hold.
func UserRoles() []Role { return []Role{Operator, Lead, Manager, DevOps, Executive, Admin} }

// TokenRoles lists the roles an API token can hold.
func TokenRoles() []Role { return append(UserRoles(), Agent) }

// Permission is one thing a principal may do.
type Permission string

// Permissions, named resource:verb.
const (
	// Public marks routes anyone may use (sign-in, probes).
	Public          Permission = "public"
	ReadDecisions   Permission = "decisions:read"
	WriteDecisions  Permission = "decisions:write"
	VerifyDecisions Permission = "decisions:verify"
	ManageUsers     Permission = "users:manage"
	// ReadConversations sees the CX queue and its conversations; AI
	// agents' tokens have it too.
	ReadConversations Permission = "conversations:read"
	// ActOnConversations resolves, snoozes, assigns, labels and prioritises
	// conversations in Chatwoot from HotDash.
	ActOnConversations Permission = "conversations:act"
	ManageTokens       Permission = "tokens:manage"
	// ReadDrafts sees AI drafts and their outcome; SubmitDrafts submits
	// and revises them (AI agents' tokens, and people who act on
	// conversations); ReviewDrafts approves, edits, grades, rejects or
	// sends them back.
	ReadDrafts   Permission = "drafts:read"
	SubmitDrafts Permission = "drafts:submit"
	ReviewDrafts Permission = "drafts:review"
	// ReadIncidents sees incidents, their ladder and the on-call table;
	// ManageIncidents opens, escalates, acknowledges and resolves them
	// (every person: an executive acknowledges an L4 page); EditOnCall
	// changes who is on call for each level.
	ReadIncidents   Permission = "incidents:read"
	ManageIncidents Permission = "incidents:manage"
	EditOnCall      Permission = "oncall:edit"
	// ReadHealth sees Chatwoot's health history; RecordHealth sends in a
	// check made elsewhere (hotdash ops check-chatwoot-health --server).
	ReadHealth   Permission = "health:read"
	RecordHealth Permission = "health:record"
	// ReadReports sees the daily summary, the weekly gaps report and the
	// handoffs; WriteReports saves daily summaries and starts, saves and
	// acknowledges handoffs (the support floor).
	ReadReports  Permission = "reports:read"
	WriteReports Permission = "reports:write"
	// ReadHelp reads and searches the Help Center and votes on its
	// articles; EditHelp writes and imports articles and sees the gaps
	// (zero-result searches, unhelpful articles, stale runbooks).
	ReadHelp Permission = "help:read"
	EditHelp Permission = "help:edit"
	// Signedin is any signed-in person or token, for "who am I".
	Signedin Permission = "signed-in"
	// OwnAccount is a person's own account (changing their password): API
	// tokens have none.
	OwnAccount Permission = "account:own"
)

// Can reports whether role r grants p. This table is the only place HotDash
// decides permissions.
func (r Role) Can(p Permission) bool {
	people := []Role{Operator, Lead, Manager, DevOps, Executive, Admin}
	switch p {
	case Public:
		return true
	case Signedin:
		return slices.Contains(TokenRoles(), r)
	case OwnAccount:
		return slices.Contains(people, r)
	case ReadDecisions, WriteDecisions, ReadIncidents, ManageIncidents, ReadHealth, ReadReports:
		return slices.Contains(people, r)
	case EditOnCall:
		return r == Manager || r == Admin
	case ReadConversations:
		return slices.Contains(people, r) || r == Agent
	case ActOnConversations, ReviewDrafts, WriteReports:
		return slices.Contains([]Role{Operator, Lead, Manager, Admin}, r)
	case ReadDrafts:
		return slices.Contains(people, r) || r == Agent
	case SubmitDrafts:
		return slices.Contains([]Role{Operator, Lead, Manager, Admin, Agent}, r)
	case RecordHealth:
		return slices.Contains([]Role{Operator, Lead, Manager, DevOps, Admin}, r)
	case VerifyDecisions:
		return slices.Contains([]Role{Manager, DevOps, Executive, Admin}, r)
	case ManageUsers, ManageTokens:
		return r == Admin
	case ReadHelp:
		return slices.Contains(TokenRoles(), r)
	case EditHelp:
		return slices.Contains([]Role{Lead, Manager, Admin}, r)
	}
	return false
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(TokenRoles(), r) }

// Principal is whoever a request acts for: a signed-in user or an API token.
type Principal struct {
	UserID  int64
	TokenID int64
	// Name is the user's email or "token:<name>"; it is what the Decision
	// Log records as recorded_by.
	Name string
	// DisplayName is the user's name, or the token's.
	DisplayName string
	Role        Role
}

// IsUser reports whether the principal is a signed-in person.
func (p Principal) IsUser() bool { return p.UserID != 0 }

// Refusal says why the principal may not do perm, for the 403 it gets.
func (p Principal) Refusal(perm Permission) string {
	if perm == OwnAccount && !p.IsUser() {
		return "API tokens have no account of their own: sign in as a person"
	}
	return "your role (" + string(p.Role) + ") may not do this"
}

// Can reports whether the principal may do perm: what its role allows, and
// for OwnAccount only when it is a person rather than a token.
func (p Principal) Can(perm Permission) bool {
	if perm == OwnAccount && !p.IsUser() {
		return false
	}
	return p.Role.Can(perm)
}
