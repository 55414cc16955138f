package cli

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/alecthomas/kong"
)

// completionCmd prints a shell completion script made from the kong model,
// so that every command and flag roster has is completed, and nothing else.
type completionCmd struct {
	Shell string `arg:"" enum:"bash,zsh,fish" help:"The shell: bash, zsh or fish."`
}

func (c *completionCmd) Run(a *app, k *kong.Kong) error {
	m := completionModel(k.Model)
	switch c.Shell {
	case "bash":
		bashCompletion(a.Out, m)
	case "zsh":
		zshCompletion(a.Out, m)
	case "fish":
		fishCompletion(a.Out, m)
	}
	return nil
}

// compFlag is a flag as the completion scripts need it.
type compFlag struct {
	Name, Help string
	Value      bool     // takes a value
	Repeatable bool     // may be given more than once
	Kind       string   // "file", "dir", "enum" or "" (any value) for a flag with a value
	Enum       []string // values of an enum flag
}

// compCmd is a command: its flags, and what its positional arguments are.
type compCmd struct {
	Name, Help string
	Flags      []compFlag
	Args       string // "file", "enum" or "" (none)
	ArgEnum    []string
}

type compModel struct {
	Globals  []compFlag
	Commands []compCmd
}

// completionModel reads the commands, flags and arguments of the kong model.
func completionModel(app *kong.Application) compModel {
	var m compModel
	for _, f := range app.Flags {
		if !f.Hidden {
			m.Globals = append(m.Globals, flagOf(f))
		}
	}
	for _, n := range app.Children {
		if n.Hidden || n.Type != kong.CommandNode {
			continue
		}
		cmd := compCmd{Name: n.Name, Help: firstSentence(n.Help)}
		for _, f := range n.Flags {
			if !f.Hidden {
				cmd.Flags = append(cmd.Flags, flagOf(f))
			}
		}
		for _, p := range n.Positional {
			if p.Tag.Get("completion") == "none" {
				continue // a nickname: nothing to complete it from
			}
			if p.Enum != "" {
				cmd.Args, cmd.ArgEnum = "enum", p.EnumSlice()
			} else {
				cmd.Args = "file"
			}
		}
		m.Commands = append(m.Commands, cmd)
	}
	return m
}

func flagOf(f *kong.Flag) compFlag {
	cf := compFlag{Name: f.Name, Help: firstSentence(f.Help), Value: !f.IsBool() && !f.IsCounter(),
		Repeatable: f.IsSlice() || f.IsMap() || f.IsCounter()}
	switch {
	case !cf.Value:
	case f.Enum != "":
		cf.Kind, cf.Enum = "enum", f.EnumSlice()
	case f.PlaceHolder == "FILE":
		cf.Kind = "file"
	case f.PlaceHolder == "DIR":
		cf.Kind = "dir"
	}
	return cf
}

// firstSentence is a help text's first sentence, without its full stop.
func firstSentence(s string) string {
	// A sentence ends at a full stop before a capital, not at "e.g. user".
	for i := 0; i+2 < len(s); i++ {
		if s[i] == '.' && s[i+1] == ' ' && s[i+2] >= 'A' && s[i+2] <= 'Z' {
			s = s[:i]
			break
		}
	}
	return strings.TrimSuffix(strings.TrimSpace(s), ".")
}

func flagNames(fs []compFlag) string {
	var out []string
	for _, f := range fs {
		out = append(out, "--"+f.Name)
	}
	return strings.Join(out, " ")
}

func commandNames(m compModel) string {
	var out []string
	for _, c := range m.Commands {
		out = append(out, c.Name)
	}
	return strings.Join(out, " ")
}

// bashCompletion writes a bash script: commands first, then the flags of
// the command given (and the global ones), the values of enum flags and
// arguments, and file or directory names where a flag takes one.
func bashCompletion(w io.Writer, m compModel) {
	fmt.Fprintf(w, `# bash completion for roster. Load it with
#   source <(roster completion bash)
# or save it as /etc/bash_completion.d/roster.
_roster() {
  local cur prev cmd i
  cur="${COMP_WORDS[COMP_CWORD]}"
  prev="${COMP_WORDS[COMP_CWORD-1]}"
  cmd=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "${COMP_WORDS[i]}" in
      %s) cmd="${COMP_WORDS[i]}"; break ;;
    esac
  done
`, strings.ReplaceAll(commandNames(m), " ", "|"))
	// The value of the previous word's flag.
	values := map[string][]string{} // case pattern → reply, per command
	addValues := func(cmd string, fs []compFlag) {
		for _, f := range fs {
			if !f.Value {
				continue
			}
			var reply string
			switch f.Kind {
			case "enum":
				reply = fmt.Sprintf(`COMPREPLY=($(compgen -W %q -- "$cur"))`, strings.Join(f.Enum, " "))
			case "file":
				reply = `COMPREPLY=($(compgen -f -- "$cur"))`
			case "dir":
				reply = `COMPREPLY=($(compgen -d -- "$cur"))`
			default:
				reply = `COMPREPLY=()`
			}
			values[cmd] = append(values[cmd], fmt.Sprintf("      --%s) %s; return ;;", f.Name, reply))
		}
	}
	addValues("", m.Globals)
	for _, c := range m.Commands {
		addValues(c.Name, c.Flags)
	}
	fmt.Fprintln(w, `  case "$cmd" in`)
	for _, c := range m.Commands {
		if len(values[c.Name]) == 0 {
			continue
		}
		fmt.Fprintf(w, "    %s)\n      case \"$prev\" in\n", c.Name)
		for _, l := range values[c.Name] {
			fmt.Fprintln(w, "  "+l)
		}
		fmt.Fprintln(w, "      esac ;;")
	}
	fmt.Fprintln(w, "  esac")
	fmt.Fprintln(w, `  case "$prev" in`)
	for _, l := range values[""] {
		fmt.Fprintln(w, l[2:])
	}
	fmt.Fprintln(w, "  esac")
	fmt.Fprintf(w, "  local globals=%q\n", flagNames(m.Globals))
	fmt.Fprintln(w, `  case "$cmd" in`)
	fmt.Fprintf(w, "    \"\") COMPREPLY=($(compgen -W %q -- \"$cur\")) ;;\n", commandNames(m)+" "+flagNames(m.Globals))
	for _, c := range m.Commands {
		fmt.Fprintf(w, "    %s)\n", c.Name)
		words := flagNames(c.Flags)
		fmt.Fprintf(w, "      if [[ \"$cur\" == -* ]]; then\n        COMPREPLY=($(compgen -W \"%s\" -- \"$cur\"))\n", strings.TrimSpace(words+" $globals"))
		switch c.Args {
		case "enum":
			fmt.Fprintf(w, "      else\n        COMPREPLY=($(compgen -W %q -- \"$cur\"))\n", strings.Join(c.ArgEnum, " "))
		case "file":
			fmt.Fprintln(w, "      else\n        COMPREPLY=($(compgen -f -- \"$cur\"))")
		}
		fmt.Fprintln(w, "      fi ;;")
	}
	fmt.Fprintln(w, "  esac")
	fmt.Fprintln(w, "}")
	fmt.Fprintln(w, "complete -o filenames -F _roster roster")
}

// zshQuote escapes a help text for an _arguments or _describe spec inside
// single quotes.
func zshQuote(s string) string {
	r := strings.NewReplacer(`'`, `'\''`, `[`, `\[`, `]`, `\]`, `:`, `\:`)
	return r.Replace(s)
}

func zshFlag(f compFlag) string {
	spec := "--" + f.Name
	if f.Repeatable {
		spec = "*" + spec
	}
	if !f.Value {
		return fmt.Sprintf("'%s[%s]'", spec, zshQuote(f.Help))
	}
	action := " "
	switch f.Kind {
	case "enum":
		action = "(" + strings.Join(f.Enum, " ") + ")"
	case "file":
		action = "_files"
	case "dir":
		action = "_files -/"
	}
	return fmt.Sprintf("'%s=[%s]:%s:%s'", spec, zshQuote(f.Help), strings.ToLower(f.Name), action)
}

// zshCompletion writes a zsh script for compinit: commands with their
// descriptions, then each command's flags and arguments.
func zshCompletion(w io.Writer, m compModel) {
	fmt.Fprintln(w, "#compdef roster")
	fmt.Fprintln(w, "# zsh completion for roster. Load it with")
	fmt.Fprintln(w, "#   source <(roster completion zsh)")
	fmt.Fprintln(w, "# or save it as _roster in a directory of $fpath.")
	fmt.Fprintln(w, "_roster() {")
	fmt.Fprintln(w, "  local curcontext=\"$curcontext\" state line")
	fmt.Fprintln(w, "  local -a commands globals")
	fmt.Fprintln(w, "  commands=(")
	for _, c := range m.Commands {
		fmt.Fprintf(w, "    '%s:%s'\n", c.Name, zshQuote(c.Help))
	}
	fmt.Fprintln(w, "  )")
	fmt.Fprintln(w, "  globals=(")
	for _, f := range m.Globals {
		fmt.Fprintf(w, "    %s\n", zshFlag(f))
	}
	fmt.Fprintln(w, "  )")
	fmt.Fprintln(w, `  _arguments -C $globals '1: :->command' '*:: :->args'`)
	fmt.Fprintln(w, "  case $state in")
	fmt.Fprintln(w, "    command) _describe -t commands 'roster command' commands ;;")
	fmt.Fprintln(w, "    args)")
	fmt.Fprintln(w, "      case $line[1] in")
	for _, c := range m.Commands {
		var specs []string
		for _, f := range c.Flags {
			specs = append(specs, zshFlag(f))
		}
		switch c.Args {
		case "enum":
			specs = append(specs, fmt.Sprintf("'1:%s:(%s)'", c.Name, strings.Join(c.ArgEnum, " ")))
		case "file":
			specs = append(specs, "'*:file:_files'")
		}
		fmt.Fprintf(w, "        %s) _arguments $globals %s ;;\n", c.Name, strings.Join(specs, " "))
	}
	fmt.Fprintln(w, "      esac ;;")
	fmt.Fprintln(w, "  esac")
	fmt.Fprintln(w, "}")
	fmt.Fprintln(w, `if [ "$funcstack[1]" = "_roster" ]; then _roster "$@"; else compdef _roster roster; fi`)
}

func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// fishCompletion writes a fish script: one complete line per command and
// per flag, conditioned on the command given.
func fishCompletion(w io.Writer, m compModel) {
	fmt.Fprintln(w, "# fish completion for roster. Load it with")
	fmt.Fprintln(w, "#   roster completion fish | source")
	fmt.Fprintln(w, "# or save it as ~/.config/fish/completions/roster.fish.")
	fmt.Fprintln(w, "complete -c roster -f")
	cmds := commandNames(m)
	for _, c := range m.Commands {
		fmt.Fprintf(w, "complete -c roster -n 'not __fish_seen_subcommand_from %s' -a %s -d %s\n", cmds, c.Name, fishQuote(c.Help))
	}
	line := func(cond string, f compFlag) {
		fmt.Fprintf(w, "complete -c roster%s -l %s", cond, f.Name)
		switch {
		case !f.Value:
		case f.Kind == "enum":
			fmt.Fprintf(w, " -x -a %s", fishQuote(strings.Join(f.Enum, " ")))
		case f.Kind == "file":
			fmt.Fprint(w, " -r -F")
		case f.Kind == "dir":
			fmt.Fprint(w, " -x -a '(__fish_complete_directories)'")
		default:
			fmt.Fprint(w, " -x")
		}
		fmt.Fprintf(w, " -d %s\n", fishQuote(f.Help))
	}
	for _, f := range m.Globals {
		line("", f)
	}
	// A flag several commands share is listed once, for all of them.
	byFlag := map[string][]string{}
	flags := map[string]compFlag{}
	for _, c := range m.Commands {
		for _, f := range c.Flags {
			key := f.Name + "\x00" + f.Help + "\x00" + strings.Join(f.Enum, ",") + f.Kind
			byFlag[key] = append(byFlag[key], c.Name)
			flags[key] = f
		}
	}
	keys := make([]string, 0, len(byFlag))
	for k := range byFlag {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		line(fmt.Sprintf(" -n '__fish_seen_subcommand_from %s'", strings.Join(byFlag[k], " ")), flags[k])
	}
	for _, c := range m.Commands {
		switch c.Args {
		case "enum":
			fmt.Fprintf(w, "complete -c roster -n '__fish_seen_subcommand_from %s' -a %s\n", c.Name, fishQuote(strings.Join(c.ArgEnum, " ")))
		case "file":
			fmt.Fprintf(w, "complete -c roster -n '__fish_seen_subcommand_from %s' -F\n", c.Name)
		}
	}
}
