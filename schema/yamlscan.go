package schema

import (
	"fmt"
	"strings"
)

// The states checkYAML follows, as bits of a set: at each byte, every
// state the YAML scanner could be in.
const (
	yOut      = 1 << iota // between tokens, where a node may start
	yPlain                // in a plain scalar
	yDouble               // in a "double-quoted" scalar
	yEscape               // after a backslash in a double-quoted scalar
	ySingle               // in a 'single-quoted' scalar
	ySkip                 // on the second quote of a '' inside a single-quoted scalar
	yComment              // in a comment
	yProperty             // in a tag, an anchor or an alias
	yVerbatim             // in a verbatim tag, !<…>
	yHeader               // on the rest of the line of a block scalar's | or >
	yBlock                // in a block scalar's content
	yLast     = yBlock
)

// yamlScan follows a YAML text byte by byte for checkYAML.
type yamlScan struct {
	s string
	// states is the set of states the scanner could be in.
	states int
	// upper and lower bound the depth of flow collections open, whatever
	// the state; most is the largest upper bound so far.
	upper, lower, most int
	// blockMost is the largest sum so far of a line's indentation and the
	// block indicators on it; indicators counts those of the current line.
	blockMost, indicators int
	// flowLimit and blockLimit bound most and blockMost; err says which
	// was passed.
	flowLimit, blockLimit int
	err                   error
	// lineStart is the offset of the current line's first byte, indent
	// its indentation, and tokenMost the largest column at which a token
	// may start on it so far.
	lineStart, indent, tokenMost int
	// block says where the content of the block scalar that may be open
	// ends.
	block blockScalar
}

// blockScalar is what checkYAML knows of the block scalar whose content
// it may be in. Its content goes on while lines are empty or indented at
// least as much as its first line, as long as that is deeper than the
// collection that holds the scalar, which starts at most at parent. When
// checkYAML cannot tell (the first line is not deeper than parent, the
// header gives the indentation, two headers are open), the scalar is loose:
// every line as deep as the header's may be content or not.
type blockScalar struct {
	// header is the indentation of the header's line; parent the largest
	// column at which a token started on it before the header.
	header, parent int
	// content is the indentation of the first line of content; -1 until
	// that line.
	content int
	loose   bool
}

// checkYAML refuses a YAML text whose flow collections may nest more than
// MaxNesting levels deep, or a line whose indentation and block indicators
// (- , ? , : ) may nest block collections more than maxYAMLBlockLevels
// deep.
//
// It does not parse YAML; it follows every way the scanner could read each
// byte (in a quoted scalar or not, in a plain scalar or between tokens, in
// a block scalar's content or not) and counts a [ or { as opening a
// collection when any of them would, a ] or } as closing one only when all
// of them would. So it never counts fewer open collections than the
// scanner holds; a text it refuses may nest less, at worst, when it is
// ambiguous in ways real documents are not.
func checkYAML(s string) error {
	return scanYAML(s, MaxNesting, maxYAMLBlockLevels).err
}

// scanYAML follows s until the flow collections open pass flowLimit or a
// line's indentation and indicators pass blockLimit.
func scanYAML(s string, flowLimit, blockLimit int) *yamlScan {
	y := &yamlScan{s: s, states: yOut, flowLimit: flowLimit, blockLimit: blockLimit}
	y.err = y.run()
	return y
}

// run follows the text to its end or to the first limit passed.
func (y *yamlScan) run() error {
	s := y.s
	i := 0
	if strings.HasPrefix(s, bom) {
		i = len(bom)
	}
	i = y.startLine(i)
	for i < len(s) {
		if n := yamlBreak(s, i); n > 0 {
			y.lineBreak()
			i = y.startLine(i + n)
			continue
		}
		y.step(i)
		if y.most > y.flowLimit {
			return fmt.Errorf("the YAML text nests more than %d levels deep", y.flowLimit)
		}
		if y.blockMost > y.blockLimit {
			return fmt.Errorf("the YAML text nests more than %d levels deep", y.blockLimit)
		}
		i++
	}
	return nil
}

// yamlBreak returns the length of the line break at s[i], or 0: the
// scanner's breaks are CR, LF, NEL, LS and PS.
func yamlBreak(s string, i int) int {
	switch {
	case s[i] == '\r' || s[i] == '\n':
		return 1
	case s[i] == 0xC2 && i+1 < len(s) && s[i+1] == 0x85:
		return 2
	case s[i] == 0xE2 && i+2 < len(s) && s[i+1] == 0x80 && (s[i+2] == 0xA8 || s[i+2] == 0xA9):
		return 3
	}
	return 0
}

func blank(c byte) bool { return c == ' ' || c == '\t' }

// ends reports whether s[i] ends a word: a blank, a break, or the end of
// the text.
func (y *yamlScan) ends(i int) bool {
	return i >= len(y.s) || blank(y.s[i]) || yamlBreak(y.s, i) > 0
}

// flowIndicator reports whether c ends a plain scalar in a flow collection.
func flowIndicator(c byte) bool {
	return c == ',' || c == '[' || c == ']' || c == '{' || c == '}'
}

// lineBreak moves every state over a line break.
func (y *yamlScan) lineBreak() {
	next := 0
	for st := 1; st <= yLast; st <<= 1 {
		if y.states&st == 0 {
			continue
		}
		switch st {
		case yComment, yProperty, yVerbatim:
			next |= yOut
		case yPlain:
			next |= yOut | yPlain // it may go on on the next line
		case yHeader:
			next |= yBlock
		case yEscape:
			next |= yDouble
		case ySkip:
			next |= ySingle
		default:
			next |= st
		}
	}
	y.states = next
}

// startLine notes the indentation of the line at i; ends the content of a
// block scalar that the line ends, or says it may have ended; and skips a
// document marker (--- or ...), returning where the line's bytes to step
// over start.
func (y *yamlScan) startLine(i int) int {
	y.lineStart, y.tokenMost, y.indicators = i, 0, 0
	j := i
	for j < len(y.s) && blank(y.s[j]) {
		j++
	}
	y.indent = j - i
	y.blockMost = max(y.blockMost, y.indent)
	empty := j >= len(y.s) || yamlBreak(y.s, j) > 0
	if y.states&yBlock != 0 && !empty {
		y.blockLine()
	}
	if len(y.s)-i >= 3 && (y.s[i:i+3] == "---" || y.s[i:i+3] == "...") && y.ends(i+3) {
		y.states = y.states&^(yPlain|yBlock) | yOut
		return i + 3
	}
	return i
}

// blockLine decides, at a line that is not empty, whether the content of
// the block scalar goes on.
func (y *yamlScan) blockLine() {
	b := &y.block
	if !b.loose && b.content < 0 {
		if y.indent > b.parent {
			b.content = y.indent
		} else {
			b.loose = true
		}
	}
	switch {
	case b.loose && y.indent <= b.header, !b.loose && y.indent < b.content:
		y.states = y.states&^yBlock | yOut
	case b.loose:
		// The content may have ended at a shallower indentation than
		// the header's line tells.
		y.states |= yOut
	}
}

// step moves every state over the byte at i, and counts the flow
// collections and block indicators it may open.
func (y *yamlScan) step(i int) {
	y.notice(i)
	next := 0
	anyOpen, allOpen, anyClose, allClose := false, true, false, true
	for st := 1; st <= yLast; st <<= 1 {
		if y.states&st == 0 {
			continue
		}
		for _, t := range y.move(st, i) {
			if t.to == 0 {
				continue
			}
			next |= t.to
			anyOpen = anyOpen || t.effect > 0
			allOpen = allOpen && t.effect > 0
			anyClose = anyClose || t.effect < 0
			allClose = allClose && t.effect < 0
		}
	}
	if next == 0 {
		// No way to read the byte but as an error, where the scanner
		// stops. Go on as if between tokens, which counts the most.
		next, allOpen, allClose = yOut, false, false
	}
	y.count(anyOpen, allOpen, anyClose, allClose)
	y.states = next
}

// notice notes, before the byte at i is read, a block indicator there, and
// a token that may start there: a block scalar's header, or any token,
// which may start a block collection at its column.
func (y *yamlScan) notice(i int) {
	c := y.s[i]
	if y.states&(yOut|yPlain) != 0 && y.lower == 0 && (c == '-' || c == '?' || c == ':') && y.ends(i+1) {
		y.indicators++
		y.blockMost = max(y.blockMost, y.indent+y.indicators)
	}
	if y.states&yOut != 0 && !blank(c) && c != ':' { // a value indicator starts no collection
		if c == '|' || c == '>' {
			y.header(i)
		}
		y.tokenMost = max(y.tokenMost, i-y.lineStart)
	}
}

// count moves the bounds of the flow collections open: the upper one opens
// when any way to read a byte opens and closes when all close, the lower
// one the other way round.
func (y *yamlScan) count(anyOpen, allOpen, anyClose, allClose bool) {
	if anyOpen {
		y.upper++
		y.most = max(y.most, y.upper)
	}
	if allOpen {
		y.lower++
	}
	if allClose && y.upper > 0 {
		y.upper--
	}
	if anyClose && y.lower > 0 {
		y.lower--
	}
}

// header notes a block scalar's header (| or >) at i, a token's start.
func (y *yamlScan) header(i int) {
	explicit := false // an indentation indicator, as in |2 or >-4
	for k := i + 1; !y.ends(k); k++ {
		explicit = explicit || (y.s[k] >= '1' && y.s[k] <= '9')
	}
	if y.states&(yBlock|yHeader) != 0 {
		// Two may be open: either's content may end at the other's.
		y.block.header = min(y.block.header, y.indent)
		y.block.loose = true
		return
	}
	y.block = blockScalar{header: y.indent, parent: max(y.indent, y.tokenMost), content: -1, loose: explicit}
}

// yamlMove is one way to read a byte: the state after it, and whether it
// opens (1) or closes (-1) a flow collection.
type yamlMove struct{ to, effect int }

// move returns the ways state st reads the byte at i.
func (y *yamlScan) move(st, i int) [2]yamlMove {
	c := y.s[i]
	one := func(to, effect int) [2]yamlMove { return [2]yamlMove{{to, effect}} }
	switch st {
	case yOut:
		return y.moveOut(i)
	case yPlain:
		return y.movePlain(i)
	case yDouble:
		switch c {
		case '\\':
			return one(yEscape, 0)
		case '"':
			return one(yOut, 0)
		}
	case yEscape:
		return one(yDouble, 0)
	case ySingle:
		if c == '\'' {
			if i+1 < len(y.s) && y.s[i+1] == '\'' {
				return one(ySkip, 0)
			}
			return one(yOut, 0)
		}
	case ySkip:
		return one(ySingle, 0)
	case yProperty:
		switch {
		case blank(c):
			return one(yOut, 0)
		case flowIndicator(c):
			return y.moveOut(i)
		}
	case yVerbatim:
		if c == '>' {
			return one(yOut, 0)
		}
	}
	return one(st, 0)
}

// moveOut returns the ways to read the byte at i between tokens.
func (y *yamlScan) moveOut(i int) [2]yamlMove {
	c := y.s[i]
	one := func(to, effect int) [2]yamlMove { return [2]yamlMove{{to, effect}} }
	switch c {
	case ' ', '\t', ',':
		return one(yOut, 0)
	case '#':
		if i == y.lineStart || blank(y.s[i-1]) {
			return one(yComment, 0)
		}
	case '"':
		return one(yDouble, 0)
	case '\'':
		return one(ySingle, 0)
	case '[', '{':
		return one(yOut, 1)
	case ']', '}':
		return one(yOut, -1)
	case '-', '?', ':':
		if y.ends(i+1) || (c == ':' && flowIndicator(y.s[i+1])) {
			return one(yOut, 0)
		}
		if c == ':' {
			// A value indicator after a quoted key ({"a":1}), or a
			// plain scalar that starts with a colon.
			return [2]yamlMove{{yOut, 0}, {yPlain, 0}}
		}
	case '!':
		if i+1 < len(y.s) && y.s[i+1] == '<' {
			return one(yVerbatim, 0)
		}
		return one(yProperty, 0)
	case '&', '*':
		return one(yProperty, 0)
	case '|', '>':
		return one(yHeader, 0)
	case '%':
		if i == y.lineStart {
			return one(yComment, 0) // a directive
		}
	}
	return one(yPlain, 0)
}

// movePlain returns the ways to read the byte at i in a plain scalar: in a
// flow collection, a flow indicator ends it; in a block, it is part of it.
// lower and upper tell which, when they can.
func (y *yamlScan) movePlain(i int) [2]yamlMove {
	c := y.s[i]
	one := func(to, effect int) [2]yamlMove { return [2]yamlMove{{to, effect}} }
	flow, block := y.lower > 0, y.upper == 0
	switch {
	case c == ':' && y.ends(i+1):
		return one(yOut, 0)
	case c == ':' && i+1 < len(y.s) && flowIndicator(y.s[i+1]):
		switch {
		case flow:
			return one(yOut, 0)
		case block:
			return one(yPlain, 0)
		}
		return [2]yamlMove{{yOut, 0}, {yPlain, 0}}
	case c == '#' && (i == y.lineStart || blank(y.s[i-1])):
		return one(yComment, 0)
	case !flowIndicator(c) || block:
		return one(yPlain, 0)
	}
	// A flow indicator, in a flow collection or maybe.
	var inFlow yamlMove
	switch c {
	case ',':
		inFlow = yamlMove{yOut, 0}
	case ']', '}':
		inFlow = yamlMove{yOut, -1}
	default: // [ or { right after a plain scalar: an error
	}
	if flow {
		return [2]yamlMove{inFlow}
	}
	return [2]yamlMove{inFlow, {yPlain, 0}}
}
