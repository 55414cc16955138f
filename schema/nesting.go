package schema

import (
	"bytes"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// CheckNesting refuses configuration source (a *.hcl file, a variables
// file) that nests more than MaxNesting levels deep, before anything parses
// it: HCL's parser and evaluator recurse once for each level, and a deep
// enough nesting overflows the stack, which no program can recover from.
// The scan works on the lexer's tokens, without recursion. It returns one
// diagnostic at the first token past the limit, or none.
//
// It also refuses, before lexing, a source that is not UTF-8 or that has
// more than MaxTokens tokens: HCL lexes a whole source at once, at about
// 100 bytes a token.
func CheckNesting(src []byte, filename string) hcl.Diagnostics {
	_, diags := checkSource(src, filename, MaxTokens)
	return diags
}

// checkSource is CheckNesting for a source that may hold at most limit
// tokens, the rest of the configuration's budget; it returns how many it
// counted.
func checkSource(src []byte, filename string, limit int) (int, hcl.Diagnostics) {
	n, diags := checkSize(src, filename, limit)
	if diags.HasErrors() {
		return n, diags
	}
	return n, checkDepth(src, filename)
}

// checkSize is the part of checkSource that needs no lexer: UTF-8, and at
// most limit tokens. Its count comes in the order of the files, against
// the configuration's budget; checkDepth, which lexes, may then run on each
// file apart.
func checkSize(src []byte, filename string, limit int) (int, hcl.Diagnostics) {
	at := &hcl.Range{Filename: filename, Start: hcl.InitialPos, End: hcl.InitialPos}
	if !utf8.Valid(src) {
		return 0, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid UTF-8",
			Detail: "The file is not UTF-8 text, as HCL requires. Save it as UTF-8.", Subject: at}}
	}
	n := countTokens(src, false, limit)
	if n > limit {
		return n, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Too many tokens",
			Detail: fmt.Sprintf("With this file, the configuration's *.hcl files hold more than %s tokens (words, numbers, strings and punctuation) together, the most roster reads: "+
				"100,000 users written as user blocks take about 3.5 million. Keep a roster that large as data (csvdecode or jsondecode of a file()).", commas(MaxTokens)),
			Subject: at}}
	}
	return n, nil
}

// checkDepth is the part of checkSource that lexes: a nesting at most
// MaxNesting deep. A source that shallow clears is not lexed: lexing takes
// as long as parsing, which lexes again.
func checkDepth(src []byte, filename string) hcl.Diagnostics {
	if shallow(src, MaxNesting) {
		return nil
	}
	toks, _ := hclsyntax.LexConfig(src, filename, hcl.InitialPos)
	if t, deep := tooDeep(toks); deep {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Nesting too deep",
			Detail: fmt.Sprintf("The file nests more than %d levels deep here. Brackets, braces, parentheses, quoted strings and heredocs, "+
				"template interpolations and directives, and each operator of a chain count as one level. roster reads no further: no real "+
				"configuration nests so deeply. Name the inner parts with locals.", MaxNesting),
			Subject: t.Range.Ptr()}}
	}
	return nil
}

// shallow reports whether src certainly nests at most limit levels deep as
// tooDeep counts them, from its bytes alone, in one pass and no
// allocation but the brackets it keeps. It bounds the depth from above: at
// the top level, tooDeep's depth starts from nothing at a newline that does
// not follow an operator, and every token that makes it one level deeper
// (a bracket, brace, parenthesis or quote that opens, an operator) has a
// byte of its own among the ones counted here since then; counting every
// byte that may be part of an operator (a = too) only counts more. It
// answers false, leaving the answer to the lexer, past limit and at
// whatever it does not follow as the lexer does: heredocs, template
// sequences, block comments, a closer that does not match, a string cut
// by a newline or an escape it does not know.
func shallow(src []byte, limit int) bool {
	d := depthBound{prev: ' '}
	for i := 0; i < len(src); i++ {
		if i = d.step(src, i); i < 0 || d.count > limit {
			return false
		}
	}
	return true
}

// depthBound is what shallow keeps as it reads.
type depthBound struct {
	open  []byte // the brackets, braces and parentheses open
	count int    // what may make it deeper, since the top level was last reset
	prev  byte   // the last byte of the last token, comments aside
}

// step reads the byte at src[i], with the comment or quoted string it
// starts, and returns the index of the last byte it read; -1 where shallow
// leaves the answer to the lexer.
func (d *depthBound) step(src []byte, i int) int {
	if j, done := d.blank(src, i); done {
		return j
	}
	switch c := src[i]; {
	case c == '"':
		if i = quotedEnd(src, i+1); i < 0 {
			return -1
		}
		d.count++
	case c == '{' || c == '[' || c == '(':
		d.open = append(d.open, c)
		d.count++
	case c == '}' || c == ']' || c == ')':
		if !d.close(c) {
			return -1
		}
	case isOperatorByte(c):
		d.count++
	}
	d.prev = src[i]
	return i
}

// blank reads what is no token of tooDeep's at src[i]: a blank, a newline
// (which resets the count at the top level after anything but an
// operator) or a line comment, and returns the index of the last byte it
// read and true; -1 and true at a block comment or a heredoc, which
// shallow leaves to the lexer; false at anything else.
func (d *depthBound) blank(src []byte, i int) (int, bool) {
	c, next := src[i], byte(0)
	if i+1 < len(src) {
		next = src[i+1]
	}
	switch {
	case c == ' ' || c == '\t' || c == '\r':
		return i, true
	case c == '\n':
		if len(d.open) == 0 && !isOperatorByte(d.prev) {
			d.count = 0
		}
		return i, true
	case c == '#' || (c == '/' && next == '/'):
		for i+1 < len(src) && src[i+1] != '\n' {
			i++
		}
		return i, true // its newline resets as any other
	case (c == '/' && next == '*') || (c == '<' && next == '<'):
		return -1, true
	}
	return i, false
}

// close ends the innermost bracket, brace or parenthesis with closer c,
// unless it is not the one c closes.
func (d *depthBound) close(c byte) bool {
	opener := byte('(')
	switch c {
	case '}':
		opener = '{'
	case ']':
		opener = '['
	}
	if len(d.open) == 0 || d.open[len(d.open)-1] != opener {
		return false
	}
	d.open = d.open[:len(d.open)-1]
	return true
}

// isOperatorByte reports whether c may be part of an operator token.
func isOperatorByte(c byte) bool {
	switch c {
	case '*', '/', '+', '-', '%', '=', '!', '<', '>', '&', '|', '?':
		return true
	}
	return false
}

// quotedEnd returns the index of the quote that ends the quoted string
// whose text starts at src[i], or -1 at what shallow leaves to the lexer:
// an interpolation or directive, a newline, the end of src, or an escape
// other than a backslash and one ASCII character.
func quotedEnd(src []byte, i int) int {
	for ; i < len(src); i++ {
		switch c := src[i]; {
		case c == '"':
			return i
		case c == '\n':
			return -1
		case c == '\\':
			if i+1 >= len(src) || src[i+1] == '\n' || src[i+1] == '\r' || src[i+1] >= utf8.RuneSelf {
				return -1
			}
			i++
		case c == '$' || c == '%':
			switch {
			case i+2 < len(src) && src[i+1] == c && src[i+2] == '{':
				i += 2 // $${ and %%{ are literal
			case i+1 < len(src) && src[i+1] == '{':
				return -1
			}
		}
	}
	return -1
}

// commas formats n as 5,000,000.
func commas(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// checkTemplateNesting is CheckNesting for a template read by
// templatefile, as an error for the function to return; it returns the
// tokens it counted, of at most limit.
func checkTemplateNesting(src []byte, path string, limit int) (int, error) {
	n := countTokens(src, true, limit)
	if n > limit {
		return n, fmt.Errorf("the template %q takes the configuration past %s tokens, the most roster reads", path, commas(MaxTokens))
	}
	return n, checkTemplateDepth(src, path)
}

func checkTemplateDepth(src []byte, path string) error {
	toks, _ := hclsyntax.LexTemplate(src, path, hcl.InitialPos)
	if t, deep := tooDeep(toks); deep {
		return fmt.Errorf("the template %q nests more than %d levels deep at line %d", path, MaxNesting, t.Range.Start.Line)
	}
	return nil
}

// nestLevel is one open bracket, string, interpolation or directive of a
// scan, or the top level.
type nestLevel struct {
	// opener is the token that opened the level (TokenNil at the top and
	// for a directive's body); only its closer ends the level, and only
	// endif or endfor a directive's body.
	opener hclsyntax.TokenType
	// keyword is the first word of a %{ sequence: if, for, else, endif…
	keyword string
	// directive marks the body of a %{ if } or %{ for }.
	directive bool
	// base is the depth of the level; cur the depth the current item has
	// reached, as operators and brackets accumulate until a separator.
	base, cur int
	// newlines end an item at the top level and in braces (blocks and
	// objects); elsewhere HCL ignores them.
	newlines bool
}

// tooDeep scans tokens for a nesting deeper than MaxNesting and returns the
// token that goes past it. The depth it counts bounds the recursion of
// hclsyntax's parser and of evaluation: every opening token is a level, and
// so is every operator, since a chain such as a+b+c, !!x, a?b:c?d:e or
// x[i][j] makes a tree as deep as the chain is long.
func tooDeep(toks hclsyntax.Tokens) (hclsyntax.Token, bool) { return tooDeepAt(toks, MaxNesting) }

// tooDeepAt is tooDeep with limit levels for MaxNesting.
func tooDeepAt(toks hclsyntax.Tokens, limit int) (hclsyntax.Token, bool) {
	stack := []nestLevel{{newlines: true}}
	prev := hclsyntax.TokenNil // the last token but newlines and comments
	for i, t := range toks {
		top := len(stack) - 1
		// A newline ends an item only after a complete one: HCL reads on
		// past a newline that follows an operator.
		ends := stack[top].newlines && !operators[prev]
		switch t.Type {
		case hclsyntax.TokenOBrace, hclsyntax.TokenOBrack, hclsyntax.TokenOParen, hclsyntax.TokenOQuote, hclsyntax.TokenOHeredoc:
			stack[top].cur++
			d := stack[top].cur
			// Newlines end items in a block's body and an object, not in
			// a { for … } expression, nor in brackets and parentheses.
			newlines := t.Type == hclsyntax.TokenOBrace && !forExpr(toks[i+1:])
			stack = append(stack, nestLevel{opener: t.Type, base: d, cur: d, newlines: newlines})
		case hclsyntax.TokenTemplateInterp, hclsyntax.TokenTemplateControl:
			// Interpolations follow one another in a template without
			// nesting: each is one level below the template, not one more
			// than the previous.
			d := stack[top].cur + 1
			l := nestLevel{opener: t.Type, base: d, cur: d}
			if i+1 < len(toks) && toks[i+1].Type == hclsyntax.TokenIdent {
				l.keyword = string(toks[i+1].Bytes)
			}
			stack = append(stack, l)
		case hclsyntax.TokenCBrace, hclsyntax.TokenCBrack, hclsyntax.TokenCParen, hclsyntax.TokenCQuote,
			hclsyntax.TokenCHeredoc, hclsyntax.TokenTemplateSeqEnd:
			stack = closeLevel(stack, t.Type)
		case hclsyntax.TokenComma, hclsyntax.TokenEqual, hclsyntax.TokenFatArrow:
			stack[top].cur = stack[top].base
		case hclsyntax.TokenNewline:
			if ends {
				stack[top].cur = stack[top].base
			}
		case hclsyntax.TokenComment:
			// A line comment holds the newline that ends it.
			if ends && bytes.HasSuffix(t.Bytes, []byte("\n")) {
				stack[top].cur = stack[top].base
			}
		default:
			if operators[t.Type] {
				stack[top].cur++
			}
		}
		if t.Type != hclsyntax.TokenNewline && t.Type != hclsyntax.TokenComment {
			prev = t.Type
		}
		if stack[len(stack)-1].cur > limit {
			return t, true
		}
	}
	return hclsyntax.Token{}, false
}

// forExpr reports whether the tokens after a { begin a for expression,
// newlines aside.
func forExpr(after hclsyntax.Tokens) bool {
	for _, t := range after {
		switch {
		case t.Type == hclsyntax.TokenNewline || t.Type == hclsyntax.TokenComment:
			continue
		case t.Type == hclsyntax.TokenIdent && string(t.Bytes) == "for":
			return true
		}
		return false
	}
	return false
}

// operators are the tokens that make an expression one level deeper: the
// binary and unary operators, the conditional's ?, and the splat's *.
var operators = map[hclsyntax.TokenType]bool{
	hclsyntax.TokenStar: true, hclsyntax.TokenSlash: true, hclsyntax.TokenPlus: true, hclsyntax.TokenMinus: true,
	hclsyntax.TokenPercent: true, hclsyntax.TokenEqualOp: true, hclsyntax.TokenNotEqual: true,
	hclsyntax.TokenLessThan: true, hclsyntax.TokenLessThanEq: true, hclsyntax.TokenGreaterThan: true,
	hclsyntax.TokenGreaterThanEq: true, hclsyntax.TokenAnd: true, hclsyntax.TokenOr: true, hclsyntax.TokenBang: true,
	hclsyntax.TokenQuestion: true,
}

// closers pairs each closing token with the tokens it closes.
var closers = map[hclsyntax.TokenType][]hclsyntax.TokenType{
	hclsyntax.TokenCBrace:         {hclsyntax.TokenOBrace},
	hclsyntax.TokenCBrack:         {hclsyntax.TokenOBrack},
	hclsyntax.TokenCParen:         {hclsyntax.TokenOParen},
	hclsyntax.TokenCQuote:         {hclsyntax.TokenOQuote},
	hclsyntax.TokenCHeredoc:       {hclsyntax.TokenOHeredoc},
	hclsyntax.TokenTemplateSeqEnd: {hclsyntax.TokenTemplateInterp, hclsyntax.TokenTemplateControl},
}

// closeLevel ends the innermost level when closer closes it; a closer that
// does not match is left to the parser to report, and the scan stays as
// deep as it was, never shallower than the parser. A %{ if } or %{ for }
// opens a directive's body, which its %{ endif } or %{ endfor } closes.
func closeLevel(stack []nestLevel, closer hclsyntax.TokenType) []nestLevel {
	top := stack[len(stack)-1]
	matches := false
	for _, o := range closers[closer] {
		matches = matches || top.opener == o
	}
	if len(stack) == 1 || !matches {
		return stack
	}
	stack = stack[:len(stack)-1]
	if top.opener != hclsyntax.TokenTemplateControl {
		return stack
	}
	switch top.keyword {
	case "if", "for":
		return append(stack, nestLevel{directive: true, base: top.base, cur: top.base})
	case "endif", "endfor":
		if len(stack) > 1 && stack[len(stack)-1].directive {
			stack = stack[:len(stack)-1]
		}
	}
	return stack
}
