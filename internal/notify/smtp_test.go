package notify

import (
	"bufio"
	"encoding/base64"
	"net"
	"strings"
	"sync"
	"testing"
)

// fakeSMTP speaks enough SMTP on loopback for net/smtp: EHLO (offering
// AUTH PLAIN when it has a password), AUTH PLAIN, MAIL, RCPT, DATA, RSET,
// NOOP and QUIT. It records each message and can refuse a step.
type fakeSMTP struct {
	ln       net.Listener
	user     string
	password string
	// replies overrides the answer to a command ("RCPT", "DATA", "AUTH",
	// "MAIL", "END" for the end of data).
	replies map[string]string

	mu   sync.Mutex
	mail []smtpMail
}

// smtpMail is one message the fake accepted.
type smtpMail struct {
	From string
	To   []string
	Data string
}

func newFakeSMTP(t *testing.T, user, password string, replies map[string]string) *fakeSMTP {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeSMTP{ln: ln, user: user, password: password, replies: replies}
	go f.serve()
	t.Cleanup(func() { _ = ln.Close() })
	return f
}

func (f *fakeSMTP) addr() string { return f.ln.Addr().String() }

func (f *fakeSMTP) messages() []smtpMail {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]smtpMail(nil), f.mail...)
}

func (f *fakeSMTP) serve() {
	for {
		c, err := f.ln.Accept()
		if err != nil {
			return
		}
		go f.session(c)
	}
}

// session runs one connection.
func (f *fakeSMTP) session(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	say := func(s string) { _, _ = c.Write([]byte(s + "\r\n")) }
	say("220 fake.test ESMTP")
	var cur smtpMail
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb, arg, _ := strings.Cut(line, " ")
		verb = strings.ToUpper(verb)
		if reply, ok := f.replies[verb]; ok {
			say(reply)
			continue
		}
		switch verb {
		case "EHLO", "HELO":
			if f.password != "" {
				say("250-fake.test\r\n250-AUTH PLAIN\r\n250 8BITMIME")
			} else {
				say("250-fake.test\r\n250 8BITMIME")
			}
		case "AUTH":
			say(f.auth(arg))
		case "MAIL":
			from, _, _ := strings.Cut(strings.TrimPrefix(arg, "FROM:"), " ") // drop BODY=8BITMIME
			cur = smtpMail{From: from}
			say("250 ok")
		case "RCPT":
			cur.To = append(cur.To, strings.TrimPrefix(arg, "TO:"))
			say("250 ok")
		case "DATA":
			say("354 end with <CRLF>.<CRLF>")
			data, ok := readData(r)
			if !ok {
				return
			}
			if reply, ok := f.replies["END"]; ok {
				say(reply)
				continue
			}
			cur.Data = data
			f.mu.Lock()
			f.mail = append(f.mail, cur)
			f.mu.Unlock()
			say("250 queued")
		case "QUIT":
			say("221 bye")
			return
		default:
			say("250 ok")
		}
	}
}

func (f *fakeSMTP) auth(arg string) string {
	mech, resp, _ := strings.Cut(arg, " ")
	raw, err := base64.StdEncoding.DecodeString(resp)
	if mech != "PLAIN" || err != nil || string(raw) != "\x00"+f.user+"\x00"+f.password {
		return "535 5.7.8 authentication failed"
	}
	return "235 2.7.0 ok"
}

// readData reads DATA up to the lone dot, undoing dot-stuffing.
func readData(r *bufio.Reader) (string, bool) {
	var sb strings.Builder
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return "", false
		}
		if line == ".\r\n" {
			return sb.String(), true
		}
		sb.WriteString(strings.TrimPrefix(line, "."))
	}
}
