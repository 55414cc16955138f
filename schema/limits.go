package schema

// Limits on what roster reads for one configuration. A pull request writes
// the configuration, and CI validates and plans it next to production
// secrets, so no input may make roster read without bound, recurse until
// the stack overflows, or crash; each limit is far beyond any real
// configuration (100,000 users take about 14 MB of HCL, nested a few
// levels deep).
const (
	// MaxFileSize is the most bytes roster reads from one file: a *.hcl
	// file, a file read by file() or templatefile(), a variables file.
	MaxFileSize = 64 << 20
	// MaxConfigSize is the most bytes roster reads for one configuration,
	// all its files together, each path counted once.
	MaxConfigSize = 256 << 20
	// MaxNesting is how deep a source may nest: brackets, braces,
	// parentheses, strings, template interpolations and directives, and
	// each operator of a chain count one level. HCL's parser overflows
	// Go's stack at about 49,000 nested "${ and 58,000 nested [; JSON given
	// to jsondecode is held to the same depth.
	MaxNesting = 128
	// MaxTokens is the most tokens (words, numbers, strings and
	// punctuation) of one configuration's *.hcl files and templates
	// together: HCL lexes a file at about 100 bytes a token and builds on
	// them, so the token count, not the byte count, bounds its memory.
	// 100,000 users written as blocks of four attributes take about 3.5
	// million; 5 million hostile tokens take about 2 GB and 25 s.
	MaxTokens = 5_000_000
	// MaxValueNesting is how deep a value may nest lists, maps and objects:
	// locals referring to locals can build one deeper than any source, and
	// cty walks values recursively (it overflows the stack at about 840,000
	// levels).
	MaxValueNesting = 1024
)
