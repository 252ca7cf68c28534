package sqlite

// migrations are the schema changes, in order. Migration i brings the
// database from PRAGMA user_version i to i+1. Released migrations never
// change; a new schema change is appended.
//
// Times are INTEGER Unix nanoseconds in UTC, NULL when unset. JSON payloads
// and raw bodies are BLOBs stored as given.
var migrations = []string{
	`
CREATE TABLE events (
	seq         INTEGER PRIMARY KEY,
	id          TEXT    NOT NULL,
	received    INTEGER NOT NULL,
	source      TEXT    NOT NULL,
	detail_type TEXT    NOT NULL,
	account     TEXT    NOT NULL,
	region      TEXT    NOT NULL,
	status      TEXT    NOT NULL,
	reason      TEXT    NOT NULL,
	playbooks   TEXT    NOT NULL,
	raw         BLOB,
	size        INTEGER NOT NULL,
	truncated   INTEGER NOT NULL
);
CREATE INDEX events_received ON events (received);
CREATE INDEX events_id ON events (id);

CREATE TABLE runs (
	id            TEXT    PRIMARY KEY,
	key           TEXT    NOT NULL UNIQUE,
	playbook_id   TEXT    NOT NULL,
	event_id      TEXT    NOT NULL,
	account       TEXT    NOT NULL,
	region        TEXT    NOT NULL,
	resource_type TEXT    NOT NULL,
	resource_id   TEXT    NOT NULL,
	arn           TEXT    NOT NULL,
	finding_id    TEXT    NOT NULL,
	product_arn   TEXT    NOT NULL,
	mode          TEXT    NOT NULL,
	status        TEXT    NOT NULL,
	next_step     INTEGER NOT NULL,
	wake_at       INTEGER,
	attempts      INTEGER NOT NULL,
	error         TEXT    NOT NULL,
	input         BLOB,
	notified      INTEGER NOT NULL,
	created       INTEGER NOT NULL,
	updated       INTEGER NOT NULL,
	lease_owner   TEXT    NOT NULL,
	lease_until   INTEGER,
	version       INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX runs_created ON runs (created, id);
CREATE INDEX runs_due ON runs (status, wake_at);
CREATE INDEX runs_event ON runs (event_id);

CREATE TABLE steps (
	run_id   TEXT    NOT NULL,
	idx      INTEGER NOT NULL,
	name     TEXT    NOT NULL,
	action   TEXT    NOT NULL,
	status   TEXT    NOT NULL,
	message  TEXT    NOT NULL,
	output   BLOB,
	attempts INTEGER NOT NULL,
	started  INTEGER,
	finished INTEGER,
	PRIMARY KEY (run_id, idx)
) WITHOUT ROWID;

CREATE TABLE audit (
	seq         INTEGER PRIMARY KEY,
	time        INTEGER NOT NULL,
	kind        TEXT    NOT NULL,
	event_id    TEXT    NOT NULL,
	run_id      TEXT    NOT NULL,
	playbook_id TEXT    NOT NULL,
	message     TEXT    NOT NULL,
	data        BLOB
);
CREATE INDEX audit_time ON audit (time);
CREATE INDEX audit_run ON audit (run_id, time);
CREATE INDEX audit_event ON audit (event_id, time);
`,
}
