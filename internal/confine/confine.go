package confine

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// Kind says why a file was refused.
type Kind int

// The kinds of refusal.
const (
	// Unreadable: the file does not exist or cannot be opened.
	Unreadable Kind = iota
	// Outside: the path, or a symbolic link on it, leads out of the
	// directory.
	Outside
	// NotRegular: a directory, device, named pipe or socket.
	NotRegular
	// TooLarge: more bytes than the limit.
	TooLarge
	// Hidden: a name on the way, as given or with symbolic links followed,
	// starts with a dot (.git/config, .env), in a Dir.
	Hidden
)

// Error is a refused read. Its message names the path as it was given and
// never any of the file's contents.
type Error struct {
	Path string
	Kind Kind
	// Dir describes the directory a Dir confines to, for Outside.
	Dir string
	// What describes the file found, for NotRegular ("a directory").
	What string
	// Limit is the limit exceeded, for TooLarge.
	Limit int64
	// Err is the underlying error, for Unreadable.
	Err error
}

func (e *Error) Error() string {
	switch e.Kind {
	case Outside:
		return fmt.Sprintf("%q leads outside %s (symbolic links are followed)", e.Path, e.Dir)
	case NotRegular:
		return fmt.Sprintf("%q is %s, not a regular file", e.Path, e.What)
	case TooLarge:
		return fmt.Sprintf("%q is larger than %s, the most roster reads from one file", e.Path, Size(e.Limit))
	case Hidden:
		return fmt.Sprintf("%q is a hidden file or lies in a hidden directory (a name starting with \".\", such as .git), which roster does not read: a checkout's .git holds credentials", e.Path)
	}
	return fmt.Sprintf("%q does not exist or cannot be read", e.Path)
}

func (e *Error) Unwrap() error { return e.Err }

// Size formats a byte count as roster's documentation gives its limits:
// 64 MiB, 1 KiB, 100 bytes.
func Size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// ReadFile reads the regular file at path, anywhere, refusing it when it
// is not a regular file or holds more than limit bytes. It is for the files
// the operator names on the command line (--var-file, a plan file, an
// ignore file); files a configuration names go through a Dir.
func ReadFile(path string, limit int64) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, &Error{Path: path, Kind: Unreadable, Err: err}
	}
	defer f.Close()
	return read(f, path, limit)
}

// Dir is a directory that reads stay inside. It reads no hidden file
// either: a file whose name, or the name of a directory on its way (as
// given, or with symbolic links followed), starts with a dot. A checkout's
// .git/config may hold the CI job's token.
type Dir struct {
	root *os.Root
	// abs are the directory's absolute paths, as given and with its
	// symbolic links resolved, to accept an absolute path inside it.
	abs []string
	// name describes the directory in errors.
	name string
}

// OpenDir opens the directory at path; name describes it in errors ("the
// configuration directory"). Close it when done.
func OpenDir(path, name string) (*Dir, error) {
	root, err := os.OpenRoot(path)
	if err != nil {
		return nil, err
	}
	d := &Dir{root: root, name: name}
	if abs, err := filepath.Abs(path); err == nil {
		d.abs = append(d.abs, abs)
		if real, err := filepath.EvalSymlinks(abs); err == nil && real != abs {
			d.abs = append(d.abs, real)
		}
	}
	return d, nil
}

// Close releases the directory.
func (d *Dir) Close() error { return d.root.Close() }

// ReadFile reads the regular file at path, relative to the directory (or
// absolute, when it lies inside it), refusing it when it or a symbolic link
// on its way leads outside the directory, when it is not a regular file, or
// when it holds more than limit bytes.
func (d *Dir) ReadFile(path string, limit int64) ([]byte, error) {
	f, err := d.open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return read(f, path, limit)
}

// Stat describes the file at path as ReadFile would find it, following
// symbolic links inside the directory: a nil error means ReadFile may
// read it, but for its size.
func (d *Dir) Stat(path string) (fs.FileInfo, error) {
	f, err := d.open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	switch {
	case err != nil:
		return nil, &Error{Path: path, Kind: Unreadable, Err: err}
	case !st.Mode().IsRegular():
		return nil, &Error{Path: path, Kind: NotRegular, What: describe(st.Mode())}
	}
	return st, nil
}

// open opens path inside the directory, refusing a path that leads out or
// that is hidden, as given or as opened.
func (d *Dir) open(path string) (*os.File, error) {
	rel, ok := d.relative(path)
	if !ok {
		return nil, &Error{Path: path, Kind: Outside, Dir: d.name}
	}
	if hiddenName(rel) {
		return nil, &Error{Path: path, Kind: Hidden}
	}
	// O_NONBLOCK: opening a named pipe must not wait for a writer; the
	// type check of read refuses it.
	f, err := d.root.OpenFile(rel, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		if escapes(err) {
			return nil, &Error{Path: path, Kind: Outside, Dir: d.name}
		}
		return nil, &Error{Path: path, Kind: Unreadable, Err: err}
	}
	if d.openedHidden(f, rel) {
		f.Close()
		return nil, &Error{Path: path, Kind: Hidden}
	}
	return f, nil
}

// openedHidden reports whether the file f, opened as rel, is hidden where
// it really is: a link on the way may lead into a hidden directory, and
// "h/../config" with h a link to .git/hooks opens .git/config. Linux names
// the file an open descriptor is on in /proc/self/fd; elsewhere the path is
// resolved again, which a change of the tree in between could fool.
func (d *Dir) openedHidden(f *os.File, rel string) bool {
	if len(d.abs) == 0 {
		return false
	}
	root, err := filepath.EvalSymlinks(d.abs[0])
	if err != nil {
		return false
	}
	real, err := os.Readlink("/proc/self/fd/" + strconv.Itoa(int(f.Fd())))
	if err != nil {
		// Not a plain join: filepath.Join would clean "h/.." away before
		// the link h is followed.
		if real, err = filepath.EvalSymlinks(d.abs[0] + string(filepath.Separator) + rel); err != nil {
			return false
		}
	}
	r, err := filepath.Rel(root, real)
	return err == nil && hiddenName(r)
}

// hiddenName reports whether a name of the relative path p, as written
// (not cleaned), starts with a dot.
func hiddenName(p string) bool {
	for _, name := range strings.Split(filepath.ToSlash(p), "/") {
		if strings.HasPrefix(name, ".") && name != "." && name != ".." {
			return true
		}
	}
	return false
}

// relative turns path into one relative to the directory: an absolute path
// is accepted only when it lies inside it.
func (d *Dir) relative(path string) (string, bool) {
	if path == "" {
		return "", false
	}
	if !filepath.IsAbs(path) {
		return path, true
	}
	for _, abs := range d.abs {
		rel, err := filepath.Rel(abs, filepath.Clean(path))
		if err == nil && rel != ".." && !strings.HasPrefix(rel, "../") {
			return rel, true
		}
	}
	return "", false
}

// escapes reports whether os.Root refused a path for leaving the root.
func escapes(err error) bool {
	var pe *fs.PathError
	return errors.As(err, &pe) && strings.Contains(pe.Err.Error(), "escapes from parent")
}

func read(f *os.File, path string, limit int64) ([]byte, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, &Error{Path: path, Kind: Unreadable, Err: err}
	}
	if !st.Mode().IsRegular() {
		return nil, &Error{Path: path, Kind: NotRegular, What: describe(st.Mode())}
	}
	if st.Size() > limit {
		return nil, &Error{Path: path, Kind: TooLarge, Limit: limit}
	}
	// The size may grow while reading (or lie, as /proc files say 0):
	// read one byte past the limit to tell.
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, &Error{Path: path, Kind: Unreadable, Err: err}
	}
	if int64(len(b)) > limit {
		return nil, &Error{Path: path, Kind: TooLarge, Limit: limit}
	}
	return b, nil
}

func describe(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "not a regular file"
}
