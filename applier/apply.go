package applier

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/roster-project/roster/internal/server"
	"github.com/roster-project/roster/planner"
	"github.com/roster-project/roster/schema"
)

// LockKey is the key of roster's transaction-scoped advisory lock
// ("roster" in ASCII).
const LockKey int64 = 0x726f73746572

// Options tune an apply. The zero value is ready to use.
type Options struct {
	// LockTimeout bounds the wait for the lock and for row locks; default 10s.
	LockTimeout time.Duration
	// Now returns the current time; default time.Now.
	Now func() time.Time
	// Parallelism bounds concurrent key generation and hashing; default
	// GOMAXPROCS.
	Parallelism int
	// AllowUnknownVersion lets an action (SignOut, ResetPassword,
	// FixFollowState) write to a schema newer than roster knows; Apply
	// takes it from the configuration's server block instead.
	AllowUnknownVersion bool
}

// Result is what an apply did.
type Result struct {
	Added, Changed, Destroyed int
	// InviteURLs are the registration URLs of the created invites, in plan
	// order. They hold the invites' tokens: print them only to a terminal
	// or when asked to, never in a log or an error.
	InviteURLs []string
}

// Beginner starts transactions; *pgx.Conn satisfies it.
type Beginner interface {
	BeginTx(ctx context.Context, opts pgx.TxOptions) (pgx.Tx, error)
}

// Apply carries out p, which was made from cfg, in one transaction. On any
// error nothing is written.
func Apply(ctx context.Context, db Beginner, p *planner.Plan, cfg *schema.Config, opts Options) (Result, error) {
	if opts.LockTimeout == 0 {
		opts.LockTimeout = 10 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if p.Empty() {
		return Result{}, nil
	}
	if !p.Server.Known && !cfg.Server.AllowUnknownVersion {
		return Result{}, &UnknownVersionError{Version: p.Server.Version, Newest: server.Info{Flavor: p.Server.Flavor}.Newest()}
	}
	// The slow, CPU-bound work (keys, hashes) happens before the lock is
	// taken, so the lock is held only for the writes.
	creates, err := prepareCreates(ctx, p, cfg, opts.Parallelism)
	if err != nil {
		return Result{}, err
	}
	secrets, err := prepareSecrets(ctx, p, cfg, opts.Parallelism)
	if err != nil {
		return Result{}, err
	}
	tx, err := db.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return Result{}, fmt.Errorf("applier: begin: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			tx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	if err := Lock(ctx, tx, opts.LockTimeout); err != nil {
		return Result{}, err
	}
	info, err := server.Detect(ctx, tx)
	if err != nil {
		return Result{}, err
	}
	if info.Flavor != p.Server.Flavor || info.Version != p.Server.Version {
		return Result{}, &StaleError{Moved: []string{fmt.Sprintf("the database is now %s; the plan was made against %s (schema %d)", info, p.Server.Flavor.Title(), p.Server.Version)}}
	}
	live, invites, err := recheck(ctx, tx, p, cfg)
	if isLockTimeout(err) {
		tx.Rollback(context.WithoutCancel(ctx))
		committed = true
		return Result{}, &LockError{Timeout: opts.LockTimeout, Rows: true, Holders: rowHolders(ctx, tx.Conn())}
	}
	if err != nil {
		return Result{}, err
	}
	now := opts.Now().UTC().Truncate(time.Second)
	w := &writer{tx: tx, info: info, now: now, baseURL: p.Server.URL}
	if err := w.insertUsers(ctx, creates); err != nil {
		return Result{}, err
	}
	var urls []string
	for i := range p.Changes {
		c := &p.Changes[i]
		switch {
		case c.Type == "invite" && c.Action == planner.Create:
			url, err := w.createInvite(c, cfg)
			if err != nil {
				return Result{}, err
			}
			urls = append(urls, url)
		case c.Type == "invite" && c.Action == planner.Update:
			if err := w.updateInvite(c, invites[c.InviteID]); err != nil {
				return Result{}, err
			}
		case c.Type == "invite":
			return Result{}, fmt.Errorf("applier: %s: an invite cannot be %sd", c.Address, c.Action)
		case c.Type != planner.TypeUser:
			// remote_instance and local_users run last, below.
		case c.Action == planner.Update:
			if err := w.updateUser(ctx, c, cfg.User(c.Nickname), live[c.ID], secrets[c.Address]); err != nil {
				return Result{}, err
			}
		}
	}
	if err := w.flush(ctx); err != nil {
		return Result{}, err
	}
	// Deletions come last, each as the server's rm after the other changes.
	var del *deleter
	for i := range p.Changes {
		c := &p.Changes[i]
		if c.Type != planner.TypeUser || c.Action != planner.Delete {
			continue
		}
		if del == nil {
			if del, err = newDeleter(w, cfg.Server.Federating); err != nil {
				return Result{}, err
			}
		}
		if err := del.deleteUser(ctx, c, live[c.ID]); err != nil {
			return Result{}, err
		}
	}
	if err := w.flush(ctx); err != nil {
		return Result{}, err
	}
	// Remote instances, then local_users, on the accounts as the changes
	// above left them (a demoted admin is covered, a deleted account not).
	for i := range p.Changes {
		if c := &p.Changes[i]; c.Type == planner.TypeRemoteInstance {
			if err := w.remoteInstance(ctx, c, cfg); err != nil {
				return Result{}, err
			}
		}
	}
	for i := range p.Changes {
		if c := &p.Changes[i]; c.Type == planner.TypeLocalUsers {
			if err := w.localUsers(ctx, c, cfg); err != nil {
				return Result{}, err
			}
		}
	}
	if err := commit(ctx, tx, applyCheck(len(urls))); err != nil {
		return Result{}, err
	}
	committed = true
	add, change, destroy := p.Counts()
	return Result{Added: add, Changed: change, Destroyed: destroy, InviteURLs: urls}, nil
}

var errLockTimeout = errors.New("applier: lock timeout")

// Lock takes roster's transaction-scoped advisory lock in tx, waiting at
// most timeout. When another session holds it longer, Lock rolls tx back
// and returns a *LockError that names the sessions holding it.
func Lock(ctx context.Context, tx pgx.Tx, timeout time.Duration) error {
	err := lock(ctx, tx, timeout)
	if errors.Is(err, errLockTimeout) {
		tx.Rollback(context.WithoutCancel(ctx))
		return &LockError{Timeout: timeout, Holders: holders(ctx, tx.Conn())}
	}
	return err
}

func lock(ctx context.Context, tx pgx.Tx, timeout time.Duration) error {
	if _, err := tx.Exec(ctx, fmt.Sprintf("SET LOCAL lock_timeout = '%dms'", timeout.Milliseconds())); err != nil {
		return fmt.Errorf("applier: setting the lock timeout: %w", err)
	}
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", LockKey); err != nil {
		if isLockTimeout(err) {
			return errLockTimeout
		}
		return fmt.Errorf("applier: taking the lock: %w", err)
	}
	return nil
}

func isLockTimeout(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "55P03"
}

const holderColumns = `SELECT DISTINCT a.pid, coalesce(a.application_name, ''), coalesce(a.usename::text, ''),
	    coalesce(host(a.client_addr), 'local socket'), a.backend_start, a.xact_start, coalesce(a.state, '')
	  FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid `

// holders reads who holds roster's advisory lock, best effort.
func holders(ctx context.Context, conn *pgx.Conn) []Holder {
	key := uint64(LockKey)
	return readHolders(ctx, conn, holderColumns+`WHERE l.locktype = 'advisory' AND l.granted
	  AND l.classid = $1 AND l.objid = $2 AND l.objsubid = 1`, uint32(key>>32), uint32(key))
}

// rowHolders reads, best effort, the other sessions whose open transaction
// has written to users or user_invite_tokens: the candidates for holding a
// row lock.
func rowHolders(ctx context.Context, conn *pgx.Conn) []Holder {
	return readHolders(ctx, conn, holderColumns+`WHERE l.locktype = 'relation' AND l.granted
	  AND l.relation IN ('users'::regclass, 'user_invite_tokens'::regclass) AND l.mode IN ('RowExclusiveLock', 'RowShareLock', 'ExclusiveLock', 'AccessExclusiveLock')
	  AND l.pid <> pg_backend_pid()`)
}

func readHolders(ctx context.Context, conn *pgx.Conn, sql string, args ...any) []Holder {
	rows, err := conn.Query(ctx, sql, args...)
	if err != nil {
		return nil
	}
	defer rows.Close()
	var out []Holder
	for rows.Next() {
		var h Holder
		if rows.Scan(&h.PID, &h.ApplicationName, &h.User, &h.Client, &h.BackendStart, &h.XactStart, &h.State) == nil {
			out = append(out, h)
		}
	}
	return out
}

// recheck re-reads, under the lock, every row the plan read and every
// nickname, address and invite token it creates, and refuses when one moved.
// It returns the locked accounts by id and invites by id.
func recheck(ctx context.Context, tx pgx.Tx, p *planner.Plan, cfg *schema.Config) (map[string]*planner.LiveUser, map[int64]*planner.LiveInvite, error) {
	var ids, nicks, emails, tokens []string
	var inviteIDs []int64
	for _, c := range p.Changes {
		switch {
		case c.Type == "invite" && c.Action == planner.Update:
			inviteIDs = append(inviteIDs, c.InviteID)
		case c.Type == "invite" && c.Action == planner.Create:
			if inv := configInvite(cfg, c.Nickname); inv != nil {
				tokens = append(tokens, inv.Token.Reveal())
			}
		case c.Type != planner.TypeUser:
		case c.Action == planner.Update || c.Action == planner.Delete:
			ids = append(ids, c.ID)
		case c.Action == planner.Create:
			nicks = append(nicks, c.Nickname)
			if a := c.Attr("email"); a != nil {
				if e, ok := a.After.(string); ok {
					emails = append(emails, e)
				}
			}
		}
	}
	live, err := planner.LockUsers(ctx, tx, ids)
	if err != nil {
		return nil, nil, err
	}
	var invites map[int64]*planner.LiveInvite
	if len(inviteIDs) > 0 {
		if invites, err = planner.LockInvites(ctx, tx, inviteIDs); err != nil {
			return nil, nil, err
		}
	}
	var moved []string
	for _, c := range p.Changes {
		switch {
		case c.Type == "invite" && c.Action == planner.Update:
			if li := invites[c.InviteID]; li == nil {
				moved = append(moved, c.Address+": the invite no longer exists")
			} else {
				moved = append(moved, movedColumns(c, li.Fingerprint())...)
			}
		case c.Type != planner.TypeUser:
		case c.Action == planner.Update || c.Action == planner.Delete:
			if lu := live[c.ID]; lu == nil {
				moved = append(moved, c.Address+": the account no longer exists")
			} else {
				moved = append(moved, movedColumns(c, lu.Fingerprint())...)
			}
		}
	}
	if len(nicks) > 0 {
		taken, err := planner.ReadTaken(ctx, tx, nicks, emails)
		if err != nil {
			return nil, nil, err
		}
		for _, t := range taken {
			moved = append(moved, fmt.Sprintf("account %q now holds a nickname or e-mail address the plan creates", t.Nickname))
		}
	}
	if len(tokens) > 0 {
		rows, err := tx.Query(ctx, `SELECT token FROM user_invite_tokens WHERE token = ANY($1::text[])`, tokens)
		if err != nil {
			return nil, nil, fmt.Errorf("applier: re-reading invites: %w", err)
		}
		existing, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return nil, nil, fmt.Errorf("applier: re-reading invites: %w", err)
		}
		have := map[string]bool{}
		for _, t := range existing {
			have[t] = true
		}
		for _, c := range p.Changes {
			if c.Type != "invite" || c.Action != planner.Create {
				continue
			}
			if inv := configInvite(cfg, c.Nickname); inv != nil && have[inv.Token.Reveal()] {
				moved = append(moved, c.Address+": an invite with its token now exists")
			}
		}
	}
	if p.Rows != nil {
		more, err := recheckRows(ctx, tx, p, cfg, live, invites, tokens)
		if err != nil {
			return nil, nil, err
		}
		moved = append(moved, more...)
	}
	if len(moved) > 0 {
		sort.Strings(moved)
		return nil, nil, &StaleError{Moved: moved}
	}
	return live, invites, nil
}

// recheckRows compares every row the configuration compares with the
// digests the plan recorded (planner.RowPrints), skipping the rows the
// plan changes, which recheck has locked and compared already. It reads
// every local account once, without locking the rows it does not change:
// roster's lock keeps other rosters out, and the server changes these
// columns only at an admin's request.
func recheckRows(ctx context.Context, tx pgx.Tx, p *planner.Plan, cfg *schema.Config, locked map[string]*planner.LiveUser, lockedInvites map[int64]*planner.LiveInvite, creating []string) ([]string, error) {
	compared := planner.Compared(cfg)
	seen := map[string]bool{}
	var moved []string
	scan := planner.ScanLocalUsers
	if !planner.ComparesUndeclared(cfg) {
		nicks := make([]string, 0, len(cfg.Users))
		for _, u := range cfg.Users {
			nicks = append(nicks, u.Nickname)
		}
		scan = func(ctx context.Context, q planner.Querier, visit func(*planner.LiveUser)) (int, error) {
			return planner.ScanNamedLocalUsers(ctx, q, nicks, visit)
		}
	}
	_, err := scan(ctx, tx, func(u *planner.LiveUser) {
		key := "user:" + u.ID
		before, had := p.Rows[key]
		cols := compared(u)
		if had {
			seen[key] = true
		}
		if locked[u.ID] != nil || (!had && cols == nil) {
			return
		}
		switch {
		case !had:
			moved = append(moved, fmt.Sprintf("user.%s: a new account, or one the plan did not compare", u.Nickname))
		case cols == nil:
			moved = append(moved, fmt.Sprintf("user.%s: no longer compared by the configuration", u.Nickname))
		default:
			if cs := planner.MovedColumns(before, u.Print(cols)); len(cs) > 0 {
				moved = append(moved, fmt.Sprintf("user.%s: %s changed", u.Nickname, strings.Join(cs, ", ")))
			}
		}
	})
	if err != nil {
		return nil, err
	}
	if len(cfg.Invites) > 0 || cfg.Prune.Invites == "revoke" {
		invites, err := planner.ReadInvites(ctx, tx)
		if err != nil {
			return nil, err
		}
		for _, i := range invites {
			key := fmt.Sprintf("invite:%d", i.ID)
			before, had := p.Rows[key]
			seen[key] = true
			switch {
			case lockedInvites[i.ID] != nil || (!had && slices.Contains(creating, i.Token)):
				// compared by recheck, or reported as a token the plan creates
			case !had:
				moved = append(moved, fmt.Sprintf("invite #%d: a new invite since the plan", i.ID))
			default:
				if cs := planner.MovedColumns(before, i.Print()); len(cs) > 0 {
					moved = append(moved, fmt.Sprintf("invite #%d: %s changed", i.ID, strings.Join(cs, ", ")))
				}
			}
		}
	}
	var gone []string
	for key := range p.Rows {
		if !seen[key] {
			what := "account " + strings.TrimPrefix(key, "user:")
			if id, ok := strings.CutPrefix(key, "invite:"); ok {
				what = "invite #" + id
			}
			gone = append(gone, what+": deleted since the plan")
		}
	}
	sort.Strings(gone)
	return append(moved, gone...), nil
}

// configInvite returns the configuration's invite of that name, or nil.
func configInvite(cfg *schema.Config, name string) *schema.Invite {
	for _, i := range cfg.Invites {
		if i.Name == name {
			return i
		}
	}
	return nil
}

// movedColumns says which compared columns of a change's row moved since
// the plan, as one line, or nothing.
func movedColumns(c planner.Change, now map[string]string) []string {
	if cols := planner.Moved(c.Fingerprint, now); len(cols) > 0 {
		return []string{c.Address + ": " + strings.Join(cols, ", ") + " changed"}
	}
	return nil
}
