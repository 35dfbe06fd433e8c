//go:build !unix

package main

func holdServeLock(string) func() { return func() {} }

func serverRunning(string) bool { return false }
