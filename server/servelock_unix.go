//go:build unix

package main

import (
	"errors"
	"os"
	"syscall"

	"slant/models"
)

// `slant serve` holds a shared lock on DB.serve-lock for as long as it
// runs; the kernel drops it when the process dies, however it dies. Other
// commands can so tell whether a server is using the database, without
// any state that could go stale.
//
// The lock is SQLite's alone: a PostgreSQL database is shared by design
// (several servers, and commands next to them, write at once) and has no
// file here to lock.

func holdServeLock(db string) (release func()) {
	if models.IsPostgresDSN(db) {
		return func() {}
	}
	f, err := os.OpenFile(db+".serve-lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return func() {}
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB); err != nil {
		f.Close()
		return func() {}
	}
	return func() { f.Close() }
}

// serverRunning reports whether a `slant serve` holds the database.
func serverRunning(db string) bool {
	if models.IsPostgresDSN(db) {
		return false
	}
	f, err := os.OpenFile(db+".serve-lock", os.O_RDWR, 0)
	if err != nil {
		return false
	}
	defer f.Close()
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return true
	}
	if err == nil {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	}
	return false
}
