package sqlite

// migrations are the schema changes, in order. Migration i brings the
// database from PRAGMA user_version i to i+1. Released migrations never
// change; a new schema change is appended.
//
// Times are INTEGER Unix nanoseconds in UTC, NULL when unset. JSON payloads
// and raw bodies are BLOBs stored as given.
var migrations = []string{
	schemaV1,
	schemaV2,
}

// schemaV1 is the first schema: every identifier written out in each row
// that mentions it.
const schemaV1 = `
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
`

// schemaV2 stores each identifier once. The table names holds the
// identifiers and repeated labels that rows refer to (event and run IDs,
// playbook IDs, sources, detail types, accounts, regions, resource types,
// product ARNs, statuses, modes, audit kinds, step names and actions) under
// a small integer, and the other tables refer to them by that integer: NULL
// for an empty string. A run's rowid is the name number of its ID. Names are
// never deleted, so a number, once committed, names the same string
// forever. The statuses, modes and audit kinds rectify defines have the
// numbers 1 to 23, fixed here; the run statuses pending, running and
// waiting are 1, 2 and 3, which the due index names.
//
// An event keeps its own ID as text and is not indexed by it: finding the
// events of one ID reads the events table. Every index of the events table
// (key, received) grows at its end as events arrive, so recording an event
// writes only the last pages of its trees.
//
// Events gain a unique key, runs the key of the event they came from. The
// due index holds only runs that may need work. The audit trail is kept in
// time order, by (time, seq) with seq numbering the entries of one time in
// the order they were appended, and its indexes hold only entries that name
// a run or an event.
//
// An audit entry of a run whose event ID is the run's does not store it: its
// event column is NULL, and it is read from the run (0 stands for an empty
// event ID). So the audit_event index holds only the entries of no run, or
// of another event than their run's, and the entries of the runs of an
// event are found through runs_event and audit_run. Should a run's event ID
// change, the trigger runs_event_changed writes the former one into the
// run's entries that did not store it.
//
// The migration copies every row into the new tables; an event recorded
// before keys existed gets the key "v1-" followed by its sequence number.
const schemaV2 = `
CREATE TABLE names (
	id   INTEGER PRIMARY KEY,
	name TEXT    NOT NULL UNIQUE
);
INSERT INTO names (id, name) VALUES
	(1, 'pending'), (2, 'running'), (3, 'waiting'), (4, 'awaiting_approval'), (5, 'succeeded'),
	(6, 'failed'), (7, 'skipped'), (8, 'planned'), (9, 'cancelled'),
	(10, 'matched'), (11, 'unmatched'), (12, 'rejected'), (13, 'duplicate'), (14, 'ignored'),
	(15, 'already_done'),
	(16, 'auto'), (17, 'approve'), (18, 'notify'), (19, 'dry-run'),
	(20, 'received'), (21, 'started'), (22, 'step'), (23, 'notified');
INSERT OR IGNORE INTO names (name) SELECT id FROM runs ORDER BY created, id;
INSERT OR IGNORE INTO names (name)
	SELECT v FROM (
		SELECT playbook_id AS v FROM runs
		UNION SELECT event_id FROM runs
		UNION SELECT account FROM runs
		UNION SELECT region FROM runs
		UNION SELECT resource_type FROM runs
		UNION SELECT product_arn FROM runs
		UNION SELECT source FROM events
		UNION SELECT detail_type FROM events
		UNION SELECT account FROM events
		UNION SELECT region FROM events
		UNION SELECT run_id FROM steps
		UNION SELECT name FROM steps
		UNION SELECT action FROM steps
		UNION SELECT kind FROM audit
		UNION SELECT event_id FROM audit
		UNION SELECT run_id FROM audit
		UNION SELECT playbook_id FROM audit
	) WHERE v <> '';

CREATE TABLE events_v2 (
	seq         INTEGER PRIMARY KEY,
	key         TEXT    NOT NULL UNIQUE,
	id          TEXT    NOT NULL,
	received    INTEGER NOT NULL,
	source      INTEGER,
	detail_type INTEGER,
	account     INTEGER,
	region      INTEGER,
	status      INTEGER NOT NULL,
	reason      TEXT    NOT NULL,
	playbooks   TEXT    NOT NULL,
	size        INTEGER NOT NULL,
	truncated   INTEGER NOT NULL,
	raw         BLOB
);
INSERT INTO events_v2 (seq, key, id, received, source, detail_type, account, region, status, reason,
		playbooks, size, truncated, raw)
	SELECT e.seq, 'v1-' || e.seq, e.id, e.received,
		(SELECT id FROM names WHERE name = e.source),
		(SELECT id FROM names WHERE name = e.detail_type),
		(SELECT id FROM names WHERE name = e.account),
		(SELECT id FROM names WHERE name = e.region),
		(SELECT id FROM names WHERE name = e.status), e.reason, e.playbooks, e.size, e.truncated, e.raw
	FROM events e;
DROP TABLE events;
ALTER TABLE events_v2 RENAME TO events;
CREATE INDEX events_received ON events (received);

CREATE TABLE runs_v2 (
	id            INTEGER PRIMARY KEY,
	key           TEXT    NOT NULL UNIQUE,
	playbook      INTEGER NOT NULL,
	event         INTEGER,
	event_key     TEXT    NOT NULL,
	account       INTEGER,
	region        INTEGER,
	resource_type INTEGER,
	resource_id   TEXT    NOT NULL,
	arn           TEXT    NOT NULL,
	finding_id    TEXT    NOT NULL,
	product_arn   INTEGER,
	mode          INTEGER,
	status        INTEGER NOT NULL,
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
);
INSERT INTO runs_v2 (id, key, playbook, event, event_key, account, region, resource_type, resource_id,
		arn, finding_id, product_arn, mode, status, next_step, wake_at, attempts, error, input, notified,
		created, updated, lease_owner, lease_until, version)
	SELECT (SELECT id FROM names WHERE name = r.id), r.key,
		(SELECT id FROM names WHERE name = r.playbook_id),
		(SELECT id FROM names WHERE name = r.event_id), '',
		(SELECT id FROM names WHERE name = r.account),
		(SELECT id FROM names WHERE name = r.region),
		(SELECT id FROM names WHERE name = r.resource_type),
		r.resource_id, r.arn, r.finding_id,
		(SELECT id FROM names WHERE name = r.product_arn),
		(SELECT id FROM names WHERE name = r.mode),
		(SELECT id FROM names WHERE name = r.status),
		r.next_step, r.wake_at, r.attempts, r.error, r.input, r.notified,
		r.created, r.updated, r.lease_owner, r.lease_until, r.version
	FROM runs r;
DROP TABLE runs;
ALTER TABLE runs_v2 RENAME TO runs;
CREATE INDEX runs_created ON runs (created);
CREATE INDEX runs_due ON runs (wake_at) WHERE status IN (1, 2, 3);
CREATE INDEX runs_event ON runs (event) WHERE event IS NOT NULL;

CREATE TABLE steps_v2 (
	run      INTEGER NOT NULL,
	idx      INTEGER NOT NULL,
	name     INTEGER,
	action   INTEGER,
	status   INTEGER NOT NULL,
	message  TEXT    NOT NULL,
	output   BLOB,
	attempts INTEGER NOT NULL,
	started  INTEGER,
	finished INTEGER,
	PRIMARY KEY (run, idx)
) WITHOUT ROWID;
INSERT INTO steps_v2 (run, idx, name, action, status, message, output, attempts, started, finished)
	SELECT (SELECT id FROM names WHERE name = s.run_id), s.idx,
		(SELECT id FROM names WHERE name = s.name),
		(SELECT id FROM names WHERE name = s.action),
		(SELECT id FROM names WHERE name = s.status), s.message, s.output, s.attempts, s.started, s.finished
	FROM steps s;
DROP TABLE steps;
ALTER TABLE steps_v2 RENAME TO steps;

CREATE TABLE audit_v2 (
	time     INTEGER NOT NULL,
	seq      INTEGER NOT NULL,
	kind     INTEGER NOT NULL,
	event    INTEGER,
	run      INTEGER,
	playbook INTEGER,
	message  TEXT    NOT NULL,
	data     BLOB,
	PRIMARY KEY (time, seq)
) WITHOUT ROWID;
INSERT INTO audit_v2 (time, seq, kind, event, run, playbook, message, data)
	SELECT a.time, a.seq,
		(SELECT id FROM names WHERE name = a.kind),
		CASE
		WHEN EXISTS (SELECT 1 FROM runs r WHERE r.id = (SELECT id FROM names WHERE name = a.run_id)
			AND r.event IS (SELECT id FROM names WHERE name = a.event_id)) THEN NULL
		ELSE coalesce((SELECT id FROM names WHERE name = a.event_id), 0)
		END,
		(SELECT id FROM names WHERE name = a.run_id),
		(SELECT id FROM names WHERE name = a.playbook_id),
		a.message, a.data
	FROM audit a;
DROP TABLE audit;
ALTER TABLE audit_v2 RENAME TO audit;
CREATE INDEX audit_run ON audit (run) WHERE run IS NOT NULL;
CREATE INDEX audit_event ON audit (event) WHERE event IS NOT NULL;
CREATE TRIGGER runs_event_changed AFTER UPDATE OF event ON runs
	WHEN old.event IS NOT new.event
	BEGIN
		UPDATE audit SET event = coalesce(old.event, 0) WHERE run = old.id AND event IS NULL;
	END;
`
