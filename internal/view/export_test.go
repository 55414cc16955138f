package view

import (
	"io"

	"github.com/roster-project/roster/plans"
)

// The external tests reach these through their exported names.

const (
	JSONFormatVersion = jsonFormatVersion
	CommentLimit      = commentLimit
	MarkdownMarker    = markdownMarker
)

type Column = column

var (
	MarkdownWithin = func(w io.Writer, p *plans.Plan, rosterVersion string, limit int) error {
		return markdownWithin(w, p, rosterVersion, limit, onPlan)
	}
	NewTable           = newTable
	InviteURLs         = inviteURLs
	InviteURLsWithheld = inviteURLsWithheld
	PrivilegesLine     = privilegesLine
)
