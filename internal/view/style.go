package view

// Style switches ANSI colour on or off.
type Style struct{ Color bool }

func (s Style) wrap(code, text string) string {
	if !s.Color || text == "" {
		return text
	}
	return "\x1b[" + code + "m" + text + "\x1b[0m"
}

// Bold renders text in bold.
func (s Style) Bold(text string) string { return s.wrap("1", text) }

// Green renders text in green.
func (s Style) Green(text string) string { return s.wrap("32", text) }

// Yellow renders text in yellow.
func (s Style) Yellow(text string) string { return s.wrap("33", text) }

// Red renders text in red.
func (s Style) Red(text string) string { return s.wrap("31", text) }

// Underline underlines text.
func (s Style) Underline(text string) string { return s.wrap("4", text) }
