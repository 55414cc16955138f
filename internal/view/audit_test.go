package view_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/roster-project/roster/internal/view"
	"github.com/roster-project/roster/plans"
)

// TestAuditNote: a plan says once, in every format, whether apply writes
// the server's moderation log: a note without an actor, nothing with one
// (JSON names it).
func TestAuditNote(t *testing.T) {
	const note = "apply writes no entry"
	for _, actor := range []string{"", "root"} {
		p := samplePlan()
		p.AuditActor = actor
		var text, md, js bytes.Buffer
		view.Plan(&text, p, view.Style{})
		if err := view.Markdown(&md, p, "1.2.3"); err != nil {
			t.Fatal(err)
		}
		if err := view.JSON(&js, p, "1.2.3"); err != nil {
			t.Fatal(err)
		}
		want := 1
		if actor != "" {
			want = 0
		}
		for format, out := range map[string]string{"text": text.String(), "markdown": md.String()} {
			if n := strings.Count(out, note); n != want {
				t.Errorf("actor %q: the %s plan says %q %d times, want %d:\n%s", actor, format, note, n, want, out)
			}
		}
		var doc struct {
			AuditActor *string `json:"audit_actor"`
		}
		if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		if got := doc.AuditActor; (actor == "") != (got == nil) || got != nil && *got != actor {
			t.Errorf("actor %q: JSON audit_actor = %v", actor, got)
		}
	}
	// An empty plan writes nothing, so it has nothing to note.
	var b bytes.Buffer
	view.Plan(&b, &plans.Plan{}, view.Style{})
	if strings.Contains(b.String(), note) {
		t.Errorf("an empty plan notes the moderation log:\n%s", b.String())
	}
}
