package pgtest

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// CommitProxy is a TCP proxy in front of a test's database that loses the
// server's answer to the first COMMIT sent through it. It forwards the COMMIT
// (a simple-protocol Query message, as pgx's Tx.Commit sends it), reads the
// server's whole answer up to ReadyForQuery, so the server has committed or
// rolled back by then, and drops it. Then it closes the client's connection
// (cut) or keeps it open and silent, so that the client never learns what the
// server did. Every other message, and every other connection, passes through.
type CommitProxy struct {
	// URL connects through the proxy, without TLS.
	URL string
	// Answered receives, once, the server's answer to the COMMIT held back:
	// its command tag ("COMMIT", or "ROLLBACK" for a failed transaction) or
	// its error ("ERROR: …"). The client's connection is closed by then when
	// the proxy cuts.
	Answered <-chan string

	network  string
	address  string
	cut      bool
	answered chan string
	ln       net.Listener
	wg       sync.WaitGroup

	mu     sync.Mutex
	armed  bool // no COMMIT held back yet
	closed bool
	conns  []net.Conn
}

// NewCommitProxy starts a proxy to the database at dbURL for the test; it
// stops at cleanup. With cut, it closes the client's connection once the
// server answered the COMMIT; otherwise the connection stays open and nothing
// more reaches the client (cancelling its context is then the way out).
func NewCommitProxy(t testing.TB, dbURL string, cut bool) *CommitProxy {
	t.Helper()
	cfg, err := pgx.ParseConfig(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &CommitProxy{cut: cut, answered: make(chan string, 1), ln: ln, armed: true}
	p.Answered = p.answered
	p.network, p.address = pgconn.NetworkAddress(cfg.Host, cfg.Port)
	u := url.URL{Scheme: "postgres", Host: ln.Addr().String(), Path: "/" + cfg.Database, RawQuery: "sslmode=disable"}
	u.User = url.User(cfg.User)
	if cfg.Password != "" {
		u.User = url.UserPassword(cfg.User, cfg.Password)
	}
	p.URL = u.String()
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.stop)
	return p
}

func (p *CommitProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return // closed by stop
		}
		s, err := net.Dial(p.network, p.address)
		if err != nil {
			c.Close()
			continue
		}
		if !p.track(c, s) {
			return
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.serve(c, s)
		}()
	}
}

// track records connections for stop to close; false once stopped.
func (p *CommitProxy) track(conns ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		for _, c := range conns {
			c.Close()
		}
		return false
	}
	p.conns = append(p.conns, conns...)
	return true
}

func (p *CommitProxy) stop() {
	p.ln.Close()
	p.mu.Lock()
	p.closed = true
	for _, c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// Startup packet codes (protocol.h): the packet without a type byte that
// opens a connection.
const (
	protocol3     = 3 << 16
	cancelRequest = 80877102
	sslRequest    = 80877103
	gssRequest    = 80877104
)

// serve relays one client connection c to the server connection s.
func (p *CommitProxy) serve(c, s net.Conn) {
	defer c.Close()
	defer s.Close()
	cr, sr := bufio.NewReader(c), bufio.NewReader(s)
	if !startup(c, s, cr, sr) {
		return
	}
	var mu sync.Mutex
	committing := false // the COMMIT held back went to the server
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer s.Close()
		for {
			typ, msg, err := readMessage(cr)
			if err != nil {
				return
			}
			if typ == 'Q' && isCommit(msg[5:]) && p.arm() {
				mu.Lock()
				committing = true
				mu.Unlock()
			}
			if _, err := s.Write(msg); err != nil {
				return
			}
		}
	}()
	defer func() { <-done }()
	defer c.Close()
	var answer string
	for {
		typ, msg, err := readMessage(sr)
		if err != nil {
			return
		}
		mu.Lock()
		held := committing
		mu.Unlock()
		if !held {
			if _, err := c.Write(msg); err != nil {
				return
			}
			continue
		}
		switch typ {
		case 'C':
			answer = string(bytes.TrimRight(msg[5:], "\x00"))
		case 'E':
			answer = errorText(msg[5:])
		case 'Z':
			if answer != "" {
				p.answered <- answer
				answer = ""
				if p.cut {
					return
				}
			}
		}
	}
}

// startup relays the packet that opens a connection; false when the
// connection needs nothing more (a cancel request) or failed.
func startup(c, s net.Conn, cr, sr *bufio.Reader) bool {
	for {
		pkt, err := readStartup(cr)
		if err != nil {
			return false
		}
		switch binary.BigEndian.Uint32(pkt[4:8]) {
		case sslRequest, gssRequest:
			// The proxied URL disables TLS; decline it anyway.
			if _, err := c.Write([]byte{'N'}); err != nil {
				return false
			}
		case cancelRequest:
			// A cancel request gets no answer but the server closing.
			if _, err := s.Write(pkt); err == nil {
				io.Copy(io.Discard, sr)
			}
			return false
		case protocol3:
			_, err := s.Write(pkt)
			return err == nil
		default:
			return false
		}
	}
}

// arm reports whether this is the first COMMIT, the one to hold back.
func (p *CommitProxy) arm() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	first := p.armed
	p.armed = false
	return first
}

// isCommit reports whether a Query message's body is a COMMIT, as pgx's
// Tx.Commit sends it: "commit".
func isCommit(body []byte) bool {
	return strings.EqualFold(strings.TrimSpace(string(bytes.TrimRight(body, "\x00"))), "commit")
}

// errorText is an ErrorResponse's severity and message.
func errorText(fields []byte) string {
	var severity, message string
	for len(fields) > 1 {
		code := fields[0]
		value, rest, _ := bytes.Cut(fields[1:], []byte{0})
		switch code {
		case 'V':
			severity = string(value)
		case 'S':
			if severity == "" {
				severity = string(value)
			}
		case 'M':
			message = string(value)
		}
		fields = rest
	}
	return severity + ": " + message
}

const maxMessage = 1 << 30

// readStartup reads a packet without a type byte: a length, then a code.
func readStartup(r *bufio.Reader) ([]byte, error) {
	head := make([]byte, 8)
	if _, err := io.ReadFull(r, head); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(head[:4])
	if n < 8 || n > maxMessage {
		return nil, fmt.Errorf("pgtest: startup packet of %d bytes", n)
	}
	pkt := make([]byte, n)
	copy(pkt, head)
	_, err := io.ReadFull(r, pkt[8:])
	return pkt, err
}

// readMessage reads a typed message and returns its type and all its bytes.
func readMessage(r *bufio.Reader) (byte, []byte, error) {
	head := make([]byte, 5)
	if _, err := io.ReadFull(r, head); err != nil {
		return 0, nil, err
	}
	n := binary.BigEndian.Uint32(head[1:])
	if n < 4 || n > maxMessage {
		return 0, nil, errors.New("pgtest: bad message length")
	}
	msg := make([]byte, 1+n)
	copy(msg, head)
	_, err := io.ReadFull(r, msg[5:])
	return head[0], msg, err
}
