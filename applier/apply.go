package applier

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/roster-project/roster/internal/live"
	"github.com/roster-project/roster/internal/server"
	"github.com/roster-project/roster/plans"
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
	// Replan makes the plan of cfg again, in the transaction q, under the
	// lock: the planner, with the options the plan to apply was made with
	// (targets, --allow-mass-prune). Apply needs it.
	Replan func(ctx context.Context, q live.Querier, cfg *schema.Config) (*plans.Plan, hcl.Diagnostics)
	// Approved names the plan Apply is given in the lines of a
	// *StaleError; default "the plan shown".
	Approved string
	// AuditActor is the local admin as whom FixFollowState writes its
	// moderation log entry (server.audit_actor, which planner's
	// CheckAuditActor checked); "" writes none. Apply takes the actor from
	// the plan instead, and SignOut and ResetPassword write none: the admin
	// API logs nothing for them.
	AuditActor string
	// Progress, when set, is told how far Apply's slow work before the
	// lock has come: each new account (its keys and password hash) and
	// each password an update rewrites (its hash) counts one. (0, total)
	// when it begins, then once after each; nothing when there is none.
	// The calls come from the workers, one at a time, done increasing.
	Progress func(done, total int)
}

// Result is what an apply did.
type Result struct {
	Added, Changed, Destroyed int
	// Plan is the plan applied: the one made again under the lock, which
	// writes what the approved plan says; its counts that only describe
	// (accounts read, sessions ended) are the ones of the moment of apply.
	Plan *plans.Plan
	// InviteURLs are the registration URLs of the created invites but
	// those created revoked, in plan order. They hold the invites' tokens:
	// print them only to a terminal or when asked to, never in a log or an
	// error.
	InviteURLs []string
	// Logged counts the entries written to the server's moderation log,
	// as the plan's AuditActor.
	Logged int
	// Warnings are those of the checks that do not hold on what the apply
	// wrote without being enforced; Plan.Checks holds every check's
	// outcome there.
	Warnings hcl.Diagnostics
}

// Apply makes the database match cfg in one transaction, writing exactly
// what the approved plan want says or nothing at all. want is evidence, not
// instructions: under roster's lock, with the rows want changes locked,
// Apply plans again from cfg and the live rows and proceeds only when the
// new plan equals want in everything it would write
// (plans.Differences, with the accounts that moved named: Differences);
// then it writes the new plan, evaluates the configuration's checks on
// what it wrote, and commits unless a check with enforce = true does not
// hold (a *CheckError). Otherwise it returns
// a *StaleError listing the differences, or a *PlanError when the new plan
// fails, and writes nothing. On any error nothing is written, but for a
// *CommitUnknownError: the connection failed while COMMIT was in flight,
// and the changes may or may not have been written.
func Apply(ctx context.Context, db live.Beginner, want *plans.Plan, cfg *schema.Config, opts Options) (Result, error) {
	if opts.LockTimeout == 0 {
		opts.LockTimeout = 10 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if want.Empty() {
		return Result{Plan: want}, nil
	}
	if !want.Server.Known && !cfg.Server.AllowUnknownVersion {
		return Result{}, &UnknownVersionError{Version: want.Server.Version, Newest: server.Info{Flavor: want.Server.Flavor}.Newest()}
	}
	// The slow, CPU-bound work (keys, hashes) happens before the lock is
	// taken, so the lock is held only for planning again and writing. It
	// depends only on the configuration and which accounts are created,
	// which the new plan must share with want.
	creates, secrets, err := prepare(ctx, want, cfg, opts)
	if err != nil {
		return Result{}, err
	}
	tx, err := db.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return Result{}, fmt.Errorf("begin: %w", err)
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
	locked, invites, err := lockRows(ctx, tx, want)
	if isLockTimeout(err) {
		tx.Rollback(context.WithoutCancel(ctx))
		committed = true
		return Result{}, &LockError{Timeout: opts.LockTimeout, Rows: true, Holders: rowHolders(ctx, tx.Conn())}
	}
	if err != nil {
		return Result{}, err
	}
	if opts.Approved == "" {
		opts.Approved = "the plan shown"
	}
	p, err := planAgain(ctx, tx, want, cfg, opts)
	if err != nil {
		return Result{}, err
	}
	// The new plan changes the rows want does, but for an account whose
	// only change ends sessions (not compared): lock it too.
	if err := lockMore(ctx, tx, p, locked); err != nil {
		return Result{}, err
	}
	info, err := server.Detect(ctx, tx)
	if err != nil {
		return Result{}, err
	}
	w := &writer{tx: tx, info: info, now: opts.Now().UTC().Truncate(time.Second), baseURL: p.Server.URL,
		endSessions: cfg.Server.EndSessions, audit: newAuditLog(p)}
	urls, err := write(ctx, w, p, cfg, bind(creates, p), secrets, locked, invites)
	if err != nil {
		return Result{}, err
	}
	logged, err := writeAudit(ctx, w, p, cfg, locked)
	if err != nil {
		return Result{}, err
	}
	outcomes, warnings, err := checkWritten(ctx, tx, cfg)
	if err != nil {
		return Result{}, err
	}
	if err := commit(ctx, tx, applyCheck(len(urls))); err != nil {
		return Result{}, err
	}
	committed = true
	p.Checks = outcomes
	add, change, destroy := p.Counts()
	return Result{Added: add, Changed: change, Destroyed: destroy, Plan: p, InviteURLs: urls, Logged: logged, Warnings: warnings}, nil
}

// lockMore locks the accounts p changes that locked, the rows locked
// before p was made, lacks, and adds them to locked.
func lockMore(ctx context.Context, tx pgx.Tx, p *plans.Plan, locked map[string]*live.User) error {
	var ids []string
	for _, c := range p.Changes {
		if c.Type == plans.TypeUser && c.ID != "" && locked[c.ID] == nil {
			ids = append(ids, c.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	more, err := live.LockUsers(ctx, tx, ids)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if more[id] == nil {
			return &StaleError{Moved: []string{"account " + id + ": deleted while the plan was made again"}}
		}
		locked[id] = more[id]
	}
	return nil
}

// planAgain makes the plan of cfg in tx, under the lock, and returns it
// when it writes what want says.
func planAgain(ctx context.Context, tx pgx.Tx, want *plans.Plan, cfg *schema.Config, opts Options) (*plans.Plan, error) {
	if opts.Replan == nil {
		return nil, errors.New("Options.Replan is not set: Apply cannot plan again")
	}
	p, diags := opts.Replan(ctx, tx, cfg)
	if diags.HasErrors() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		return nil, &PlanError{Diags: diags}
	}
	d, err := Differences(ctx, tx, want, p, opts.Approved)
	if err != nil {
		return nil, err
	}
	if len(d) > 0 {
		return nil, &StaleError{Moved: d}
	}
	return p, nil
}

// bind points the prepared accounts at the changes of p that create them:
// the same addresses as the plan they were prepared for.
func bind(creates []*newUser, p *plans.Plan) []*newUser {
	for _, n := range creates {
		for i := range p.Changes {
			if c := &p.Changes[i]; c.Address == n.change.Address && c.Action == plans.Create {
				n.change = c
			}
		}
	}
	return creates
}

// write carries out p in the writer's transaction, in the server's order:
// new accounts, invites and updates, then deletions, then remote instances
// and local_users on the accounts as those left them. It returns the
// registration URLs of the invites it creates.
func write(ctx context.Context, w *writer, p *plans.Plan, cfg *schema.Config, creates []*newUser, secrets map[string]string,
	locked map[string]*live.User, invites map[int64]*live.Invite) ([]string, error) {
	if err := w.insertUsers(ctx, creates); err != nil {
		return nil, err
	}
	urls, err := writeChanges(ctx, w, p, cfg, secrets, locked, invites)
	if err != nil {
		return nil, err
	}
	if err := w.flush(ctx); err != nil {
		return nil, err
	}
	if err := deleteUsers(ctx, w, p, cfg, locked); err != nil {
		return nil, err
	}
	if err := w.flush(ctx); err != nil {
		return nil, err
	}
	if err := writeGroups(ctx, w, p, cfg); err != nil {
		return nil, err
	}
	return urls, nil
}

// writeChanges queues the invites' creations and updates and the accounts'
// updates, and returns the registration URLs of the invites created.
func writeChanges(ctx context.Context, w *writer, p *plans.Plan, cfg *schema.Config, secrets map[string]string,
	locked map[string]*live.User, invites map[int64]*live.Invite) ([]string, error) {
	var urls []string
	for i := range p.Changes {
		c := &p.Changes[i]
		switch {
		case c.Type == plans.TypeInvite && c.Action == plans.Create:
			url, err := w.createInvite(c, cfg)
			if err != nil {
				return nil, err
			}
			if url != "" {
				urls = append(urls, url)
			}
		case c.Type == plans.TypeInvite && c.Action == plans.Update:
			if err := w.updateInvite(c, invites[c.InviteID]); err != nil {
				return nil, err
			}
		case c.Type == plans.TypeUser && c.Action == plans.Update:
			if err := w.updateUser(ctx, c, cfg.User(c.Nickname), locked[c.ID], secrets[c.Address]); err != nil {
				return nil, err
			}
		}
	}
	return urls, nil
}

// deleteUsers queues the deletions, each as the server's rm after the other
// changes.
func deleteUsers(ctx context.Context, w *writer, p *plans.Plan, cfg *schema.Config, locked map[string]*live.User) error {
	var del *deleter
	for i := range p.Changes {
		c := &p.Changes[i]
		if c.Type != plans.TypeUser || c.Action != plans.Delete {
			continue
		}
		if del == nil {
			var err error
			if del, err = newDeleter(w, cfg.Server.Federating); err != nil {
				return err
			}
		}
		if err := del.deleteUser(ctx, c, locked[c.ID]); err != nil {
			return err
		}
	}
	return nil
}

// writeGroups writes the remote_instance changes, then local_users, on the
// accounts as the other changes left them.
func writeGroups(ctx context.Context, w *writer, p *plans.Plan, cfg *schema.Config) error {
	for _, typ := range []plans.Type{plans.TypeRemoteInstance, plans.TypeLocalUsers} {
		for i := range p.Changes {
			c := &p.Changes[i]
			if c.Type != typ {
				continue
			}
			var err error
			if typ == plans.TypeRemoteInstance {
				err = w.remoteInstance(ctx, c, cfg)
			} else {
				err = w.localUsers(ctx, c, cfg)
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

var errLockTimeout = errors.New("lock timeout")

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
		return fmt.Errorf("setting the lock timeout: %w", err)
	}
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", LockKey); err != nil {
		if isLockTimeout(err) {
			return errLockTimeout
		}
		return fmt.Errorf("taking the lock: %w", err)
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

// lockRows locks, before the plan is made again, the rows of users and
// invites that want changes: a new plan that writes what want says changes
// the same rows, so that what it read of them cannot move before the
// writes. It returns them by id.
func lockRows(ctx context.Context, tx pgx.Tx, want *plans.Plan) (map[string]*live.User, map[int64]*live.Invite, error) {
	var ids []string
	var inviteIDs []int64
	for _, c := range want.Changes {
		switch {
		case c.Type == plans.TypeInvite && c.Action == plans.Update:
			inviteIDs = append(inviteIDs, c.InviteID)
		case c.Type == plans.TypeUser && (c.Action == plans.Update || c.Action == plans.Delete):
			ids = append(ids, c.ID)
		}
	}
	locked, err := live.LockUsers(ctx, tx, ids)
	if err != nil {
		return nil, nil, err
	}
	invites, err := live.LockInvites(ctx, tx, inviteIDs)
	if err != nil {
		return nil, nil, err
	}
	return locked, invites, nil
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
