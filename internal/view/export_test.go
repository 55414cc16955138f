package view

// The external tests reach these through their exported names.

const (
	JSONFormatVersion = jsonFormatVersion
	CommentLimit      = commentLimit
	MarkdownMarker    = markdownMarker
)

type Column = column

var (
	MarkdownWithin     = markdownWithin
	NewTable           = newTable
	InviteURLs         = inviteURLs
	InviteURLsWithheld = inviteURLsWithheld
	PrivilegesLine     = privilegesLine
)
