-- The first release's schema (commit 0b81462, made by its `db init` and its connector), dumped with
-- pg_dump --schema-only: what a database deployed before schema versions holds. Never edit.
CREATE SCHEMA agdref_anef;
CREATE TABLE agdref_anef.connector_state (
    slot text NOT NULL,
    acknowledged_lsn pg_lsn,
    last_commit_at timestamp with time zone,
    acknowledged_at timestamp with time zone,
    events bigint DEFAULT 0 NOT NULL
);
CREATE TABLE agdref_anef.signal (
    id character varying(42) NOT NULL,
    type character varying(32) NOT NULL,
    data character varying(2048)
);
CREATE TABLE agdref_anef.snapshot_progress (
    request_id text NOT NULL,
    table_name text NOT NULL,
    keys jsonb,
    last_key jsonb,
    rows_read bigint DEFAULT 0 NOT NULL,
    done boolean DEFAULT false NOT NULL,
    requested_at timestamp with time zone DEFAULT now() NOT NULL,
    finished_at timestamp with time zone
);
ALTER TABLE ONLY agdref_anef.connector_state
    ADD CONSTRAINT connector_state_pkey PRIMARY KEY (slot);
ALTER TABLE ONLY agdref_anef.signal
    ADD CONSTRAINT signal_pkey PRIMARY KEY (id);
ALTER TABLE ONLY agdref_anef.snapshot_progress
    ADD CONSTRAINT snapshot_progress_pkey PRIMARY KEY (request_id, table_name);
