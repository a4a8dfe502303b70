package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// emailSubjectMax bounds a subject, in characters.
const emailSubjectMax = 200

// smtpRelay is HOTDASH_SMTP_URL, parsed.
type smtpRelay struct {
	host, addr string
	// implicitTLS: smtps://, TLS from the first byte.
	implicitTLS bool
	// requireTLS: STARTTLS must be offered (smtp:// to a relay that is
	// not on loopback, unless ?tls=none).
	requireTLS bool
	user, pass string
	tls        *tls.Config
}

// parseRelay reads an smtp:// or smtps:// URL. Its errors never quote it.
func parseRelay(raw string, tlsConfig *tls.Config) (smtpRelay, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
		return smtpRelay{}, errors.New("HOTDASH_SMTP_URL is not an smtp:// or smtps:// URL")
	}
	r := smtpRelay{host: u.Hostname(), implicitTLS: u.Scheme == "smtps"}
	port := u.Port()
	if port == "" {
		port = map[bool]string{true: "465", false: "587"}[r.implicitTLS]
	}
	r.addr = net.JoinHostPort(r.host, port)
	r.requireTLS = !r.implicitTLS && u.Query().Get("tls") != "none" && !isLoopback(r.host)
	if u.User != nil {
		r.user = u.User.Username()
		r.pass, _ = u.User.Password()
	}
	r.tls = &tls.Config{ServerName: r.host, MinVersion: tls.VersionTLS12}
	if tlsConfig != nil {
		r.tls = tlsConfig.Clone()
		if r.tls.ServerName == "" {
			r.tls.ServerName = r.host
		}
	}
	return r, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// emailNotifier sends plain-text email through an SMTP relay. A 4xx reply
// is retried, a 5xx reply (an unknown recipient, a refused sender, failed
// authentication) is not.
type emailNotifier struct {
	relay  smtpRelay
	from   *mail.Address
	to     []*mail.Address
	redact redactor
}

// Notify sends the email.
func (n *emailNotifier) Notify(ctx context.Context, e Envelope) Outcome {
	msg, err := n.compose(e)
	if err != nil {
		return Outcome{Err: errors.New(n.redact.String("compose email: " + err.Error()))}
	}
	return smtpOutcome(n.send(ctx, msg), n.redact)
}

// compose writes the message: safe headers, a quoted-printable UTF-8 body.
func (n *emailNotifier) compose(e Envelope) ([]byte, error) {
	var b bytes.Buffer
	to := make([]string, len(n.to))
	for i, a := range n.to {
		to[i] = a.String()
	}
	domain := "hotdash.invalid"
	if _, d, ok := strings.Cut(n.from.Address, "@"); ok {
		domain = d
	}
	header := [][2]string{
		{"From", n.from.String()},
		{"To", strings.Join(to, ", ")},
		{"Subject", EmailSubject(e.Message)},
		{"Date", e.Now.UTC().Format(time.RFC1123Z)},
		{"Message-ID", fmt.Sprintf("<hotdash.delivery.%d@%s>", e.DeliveryID, domain)},
		{"MIME-Version", "1.0"},
		{"Content-Type", "text/plain; charset=utf-8"},
		{"Content-Transfer-Encoding", "quoted-printable"},
		{"Auto-Submitted", "auto-generated"},
		{"X-HotDash-Delivery", strconv.FormatInt(e.DeliveryID, 10)},
	}
	for _, h := range header {
		writeHeader(&b, h[0], h[1])
	}
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	if _, err := qp.Write([]byte(plainText(e.Message))); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// writeHeader writes one header field on one logical line (control
// characters in value become spaces), folded at spaces so that lines stay
// near 78 characters.
func writeHeader(b *bytes.Buffer, name, value string) {
	b.WriteString(name + ":")
	n := len(name) + 1
	for _, w := range strings.Fields(singleLine(value)) {
		if n+1+len(w) > 78 && n > len(name)+1 {
			b.WriteString("\r\n")
			n = 0
		}
		b.WriteString(" " + w)
		n += 1 + len(w)
	}
	b.WriteString("\r\n")
}

// EmailSubject is the subject line for m: its Headline, on one line, at
// most 200 characters, MIME-encoded when it is not plain ASCII. No text in
// m can add a header.
func EmailSubject(m Message) string {
	return mime.QEncoding.Encode("utf-8", truncate(Headline(m), emailSubjectMax))
}

// send talks SMTP: connect (TLS at once, or STARTTLS), authenticate if the
// URL has a user, then MAIL, RCPT and DATA.
func (n *emailNotifier) send(ctx context.Context, msg []byte) error {
	c, err := n.dial(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := n.secure(c); err != nil {
		return err
	}
	if n.relay.user != "" {
		if err := c.Auth(smtp.PlainAuth("", n.relay.user, n.relay.pass, n.relay.host)); err != nil {
			return fmt.Errorf("authenticate: %w", err)
		}
	}
	return n.transact(c, msg)
}

// dial connects to the relay, bounded by ctx's deadline.
func (n *emailNotifier) dial(ctx context.Context) (*smtp.Client, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", n.relay.addr)
	if err != nil {
		return nil, err
	}
	if deadline, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(deadline)
	}
	if n.relay.implicitTLS {
		tc := tls.Client(conn, n.relay.tls)
		if err := tc.HandshakeContext(ctx); err != nil {
			_ = conn.Close()
			return nil, err
		}
		conn = tc
	}
	c, err := smtp.NewClient(conn, n.relay.host)
	if err != nil {
		_ = conn.Close()
		return nil, err
	}
	return c, nil
}

// secure upgrades to TLS when the relay offers it, and refuses to go on
// without it when it is required.
func (n *emailNotifier) secure(c *smtp.Client) error {
	if n.relay.implicitTLS {
		return nil
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		return c.StartTLS(n.relay.tls)
	}
	if n.relay.requireTLS {
		return permanentError{"the relay does not offer STARTTLS (add ?tls=none to HOTDASH_SMTP_URL to send in clear)"}
	}
	return nil
}

func (n *emailNotifier) transact(c *smtp.Client, msg []byte) error {
	if err := c.Mail(n.from.Address); err != nil {
		return fmt.Errorf("mail from: %w", err)
	}
	for _, to := range n.to {
		if err := c.Rcpt(to.Address); err != nil {
			return fmt.Errorf("rcpt to: %w", err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("data: %w", err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("data: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("data: %w", err)
	}
	return c.Quit()
}
