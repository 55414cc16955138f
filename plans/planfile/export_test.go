package planfile

// The external tests reach these through their exported names.

const (
	FormatVersion = formatVersion
	MaxFileSize   = maxFileSize
)
