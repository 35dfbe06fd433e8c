package main

// 7. Every list's first page at 1,000 and at 100,000 articles (work in progress).
func benchScale(cfg Config, dir, slantBin, self string, res *Results) error { return nil }
