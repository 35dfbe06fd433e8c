package models

// Hooks for the external tests (package models_test), compiled only into
// the test binary.

// WriterWaits is how many times a statement has had to wait for the
// writer connection: a test can tell that a save is queued behind a
// transaction without sleeping.
func (s *Store) WriterWaits() int64 {
	db, err := s.w.DB()
	if err != nil {
		return 0
	}
	return db.Stats().WaitCount
}
