/**
 * The catalog's schema, as an ordered list of migrations both backends apply in `open()`.
 *
 * Each migration has a stable id and the SQL for each dialect. A backend records the ids
 * it applied in `schema_migrations` and, inside one transaction, applies the pending ones
 * in list order, so a crash half-way through an upgrade leaves the previous schema intact.
 *
 * Rules for adding one: append, never edit or reorder an applied migration (catalogs in the
 * field already ran it), and write both dialects in the same change.
 */
import { StrongroomError } from '../errors.js'

/** The SQL dialects the catalog backends speak. */
export type MigrationDialect = 'sqlite' | 'postgres'

/** One schema change, written once per dialect. */
export interface Migration {
  /** Stable, sortable id, recorded in `schema_migrations` once applied. */
  readonly id: string
  readonly sqlite: string
  readonly postgres: string
}

/**
 * DDL of the bookkeeping table, per dialect. It is created (if missing) in the same
 * transaction that applies the pending migrations.
 */
export const SCHEMA_MIGRATIONS_DDL: Readonly<Record<MigrationDialect, string>> = {
  sqlite: `CREATE TABLE IF NOT EXISTS schema_migrations (
  id TEXT PRIMARY KEY NOT NULL,
  applied_at INTEGER NOT NULL
) STRICT`,
  postgres: `CREATE TABLE IF NOT EXISTS schema_migrations (
  id TEXT PRIMARY KEY NOT NULL,
  applied_at TIMESTAMPTZ NOT NULL
)`,
}

/*
 * Design notes shared by both dialects:
 * - SQLite tables are STRICT so a non-integer count or a string where a blob belongs is
 *   rejected, as PostgreSQL rejects it, instead of being stored with type affinity.
 * - SQLite timestamps are INTEGER milliseconds since the epoch (a JS Date's precision);
 *   PostgreSQL uses TIMESTAMPTZ (microseconds), which holds a JS Date exactly.
 * - files(id, dataset_id) is UNIQUE only so version_files can reference it: the composite
 *   foreign key makes it impossible for a version to list another dataset's file, whose
 *   DEK is wrapped under another dataset's KEK.
 * - files(dataset_id, kek_version) references keks so no file can name a KEK that does
 *   not exist (it would be undecryptable).
 * - The partial unique index on keks allows at most one active KEK per dataset.
 * - schema_json is TEXT, not JSONB: it round-trips byte for byte and is never queried.
 */
const INITIAL_SQLITE = `
CREATE TABLE settings (
  key TEXT PRIMARY KEY NOT NULL,
  value TEXT NOT NULL
) STRICT;

CREATE TABLE datasets (
  id TEXT PRIMARY KEY NOT NULL,
  namespace TEXT NOT NULL,
  name TEXT NOT NULL,
  owner TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  subject_column TEXT,
  current_version INTEGER NOT NULL DEFAULT 0 CHECK (current_version >= 0),
  UNIQUE (namespace, name)
) STRICT;

CREATE TABLE versions (
  dataset_id TEXT NOT NULL REFERENCES datasets (id),
  version INTEGER NOT NULL CHECK (version >= 1),
  parent_version INTEGER NOT NULL CHECK (parent_version >= 0 AND parent_version < version),
  created_at INTEGER NOT NULL,
  operation TEXT NOT NULL,
  schema_json TEXT NOT NULL,
  row_count INTEGER NOT NULL CHECK (row_count >= 0),
  PRIMARY KEY (dataset_id, version)
) STRICT;

CREATE TABLE keks (
  dataset_id TEXT NOT NULL REFERENCES datasets (id),
  version INTEGER NOT NULL CHECK (version >= 1),
  root_key_id TEXT NOT NULL,
  algorithm TEXT NOT NULL,
  wrapped BLOB NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('active', 'retired')),
  created_at INTEGER NOT NULL,
  PRIMARY KEY (dataset_id, version)
) STRICT;

CREATE UNIQUE INDEX keks_one_active ON keks (dataset_id) WHERE state = 'active';

CREATE TABLE files (
  id TEXT PRIMARY KEY NOT NULL,
  dataset_id TEXT NOT NULL REFERENCES datasets (id),
  created_version INTEGER NOT NULL CHECK (created_version >= 1),
  object_key TEXT NOT NULL UNIQUE,
  row_count INTEGER NOT NULL CHECK (row_count >= 0),
  ciphertext_bytes INTEGER NOT NULL CHECK (ciphertext_bytes >= 0),
  plaintext_bytes INTEGER NOT NULL CHECK (plaintext_bytes >= 0),
  ciphertext_sha256 TEXT NOT NULL,
  wrapped_dek BLOB NOT NULL,
  kek_version INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (id, dataset_id),
  FOREIGN KEY (dataset_id, kek_version) REFERENCES keks (dataset_id, version)
) STRICT;

CREATE INDEX files_dataset ON files (dataset_id, created_version);

CREATE TABLE version_files (
  dataset_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  file_id TEXT NOT NULL,
  ordinal INTEGER NOT NULL CHECK (ordinal >= 0),
  PRIMARY KEY (dataset_id, version, file_id),
  UNIQUE (dataset_id, version, ordinal),
  FOREIGN KEY (dataset_id, version) REFERENCES versions (dataset_id, version),
  FOREIGN KEY (file_id, dataset_id) REFERENCES files (id, dataset_id)
) STRICT;

CREATE INDEX version_files_file ON version_files (file_id, dataset_id);
`

const INITIAL_POSTGRES = `
CREATE TABLE settings (
  key TEXT PRIMARY KEY NOT NULL,
  value TEXT NOT NULL
);

CREATE TABLE datasets (
  id TEXT PRIMARY KEY NOT NULL,
  namespace TEXT NOT NULL,
  name TEXT NOT NULL,
  owner TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL,
  subject_column TEXT,
  current_version INTEGER NOT NULL DEFAULT 0 CHECK (current_version >= 0),
  UNIQUE (namespace, name)
);

CREATE TABLE versions (
  dataset_id TEXT NOT NULL REFERENCES datasets (id),
  version INTEGER NOT NULL CHECK (version >= 1),
  parent_version INTEGER NOT NULL CHECK (parent_version >= 0 AND parent_version < version),
  created_at TIMESTAMPTZ NOT NULL,
  operation TEXT NOT NULL,
  schema_json TEXT NOT NULL,
  row_count BIGINT NOT NULL CHECK (row_count >= 0),
  PRIMARY KEY (dataset_id, version)
);

CREATE TABLE keks (
  dataset_id TEXT NOT NULL REFERENCES datasets (id),
  version INTEGER NOT NULL CHECK (version >= 1),
  root_key_id TEXT NOT NULL,
  algorithm TEXT NOT NULL,
  wrapped BYTEA NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('active', 'retired')),
  created_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (dataset_id, version)
);

CREATE UNIQUE INDEX keks_one_active ON keks (dataset_id) WHERE state = 'active';

CREATE TABLE files (
  id TEXT PRIMARY KEY NOT NULL,
  dataset_id TEXT NOT NULL REFERENCES datasets (id),
  created_version INTEGER NOT NULL CHECK (created_version >= 1),
  object_key TEXT NOT NULL UNIQUE,
  row_count BIGINT NOT NULL CHECK (row_count >= 0),
  ciphertext_bytes BIGINT NOT NULL CHECK (ciphertext_bytes >= 0),
  plaintext_bytes BIGINT NOT NULL CHECK (plaintext_bytes >= 0),
  ciphertext_sha256 TEXT NOT NULL,
  wrapped_dek BYTEA NOT NULL,
  kek_version INTEGER NOT NULL,
  created_at TIMESTAMPTZ NOT NULL,
  UNIQUE (id, dataset_id),
  FOREIGN KEY (dataset_id, kek_version) REFERENCES keks (dataset_id, version)
);

CREATE INDEX files_dataset ON files (dataset_id, created_version);

CREATE TABLE version_files (
  dataset_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  file_id TEXT NOT NULL,
  ordinal INTEGER NOT NULL CHECK (ordinal >= 0),
  PRIMARY KEY (dataset_id, version, file_id),
  UNIQUE (dataset_id, version, ordinal),
  FOREIGN KEY (dataset_id, version) REFERENCES versions (dataset_id, version),
  FOREIGN KEY (file_id, dataset_id) REFERENCES files (id, dataset_id)
);

CREATE INDEX version_files_file ON version_files (file_id, dataset_id);
`

/*
 * 0002_lineage: the lineage graph, one row per directed edge source -> target observed in
 * one run. Notes:
 * - Endpoints are names, not foreign keys: a source may be a file outside the lake, and an
 *   edge must outlive a dataset that is later dropped (lineage is history).
 * - The CHECKs keep a file endpoint versionless and a dataset version >= 1 (version 0
 *   means "nothing committed"), so readers never see a half-meaningful edge.
 * - column_map_json is TEXT like schema_json: written and read whole, never queried.
 * - One index per direction: upstream walks look up by target, downstream by source.
 */
const LINEAGE_SQLITE = `
CREATE TABLE lineage_edges (
  id TEXT PRIMARY KEY NOT NULL,
  run_id TEXT NOT NULL,
  job TEXT NOT NULL,
  event_type TEXT NOT NULL CHECK (event_type IN ('START', 'COMPLETE', 'FAIL')),
  event_time INTEGER NOT NULL,
  source_kind TEXT NOT NULL CHECK (source_kind IN ('file', 'dataset')),
  source_name TEXT NOT NULL,
  source_version INTEGER CHECK (source_version >= 1),
  target_kind TEXT NOT NULL CHECK (target_kind IN ('file', 'dataset')),
  target_name TEXT NOT NULL,
  target_version INTEGER CHECK (target_version >= 1),
  column_map_json TEXT NOT NULL,
  CHECK (source_kind = 'dataset' OR source_version IS NULL),
  CHECK (target_kind = 'dataset' OR target_version IS NULL)
) STRICT;

CREATE INDEX lineage_edges_target ON lineage_edges (target_name, event_time);
CREATE INDEX lineage_edges_source ON lineage_edges (source_name, event_time);
`

const LINEAGE_POSTGRES = `
CREATE TABLE lineage_edges (
  id TEXT PRIMARY KEY NOT NULL,
  run_id TEXT NOT NULL,
  job TEXT NOT NULL,
  event_type TEXT NOT NULL CHECK (event_type IN ('START', 'COMPLETE', 'FAIL')),
  event_time TIMESTAMPTZ NOT NULL,
  source_kind TEXT NOT NULL CHECK (source_kind IN ('file', 'dataset')),
  source_name TEXT NOT NULL,
  source_version INTEGER CHECK (source_version >= 1),
  target_kind TEXT NOT NULL CHECK (target_kind IN ('file', 'dataset')),
  target_name TEXT NOT NULL,
  target_version INTEGER CHECK (target_version >= 1),
  column_map_json TEXT NOT NULL,
  CHECK (source_kind = 'dataset' OR source_version IS NULL),
  CHECK (target_kind = 'dataset' OR target_version IS NULL)
);

CREATE INDEX lineage_edges_target ON lineage_edges (target_name, event_time);
CREATE INDEX lineage_edges_source ON lineage_edges (source_name, event_time);
`

/*
 * 0003_metadata: what a privacy officer reads about a dataset (descriptions, tags) and the
 * per-column classifications, with their history. Notes:
 * - column_name '' stands for the dataset itself in metadata_descriptions and
 *   metadata_tags: a primary key column cannot be NULL, and the catalog never accepts ''
 *   as a column name.
 * - description_folded is the description lower-cased in JavaScript, so a
 *   case-insensitive search behaves the same in both dialects (SQLite's LIKE and lower()
 *   fold ASCII only).
 * - tag_value NULL is a plain `key` tag; one row per key per target (LF-tag style).
 * - classifications is append-only: triggers refuse UPDATE and DELETE, so the history a
 *   privacy officer relies on cannot be rewritten through the catalog. seq orders it (the
 *   writers serialize per dataset, so seq order is commit order within a dataset).
 * - current_classifications is the one definition of "in force": per column the newest
 *   manual entry, else the newest detected one. sensitivity_rank makes "at least" a
 *   comparison.
 */
const METADATA_SQLITE = `
CREATE TABLE metadata_descriptions (
  dataset_id TEXT NOT NULL REFERENCES datasets (id),
  column_name TEXT NOT NULL,
  description TEXT NOT NULL CHECK (length(description) BETWEEN 1 AND 4000),
  description_folded TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (dataset_id, column_name)
) STRICT;

CREATE TABLE metadata_tags (
  dataset_id TEXT NOT NULL REFERENCES datasets (id),
  column_name TEXT NOT NULL,
  tag_key TEXT NOT NULL CHECK (length(tag_key) BETWEEN 1 AND 63),
  tag_value TEXT CHECK (length(tag_value) BETWEEN 1 AND 128),
  PRIMARY KEY (dataset_id, column_name, tag_key)
) STRICT;

CREATE INDEX metadata_tags_key ON metadata_tags (tag_key, tag_value);

CREATE TABLE classifications (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  dataset_id TEXT NOT NULL REFERENCES datasets (id),
  column_name TEXT NOT NULL CHECK (length(column_name) >= 1),
  entity_type TEXT NOT NULL CHECK (length(entity_type) BETWEEN 1 AND 64),
  confidence REAL NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
  sensitivity TEXT NOT NULL CHECK (sensitivity IN ('none', 'low', 'medium', 'high')),
  source TEXT NOT NULL CHECK (source IN ('detected', 'manual')),
  dataset_version INTEGER CHECK (dataset_version >= 1),
  recorded_by TEXT NOT NULL CHECK (length(recorded_by) >= 1),
  recorded_at INTEGER NOT NULL
) STRICT;

CREATE INDEX classifications_column ON classifications (dataset_id, column_name, seq);

CREATE TRIGGER classifications_no_update BEFORE UPDATE ON classifications
BEGIN
  SELECT RAISE(ABORT, 'classifications are append-only');
END;

CREATE TRIGGER classifications_no_delete BEFORE DELETE ON classifications
BEGIN
  SELECT RAISE(ABORT, 'classifications are append-only');
END;

CREATE VIEW current_classifications AS
SELECT * FROM (
  SELECT c.*,
    CASE c.sensitivity WHEN 'low' THEN 1 WHEN 'medium' THEN 2 WHEN 'high' THEN 3 ELSE 0 END
      AS sensitivity_rank,
    row_number() OVER (
      PARTITION BY c.dataset_id, c.column_name
      ORDER BY CASE c.source WHEN 'manual' THEN 1 ELSE 0 END DESC, c.seq DESC
    ) AS precedence
  FROM classifications c
) AS ranked WHERE precedence = 1;
`

const METADATA_POSTGRES = `
CREATE TABLE metadata_descriptions (
  dataset_id TEXT NOT NULL REFERENCES datasets (id),
  column_name TEXT NOT NULL,
  description TEXT NOT NULL CHECK (char_length(description) BETWEEN 1 AND 4000),
  description_folded TEXT NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (dataset_id, column_name)
);

CREATE TABLE metadata_tags (
  dataset_id TEXT NOT NULL REFERENCES datasets (id),
  column_name TEXT NOT NULL,
  tag_key TEXT NOT NULL CHECK (char_length(tag_key) BETWEEN 1 AND 63),
  tag_value TEXT CHECK (char_length(tag_value) BETWEEN 1 AND 128),
  PRIMARY KEY (dataset_id, column_name, tag_key)
);

CREATE INDEX metadata_tags_key ON metadata_tags (tag_key, tag_value);

CREATE TABLE classifications (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  dataset_id TEXT NOT NULL REFERENCES datasets (id),
  column_name TEXT NOT NULL CHECK (char_length(column_name) >= 1),
  entity_type TEXT NOT NULL CHECK (char_length(entity_type) BETWEEN 1 AND 64),
  confidence DOUBLE PRECISION NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
  sensitivity TEXT NOT NULL CHECK (sensitivity IN ('none', 'low', 'medium', 'high')),
  source TEXT NOT NULL CHECK (source IN ('detected', 'manual')),
  dataset_version INTEGER CHECK (dataset_version >= 1),
  recorded_by TEXT NOT NULL CHECK (char_length(recorded_by) >= 1),
  recorded_at TIMESTAMPTZ NOT NULL
);

CREATE INDEX classifications_column ON classifications (dataset_id, column_name, seq);

CREATE FUNCTION classifications_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'classifications are append-only' USING ERRCODE = 'integrity_constraint_violation';
END;
$$;

CREATE TRIGGER classifications_no_update_delete BEFORE UPDATE OR DELETE ON classifications
FOR EACH ROW EXECUTE FUNCTION classifications_append_only();

CREATE TRIGGER classifications_no_truncate BEFORE TRUNCATE ON classifications
FOR EACH STATEMENT EXECUTE FUNCTION classifications_append_only();

CREATE VIEW current_classifications AS
SELECT * FROM (
  SELECT c.*,
    CASE c.sensitivity WHEN 'low' THEN 1 WHEN 'medium' THEN 2 WHEN 'high' THEN 3 ELSE 0 END
      AS sensitivity_rank,
    row_number() OVER (
      PARTITION BY c.dataset_id, c.column_name
      ORDER BY CASE c.source WHEN 'manual' THEN 1 ELSE 0 END DESC, c.seq DESC
    ) AS precedence
  FROM classifications c
) AS ranked WHERE precedence = 1;
`

/*
 * 0004_findings: what each discovery scan found, per column and entity type (every type
 * found, not only the winning classification). Notes:
 * - finding_scans has one row per scan, even one that found nothing: an empty scan is how
 *   "scanned, clean" supersedes older findings of the same version. Its composite foreign
 *   key makes a scan of a version that does not exist impossible.
 * - "Newest" is the highest seq of a (dataset, version): writers serialize per dataset, so
 *   seq order is commit order, as in classifications.
 * - findings hold counts, row numbers and redacted previews, never a value; row_numbers
 *   and previews are JSON arrays (TEXT in SQLite, jsonb in PostgreSQL), written and read
 *   whole, their shape and bounds checked by the database as a last line of defence.
 * - Both tables are append-only: triggers refuse UPDATE and DELETE (and TRUNCATE in
 *   PostgreSQL), so the scan history cannot be rewritten through the catalog.
 * - finding_scans_version serves "the newest scan of a version" (max(seq) per key);
 *   findings' primary key serves "the findings of a scan" in listing order; findings_entity
 *   serves the entity type filter across datasets.
 */
const FINDINGS_SQLITE = `
CREATE TABLE finding_scans (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  dataset_id TEXT NOT NULL,
  dataset_version INTEGER NOT NULL CHECK (dataset_version >= 1),
  scanned_at INTEGER NOT NULL,
  recorded_by TEXT NOT NULL CHECK (length(recorded_by) >= 1),
  rows_sampled INTEGER NOT NULL CHECK (rows_sampled >= 0),
  FOREIGN KEY (dataset_id, dataset_version) REFERENCES versions (dataset_id, version)
) STRICT;

CREATE INDEX finding_scans_version ON finding_scans (dataset_id, dataset_version, seq);

CREATE TABLE findings (
  scan_id TEXT NOT NULL REFERENCES finding_scans (id),
  column_name TEXT NOT NULL CHECK (length(column_name) >= 1),
  entity_type TEXT NOT NULL CHECK (length(entity_type) BETWEEN 1 AND 64),
  matches INTEGER NOT NULL CHECK (matches >= 0),
  sampled INTEGER NOT NULL CHECK (sampled >= matches),
  test_values INTEGER NOT NULL CHECK (test_values >= 0 AND test_values <= matches),
  confidence REAL NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
  sensitivity TEXT NOT NULL CHECK (sensitivity IN ('none', 'low', 'medium', 'high')),
  row_numbers TEXT NOT NULL CHECK (
    json_valid(row_numbers) AND json_type(row_numbers) = 'array'
    AND json_array_length(row_numbers) <= 20
  ),
  previews TEXT NOT NULL CHECK (
    json_valid(previews) AND json_type(previews) = 'array'
    AND json_array_length(previews) <= 5
  ),
  PRIMARY KEY (scan_id, column_name, entity_type)
) STRICT;

CREATE INDEX findings_entity ON findings (entity_type, scan_id);

CREATE TRIGGER finding_scans_no_update BEFORE UPDATE ON finding_scans
BEGIN
  SELECT RAISE(ABORT, 'finding scans are append-only');
END;

CREATE TRIGGER finding_scans_no_delete BEFORE DELETE ON finding_scans
BEGIN
  SELECT RAISE(ABORT, 'finding scans are append-only');
END;

CREATE TRIGGER findings_no_update BEFORE UPDATE ON findings
BEGIN
  SELECT RAISE(ABORT, 'findings are append-only');
END;

CREATE TRIGGER findings_no_delete BEFORE DELETE ON findings
BEGIN
  SELECT RAISE(ABORT, 'findings are append-only');
END;
`

const FINDINGS_POSTGRES = `
CREATE TABLE finding_scans (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  dataset_id TEXT NOT NULL,
  dataset_version INTEGER NOT NULL CHECK (dataset_version >= 1),
  scanned_at TIMESTAMPTZ NOT NULL,
  recorded_by TEXT NOT NULL CHECK (char_length(recorded_by) >= 1),
  rows_sampled BIGINT NOT NULL CHECK (rows_sampled >= 0),
  FOREIGN KEY (dataset_id, dataset_version) REFERENCES versions (dataset_id, version)
);

CREATE INDEX finding_scans_version ON finding_scans (dataset_id, dataset_version, seq);

CREATE TABLE findings (
  scan_id TEXT NOT NULL REFERENCES finding_scans (id),
  column_name TEXT NOT NULL CHECK (char_length(column_name) >= 1),
  entity_type TEXT NOT NULL CHECK (char_length(entity_type) BETWEEN 1 AND 64),
  matches BIGINT NOT NULL CHECK (matches >= 0),
  sampled BIGINT NOT NULL CHECK (sampled >= matches),
  test_values BIGINT NOT NULL CHECK (test_values >= 0 AND test_values <= matches),
  confidence DOUBLE PRECISION NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
  sensitivity TEXT NOT NULL CHECK (sensitivity IN ('none', 'low', 'medium', 'high')),
  row_numbers JSONB NOT NULL CHECK (
    jsonb_typeof(row_numbers) = 'array' AND jsonb_array_length(row_numbers) <= 20
  ),
  previews JSONB NOT NULL CHECK (
    jsonb_typeof(previews) = 'array' AND jsonb_array_length(previews) <= 5
  ),
  PRIMARY KEY (scan_id, column_name, entity_type)
);

CREATE INDEX findings_entity ON findings (entity_type, scan_id);

CREATE FUNCTION findings_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'findings are append-only' USING ERRCODE = 'integrity_constraint_violation';
END;
$$;

CREATE TRIGGER finding_scans_no_update_delete BEFORE UPDATE OR DELETE ON finding_scans
FOR EACH ROW EXECUTE FUNCTION findings_append_only();

CREATE TRIGGER finding_scans_no_truncate BEFORE TRUNCATE ON finding_scans
FOR EACH STATEMENT EXECUTE FUNCTION findings_append_only();

CREATE TRIGGER findings_no_update_delete BEFORE UPDATE OR DELETE ON findings
FOR EACH ROW EXECUTE FUNCTION findings_append_only();

CREATE TRIGGER findings_no_truncate BEFORE TRUNCATE ON findings
FOR EACH STATEMENT EXECUTE FUNCTION findings_append_only();
`

/*
 * 0005_privacy_budgets: each dataset's differential-privacy budget and the ledger of what
 * releases spent. Notes:
 * - Amounts are exact rational text ("3/10", "0.3", "1"), never floating point, so storing a
 *   budget never rounds it; the CHECKs only bound their shape, the accountant does the math.
 * - privacy_budgets.version is the optimistic-concurrency counter of compare-and-set: it
 *   starts at 1 and each successful update adds one.
 * - privacy_releases is append-only (triggers refuse UPDATE and DELETE, and TRUNCATE in
 *   PostgreSQL): it records who spent what, when, on which aggregate; never a released value.
 *   seq counts a dataset's releases from 1 and is assigned under the budget row's write lock.
 */
const PRIVACY_AMOUNT_SQLITE = (column: string) =>
  `${column} TEXT NOT NULL CHECK (length(${column}) BETWEEN 1 AND 20000 ` +
  `AND ${column} NOT GLOB '*[^0-9./]*')`

const PRIVACY_AMOUNT_POSTGRES = (column: string) =>
  `${column} TEXT NOT NULL CHECK (${column} ~ '^[0-9]+(\\.[0-9]+)?(/[0-9]+)?$' ` +
  `AND char_length(${column}) <= 20000)`

const PRIVACY_SQLITE = `
CREATE TABLE privacy_budgets (
  dataset_id TEXT PRIMARY KEY NOT NULL REFERENCES datasets (id),
  version INTEGER NOT NULL CHECK (version >= 1),
  ${PRIVACY_AMOUNT_SQLITE('epsilon_total')},
  ${PRIVACY_AMOUNT_SQLITE('delta_total')},
  ${PRIVACY_AMOUNT_SQLITE('epsilon_pure')},
  ${PRIVACY_AMOUNT_SQLITE('delta_approx')},
  ${PRIVACY_AMOUNT_SQLITE('rho')},
  releases INTEGER NOT NULL CHECK (releases >= 0),
  updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE privacy_releases (
  dataset_id TEXT NOT NULL REFERENCES privacy_budgets (dataset_id),
  seq INTEGER NOT NULL CHECK (seq >= 1),
  released_at INTEGER NOT NULL,
  principal TEXT NOT NULL CHECK (length(principal) BETWEEN 1 AND 256),
  aggregate TEXT NOT NULL CHECK (length(aggregate) BETWEEN 1 AND 64),
  mechanism TEXT NOT NULL CHECK (length(mechanism) BETWEEN 1 AND 64),
  ${PRIVACY_AMOUNT_SQLITE('epsilon')},
  ${PRIVACY_AMOUNT_SQLITE('delta')},
  ${PRIVACY_AMOUNT_SQLITE('rho')},
  PRIMARY KEY (dataset_id, seq)
) STRICT;

CREATE TRIGGER privacy_releases_no_update BEFORE UPDATE ON privacy_releases
BEGIN
  SELECT RAISE(ABORT, 'privacy releases are append-only');
END;

CREATE TRIGGER privacy_releases_no_delete BEFORE DELETE ON privacy_releases
BEGIN
  SELECT RAISE(ABORT, 'privacy releases are append-only');
END;
`

const PRIVACY_POSTGRES = `
CREATE TABLE privacy_budgets (
  dataset_id TEXT PRIMARY KEY NOT NULL REFERENCES datasets (id),
  version BIGINT NOT NULL CHECK (version >= 1),
  ${PRIVACY_AMOUNT_POSTGRES('epsilon_total')},
  ${PRIVACY_AMOUNT_POSTGRES('delta_total')},
  ${PRIVACY_AMOUNT_POSTGRES('epsilon_pure')},
  ${PRIVACY_AMOUNT_POSTGRES('delta_approx')},
  ${PRIVACY_AMOUNT_POSTGRES('rho')},
  releases BIGINT NOT NULL CHECK (releases >= 0),
  updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE privacy_releases (
  dataset_id TEXT NOT NULL REFERENCES privacy_budgets (dataset_id),
  seq BIGINT NOT NULL CHECK (seq >= 1),
  released_at TIMESTAMPTZ NOT NULL,
  principal TEXT NOT NULL CHECK (char_length(principal) BETWEEN 1 AND 256),
  aggregate TEXT NOT NULL CHECK (char_length(aggregate) BETWEEN 1 AND 64),
  mechanism TEXT NOT NULL CHECK (char_length(mechanism) BETWEEN 1 AND 64),
  ${PRIVACY_AMOUNT_POSTGRES('epsilon')},
  ${PRIVACY_AMOUNT_POSTGRES('delta')},
  ${PRIVACY_AMOUNT_POSTGRES('rho')},
  PRIMARY KEY (dataset_id, seq)
);

CREATE FUNCTION privacy_releases_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'privacy releases are append-only'
    USING ERRCODE = 'integrity_constraint_violation';
END;
$$;

CREATE TRIGGER privacy_releases_no_update_delete BEFORE UPDATE OR DELETE ON privacy_releases
FOR EACH ROW EXECUTE FUNCTION privacy_releases_append_only();

CREATE TRIGGER privacy_releases_no_truncate BEFORE TRUNCATE ON privacy_releases
FOR EACH STATEMENT EXECUTE FUNCTION privacy_releases_append_only();
`

/*
 * 0006_access: principals, their roles, and the versions of the applied policy set.
 * - principals holds authorization attributes only (clearance rank 0..3, region, MFA,
 *   attributes row filters may compare to); authentication is the interface's job.
 * - role_grants rows are deleted on revoke; grants and revocations are audit events, and
 *   granted_at lets `access unused` tell an old grant from a new one.
 * - policy_versions is append-only: an apply or a rollback adds a version, the newest is in
 *   force, and the texts of every version stay for diff and rollback.
 */
const ACCESS_SQLITE = `
CREATE TABLE principals (
  id TEXT PRIMARY KEY NOT NULL CHECK (length(id) BETWEEN 1 AND 128),
  clearance INTEGER NOT NULL CHECK (clearance BETWEEN 0 AND 3),
  region TEXT NOT NULL CHECK (length(region) <= 64),
  mfa INTEGER NOT NULL CHECK (mfa IN (0, 1)),
  attributes_json TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE role_grants (
  principal_id TEXT NOT NULL REFERENCES principals (id) ON DELETE CASCADE,
  role TEXT NOT NULL CHECK (length(role) BETWEEN 1 AND 64),
  granted_at INTEGER NOT NULL,
  granted_by TEXT NOT NULL,
  PRIMARY KEY (principal_id, role)
) STRICT;

CREATE TABLE policy_versions (
  version INTEGER PRIMARY KEY NOT NULL CHECK (version >= 1),
  sources_json TEXT NOT NULL,
  sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
  created_at INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  comment TEXT NOT NULL,
  based_on INTEGER
) STRICT;

CREATE TRIGGER policy_versions_no_update BEFORE UPDATE ON policy_versions
BEGIN
  SELECT RAISE(ABORT, 'policy versions are append-only');
END;

CREATE TRIGGER policy_versions_no_delete BEFORE DELETE ON policy_versions
BEGIN
  SELECT RAISE(ABORT, 'policy versions are append-only');
END;
`

const ACCESS_POSTGRES = `
CREATE TABLE principals (
  id TEXT PRIMARY KEY NOT NULL CHECK (char_length(id) BETWEEN 1 AND 128),
  clearance SMALLINT NOT NULL CHECK (clearance BETWEEN 0 AND 3),
  region TEXT NOT NULL CHECK (char_length(region) <= 64),
  mfa BOOLEAN NOT NULL,
  attributes_json TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL,
  created_by TEXT NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE role_grants (
  principal_id TEXT NOT NULL REFERENCES principals (id) ON DELETE CASCADE,
  role TEXT NOT NULL CHECK (char_length(role) BETWEEN 1 AND 64),
  granted_at TIMESTAMPTZ NOT NULL,
  granted_by TEXT NOT NULL,
  PRIMARY KEY (principal_id, role)
);

CREATE TABLE policy_versions (
  version BIGINT PRIMARY KEY NOT NULL CHECK (version >= 1),
  sources_json TEXT NOT NULL,
  sha256 TEXT NOT NULL CHECK (char_length(sha256) = 64),
  created_at TIMESTAMPTZ NOT NULL,
  created_by TEXT NOT NULL,
  comment TEXT NOT NULL,
  based_on BIGINT
);

CREATE FUNCTION policy_versions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'policy versions are append-only'
    USING ERRCODE = 'integrity_constraint_violation';
END;
$$;

CREATE TRIGGER policy_versions_no_update_delete BEFORE UPDATE OR DELETE ON policy_versions
FOR EACH ROW EXECUTE FUNCTION policy_versions_append_only();

CREATE TRIGGER policy_versions_no_truncate BEFORE TRUNCATE ON policy_versions
FOR EACH STATEMENT EXECUTE FUNCTION policy_versions_append_only();
`

/*
 * 0007_token_vault: the token vault behind the `vault` transform (src/protect/vault/).
 * - vault_keys: one row per (domain, data subject), the subject named only by a keyed
 *   reference (HMAC-SHA-256, 32 bytes) and its random key stored only wrapped. Forgetting a
 *   subject deletes the row: that is the crypto-shredding.
 * - vault_tokens: one row per tokenized value: the random token, the blind index that makes
 *   re-tokenization converge (unique per key), and the value's ciphertext. When the key is
 *   destroyed the row keeps only token, domain and shredded_at, so detokenize can tell
 *   "shredded" from "unknown"; the CHECK makes a half-shredded row impossible.
 * - key_id references vault_keys, so no live entry can name a key that does not exist.
 */
const VAULT_SQLITE = `
CREATE TABLE vault_keys (
  key_id TEXT PRIMARY KEY NOT NULL CHECK (length(key_id) BETWEEN 1 AND 64),
  domain TEXT NOT NULL CHECK (length(domain) BETWEEN 1 AND 200),
  subject_ref BLOB NOT NULL CHECK (length(subject_ref) = 32),
  wrapped_key BLOB NOT NULL CHECK (length(wrapped_key) BETWEEN 16 AND 1024),
  created_at INTEGER NOT NULL,
  UNIQUE (domain, subject_ref)
) STRICT;

CREATE TABLE vault_tokens (
  token TEXT PRIMARY KEY NOT NULL CHECK (
    length(token) BETWEEN 1 AND 64 AND token NOT GLOB '*[^A-Za-z0-9_-]*'
  ),
  domain TEXT NOT NULL CHECK (length(domain) BETWEEN 1 AND 200),
  key_id TEXT REFERENCES vault_keys (key_id),
  blind_index BLOB CHECK (length(blind_index) = 32),
  ciphertext BLOB CHECK (length(ciphertext) BETWEEN 1 AND 1048576),
  created_at INTEGER NOT NULL,
  shredded_at INTEGER,
  CHECK (
    (shredded_at IS NULL AND key_id IS NOT NULL AND blind_index IS NOT NULL
      AND ciphertext IS NOT NULL)
    OR (shredded_at IS NOT NULL AND key_id IS NULL AND blind_index IS NULL
      AND ciphertext IS NULL)
  ),
  UNIQUE (key_id, blind_index)
) STRICT;
`

const VAULT_POSTGRES = `
CREATE TABLE vault_keys (
  key_id TEXT PRIMARY KEY NOT NULL CHECK (char_length(key_id) BETWEEN 1 AND 64),
  domain TEXT NOT NULL CHECK (char_length(domain) BETWEEN 1 AND 200),
  subject_ref BYTEA NOT NULL CHECK (octet_length(subject_ref) = 32),
  wrapped_key BYTEA NOT NULL CHECK (octet_length(wrapped_key) BETWEEN 16 AND 1024),
  created_at TIMESTAMPTZ NOT NULL,
  UNIQUE (domain, subject_ref)
);

CREATE TABLE vault_tokens (
  token TEXT PRIMARY KEY NOT NULL CHECK (token ~ '^[A-Za-z0-9_-]{1,64}$'),
  domain TEXT NOT NULL CHECK (char_length(domain) BETWEEN 1 AND 200),
  key_id TEXT REFERENCES vault_keys (key_id),
  blind_index BYTEA CHECK (octet_length(blind_index) = 32),
  ciphertext BYTEA CHECK (octet_length(ciphertext) BETWEEN 1 AND 1048576),
  created_at TIMESTAMPTZ NOT NULL,
  shredded_at TIMESTAMPTZ,
  CHECK (
    (shredded_at IS NULL AND key_id IS NOT NULL AND blind_index IS NOT NULL
      AND ciphertext IS NOT NULL)
    OR (shredded_at IS NOT NULL AND key_id IS NULL AND blind_index IS NULL
      AND ciphertext IS NULL)
  ),
  UNIQUE (key_id, blind_index)
);
`

/** Every migration, in the order they apply. */
export const MIGRATIONS: readonly Migration[] = [
  { id: '0001_initial', sqlite: INITIAL_SQLITE, postgres: INITIAL_POSTGRES },
  { id: '0002_lineage', sqlite: LINEAGE_SQLITE, postgres: LINEAGE_POSTGRES },
  { id: '0003_metadata', sqlite: METADATA_SQLITE, postgres: METADATA_POSTGRES },
  { id: '0004_findings', sqlite: FINDINGS_SQLITE, postgres: FINDINGS_POSTGRES },
  { id: '0005_privacy_budgets', sqlite: PRIVACY_SQLITE, postgres: PRIVACY_POSTGRES },
  { id: '0006_access', sqlite: ACCESS_SQLITE, postgres: ACCESS_POSTGRES },
  { id: '0007_token_vault', sqlite: VAULT_SQLITE, postgres: VAULT_POSTGRES },
]

/**
 * The migrations not yet in `applied`, in apply order.
 *
 * Fails with `ERR_CATALOG_CORRUPT` when the catalog records a migration this build does
 * not know: it was upgraded by a newer Strongroom, and writing to it with an older schema
 * in mind could break invariants the newer one relies on.
 */
export function pendingMigrations(applied: ReadonlySet<string>): Migration[] {
  const known = new Set(MIGRATIONS.map((m) => m.id))
  for (const id of applied) {
    if (!known.has(id)) {
      throw new StrongroomError(
        'ERR_CATALOG_CORRUPT',
        `The catalog has migration ${id}, which this version of Strongroom does not know.`,
        {
          hint: 'The catalog was upgraded by a newer Strongroom; use that version.',
          details: { migration: id },
        },
      )
    }
  }
  return MIGRATIONS.filter((m) => !applied.has(m.id))
}
