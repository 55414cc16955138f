//go:build !linux

package ptytest

import (
	"errors"
	"os"
)

func open() (master, term *os.File, err error) {
	return nil, nil, errors.New("ptytest opens pseudo-terminals on Linux only")
}

func echo(*os.File) (bool, error) { return false, errors.New("ptytest: Linux only") }
