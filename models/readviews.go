package models

import (
	"database/sql"
	"sync"

	"github.com/mattn/go-sqlite3"
)

// Hidden by construction. Every connection of the read pool is opened
// with TEMP views that shadow the tables an import writes (articles,
// annotations, labels, sources): SQLite resolves an unqualified name in
// the temp schema first, so any query on the read pool — a list, a get,
// a count, an export, and whatever query is added later — reads through
// the visibility rule without naming it. Only the writer connection (and
// the importer's own raw reads, see Store.raw) sees an unpublished
// import's rows; queries that run inside a write transaction still say
// visible() themselves.

// visibleDriver is the driver name of the read pool.
const visibleDriver = "sqlite3_slant_visible"

// shadowedTables are the tables whose rows an unpublished import hides.
var shadowedTables = []string{"articles", "annotations", "labels", "sources"}

var registerVisible sync.Once

func registerVisibleDriver() {
	registerVisible.Do(func() {
		sql.Register(visibleDriver, &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
			for _, t := range shadowedTables {
				if _, err := c.Exec(`CREATE TEMP VIEW IF NOT EXISTS `+t+` AS SELECT * FROM main.`+t+` AS t WHERE `+visible("t"), nil); err != nil {
					return err
				}
			}
			return nil
		}})
	})
}
