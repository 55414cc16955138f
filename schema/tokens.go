package schema

import "unicode/utf8"

// HCL's lexer makes a token of about 100 bytes for every word, number,
// punctuation mark, string piece and newline of a source, all at once, and
// its parser and evaluator build on them: a 60 MB file of "1," takes 32 GB
// to lex. roster counts the tokens of a source first, with countTokens, in
// one pass and no allocation, and refuses a source with more than
// MaxTokens before HCL sees it.

// scanMode is what countTokens is reading: an expression, a quoted string,
// a heredoc's lines, or a template read by templatefile.
type scanMode struct {
	kind byte // 'e' expression, 'i' interpolation, 'q' quoted string, 'h' heredoc, 't' template
	// braces counts the braces open in an expression or interpolation: an
	// interpolation ends at the } that closes none of them.
	braces int
	// marker ends a heredoc, on a line of its own.
	marker []byte
}

// countTokens returns how many tokens HCL's lexer makes of src, valid
// UTF-8 (callers refuse any other: the lexer reads invalid UTF-8 byte by
// byte, in ways no count can follow), or more: it
// counts each punctuation byte as a token where the lexer may join two
// ("==", "=>"), and a word broken by "-" or "." as several. It stops
// counting past limit. With template set, src is a template's text, as
// templatefile reads it, rather than configuration.
func countTokens(src []byte, template bool, limit int) int {
	stack := []scanMode{{kind: 'e'}}
	if template {
		stack[0].kind = 't'
	}
	n := 0
	inLiteral := false // a literal piece of a string or template is counted
	for i := 0; i < len(src) && n <= limit; {
		switch stack[len(stack)-1].kind {
		case 'q', 'h', 't':
			i, n, inLiteral = countLiteralByte(src, i, n, inLiteral, &stack)
		default: // an expression, or an interpolation
			inLiteral = false
			i, n = countExprByte(src, i, n, &stack)
		}
	}
	return n
}

// countLiteralByte counts at src[i] in a quoted string, a heredoc or a
// template, as HCL's lexer splits them: a literal piece ends at an
// interpolation or directive, at an escaped $${ or %%{ (a token of its
// own), and in a heredoc or template after each newline; a quoted string's
// newline is a token of its own.
func countLiteralByte(src []byte, i, n int, inLiteral bool, stack *[]scanMode) (int, int, bool) {
	if next := countSequence(src, i, stack); next > i {
		return next, n + 1, false
	}
	kind := (*stack)[len(*stack)-1].kind
	c := src[i]
	switch {
	case kind == 'q' && c == '\\' && i+1 < len(src) && src[i+1] != '\n' && src[i+1] != '\r' && src[i+1] < utf8.RuneSelf:
		return piece(i+2, n, inLiteral)
	case c == '$' || c == '%' || c == '\\' || c == '\r':
		// The lexer splits a literal at a $ or % that could start a
		// sequence, at a backslash that escapes nothing, and at a carriage
		// return.
		return i + 1, n + 1, false
	case c >= utf8.RuneSelf:
		if r, size := utf8.DecodeRune(src[i:]); r != utf8.RuneError || size > 1 {
			return piece(i+size, n, inLiteral)
		}
		return i + 1, n + 1, false // invalid UTF-8, a token of its own
	case kind == 'q' && c == '"':
		*stack = (*stack)[:len(*stack)-1]
		return i + 1, n + 1, false
	case kind == 'q' && c == '\n':
		return i + 1, n + 1, false
	case c == '\n':
		i, n, _ = piece(i+1, n, inLiteral) // the newline ends the piece it belongs to
		if m := (*stack)[len(*stack)-1]; m.kind == 'h' {
			if end := heredocEnd(src[i:], m.marker); end > 0 {
				*stack = (*stack)[:len(*stack)-1]
				return i + end, n + 1, false
			}
		}
		return i, n, false
	}
	return piece(i+1, n, inLiteral)
}

// piece continues a literal piece up to next: the piece is a token when it
// starts here.
func piece(next, n int, inLiteral bool) (int, int, bool) {
	if !inLiteral {
		n++
	}
	return next, n, true
}

// countSequence reads, at src[i] in a string, a heredoc or a template, an
// escaped $${ or %%{, or the ${ or %{ that opens an interpolation or a
// directive (pushed on the stack). It returns where the next token starts,
// or i when none is there.
func countSequence(src []byte, i int, stack *[]scanMode) int {
	c := src[i]
	switch {
	case c != '$' && c != '%':
		return i
	case i+2 < len(src) && src[i+1] == c && src[i+2] == '{':
		return i + 3
	case i+1 < len(src) && src[i+1] == '{':
		*stack = append(*stack, scanMode{kind: 'i'})
		return i + 2
	}
	return i
}

// countExprByte counts the token at src[i] in an expression and returns
// where the next one starts, pushing or popping the mode stack at quotes,
// heredocs and braces.
func countExprByte(src []byte, i, n int, stack *[]scanMode) (int, int) {
	m := &(*stack)[len(*stack)-1]
	c := src[i]
	switch {
	case c == ' ' || c == '\t':
		return i + 1, n
	case c == '#' || c == '/':
		if next := skipComment(src, i); next > i {
			return next, n + 1
		}
	case c == '"':
		*stack = append(*stack, scanMode{kind: 'q'})
		return i + 1, n + 1
	case c == '<' && i+1 < len(src) && src[i+1] == '<':
		return countHeredoc(src, i, stack), n + 2 // the opener, and its first line or its closer
	case c == '{':
		m.braces++
		return i + 1, n + 1
	case c == '}':
		if m.kind == 'i' && m.braces == 0 {
			*stack = (*stack)[:len(*stack)-1]
		} else if m.braces > 0 {
			m.braces--
		}
		return i + 1, n + 1
	case wordClass(src[i:]) > 0:
		return countWord(src, i, n)
	}
	return i + 1, n + 1 // a punctuation mark, a newline, or a byte the lexer refuses
}

// skipComment returns where the comment at src[i] ends, a token of its own,
// or i when none starts there. An unterminated /* is not skipped: the lexer
// reads on as expression.
func skipComment(src []byte, i int) int {
	switch {
	case src[i] == '#' || (src[i] == '/' && i+1 < len(src) && src[i+1] == '/'):
		for i < len(src) && src[i] != '\n' {
			i++
		}
		return i
	case src[i] == '/' && i+1 < len(src) && src[i+1] == '*':
		if end := indexFrom(src, i+2, "*/"); end >= 0 {
			return end + 2
		}
	}
	return i
}

// countHeredoc reads the "<<" at src[i]: a heredoc's opener and its first
// line (pushed on the stack), an empty heredoc whole, or just "<<" (two
// tokens, as each of the others). It returns where the next token starts.
func countHeredoc(src []byte, i int, stack *[]scanMode) int {
	marker, body := heredocStart(src, i+2)
	if body == 0 {
		return i + 2
	}
	if end := heredocEnd(src[body:], marker); end > 0 {
		return body + end
	}
	*stack = append(*stack, scanMode{kind: 'h', marker: marker})
	return body
}

// countWord reads the word at src[i]. A number and a word may follow one
// another without a blank (0x1 lexes as 0 and x1): each run of digits and
// of other word characters counts.
func countWord(src []byte, i, n int) (int, int) {
	class := wordClass(src[i:])
	n++
	for i < len(src) {
		k := wordClass(src[i:])
		if k == 0 {
			break
		}
		if k != class {
			class = k
			n++
		}
		i++
	}
	return i, n
}

// wordClass says what the byte at the start of b is in an expression: 1 a
// digit, 2 an ASCII letter or an underscore, 0 anything else. A byte of a
// multi-byte character counts as a token of its own: the lexer reads them
// byte by byte, and a letter of another script in an identifier is rare
// enough that counting it high costs nothing.
func wordClass(b []byte) int {
	switch c := b[0]; {
	case c >= '0' && c <= '9':
		return 1
	case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_':
		return 2
	}
	return 0
}

// heredocStart reads a heredoc's introduction after "<<": an optional "-",
// an identifier, then a newline. It returns the identifier and where the
// first line starts, or 0 when this is not a heredoc.
func heredocStart(src []byte, i int) ([]byte, int) {
	if i < len(src) && src[i] == '-' {
		i++
	}
	start := i
	for i < len(src) && wordClass(src[i:]) > 0 {
		i++
	}
	if i == start || wordClass(src[start:]) != 2 || i >= len(src) || (src[i] != '\n' && !(src[i] == '\r' && i+1 < len(src) && src[i+1] == '\n')) {
		return nil, 0
	}
	marker := src[start:i]
	for src[i] != '\n' {
		i++
	}
	return marker, i + 1
}

// heredocEnd returns the length of line, the next line of a heredoc, when
// it ends the heredoc (the marker alone, blanks around it, a newline after
// it), else 0.
func heredocEnd(line []byte, marker []byte) int {
	end := 0
	for end < len(line) && line[end] != '\n' {
		end++
	}
	if end == len(line) {
		return 0 // a marker line must end with a newline
	}
	text := line[:end]
	for len(text) > 0 && (text[0] == ' ' || text[0] == '\t') {
		text = text[1:]
	}
	for len(text) > 0 && (text[len(text)-1] == ' ' || text[len(text)-1] == '\t' || text[len(text)-1] == '\r') {
		text = text[:len(text)-1]
	}
	if string(text) != string(marker) {
		return 0
	}
	return end
}

func indexFrom(src []byte, i int, s string) int {
	for ; i+len(s) <= len(src); i++ {
		if string(src[i:i+len(s)]) == s {
			return i
		}
	}
	return -1
}
