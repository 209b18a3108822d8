-- The first release's schema (commit 0b81462, made by its `db init` and its connector), dumped with
-- pg_dump --schema-only: what a database deployed before schema versions holds. Never edit.
CREATE SCHEMA anef;
CREATE SCHEMA evidence;
CREATE SCHEMA migration;
CREATE SCHEMA reconciliation;
CREATE SCHEMA web;
CREATE TABLE anef.attestation (
    numero character(12) NOT NULL,
    numero_etranger character(10) NOT NULL,
    numero_demande character(12),
    type text NOT NULL,
    date_debut date NOT NULL,
    date_fin date NOT NULL,
    renouvellements integer NOT NULL,
    autorisation_travail boolean NOT NULL,
    origine text NOT NULL,
    maj_le timestamp with time zone NOT NULL,
    CONSTRAINT attestation_origine_check CHECK ((origine = ANY (ARRAY['AGDREF'::text, 'ANEF'::text]))),
    CONSTRAINT attestation_type_check CHECK ((type = ANY (ARRAY['PROLONGATION_INSTRUCTION'::text, 'DEMANDE_ASILE'::text])))
);
CREATE TABLE anef.demande (
    numero_demande character(12) NOT NULL,
    numero_etranger character(10) NOT NULL,
    nature text NOT NULL,
    categorie_demandee text NOT NULL,
    fondement text,
    date_depot date NOT NULL,
    statut text NOT NULL,
    date_decision date,
    motif_refus text,
    prefecture text NOT NULL,
    origine text NOT NULL,
    maj_le timestamp with time zone NOT NULL,
    CONSTRAINT demande_categorie_demandee_check CHECK ((categorie_demandee = ANY (ARRAY['CARTE_TEMPORAIRE'::text, 'CARTE_PLURIANNUELLE'::text, 'PASSEPORT_TALENT'::text, 'CARTE_RESIDENT'::text, 'CARTE_RESIDENT_PERMANENT'::text, 'AUTORISATION_PROVISOIRE'::text, 'CERTIFICAT_ALGERIEN_1AN'::text, 'CERTIFICAT_ALGERIEN_10ANS'::text, 'VISA_LONG_SEJOUR'::text]))),
    CONSTRAINT demande_nature_check CHECK ((nature = ANY (ARRAY['PREMIERE'::text, 'RENOUVELLEMENT'::text, 'CHANGEMENT_STATUT'::text, 'DUPLICATA'::text]))),
    CONSTRAINT demande_origine_check CHECK ((origine = ANY (ARRAY['AGDREF'::text, 'ANEF'::text]))),
    CONSTRAINT demande_statut_check CHECK ((statut = ANY (ARRAY['EN_INSTRUCTION'::text, 'ACCORDEE'::text, 'REFUSEE'::text, 'CLASSEE_SANS_SUITE'::text])))
);
CREATE TABLE anef.mesure_eloignement (
    numero character(12) NOT NULL,
    numero_etranger character(10) NOT NULL,
    nature text NOT NULL,
    date_decision date NOT NULL,
    notifiee_le timestamp with time zone,
    delai_depart_jours integer NOT NULL,
    contentieux boolean NOT NULL,
    annulee boolean NOT NULL,
    executee boolean NOT NULL,
    date_execution date,
    origine text NOT NULL,
    maj_le timestamp with time zone NOT NULL,
    CONSTRAINT mesure_eloignement_nature_check CHECK ((nature = ANY (ARRAY['OQTF'::text, 'OQTF_IRTF'::text, 'APRF'::text, 'EXPULSION'::text, 'ITF'::text, 'IAT'::text, 'DUBLIN'::text]))),
    CONSTRAINT mesure_eloignement_origine_check CHECK ((origine = ANY (ARRAY['AGDREF'::text, 'ANEF'::text])))
);
CREATE TABLE anef.titre (
    numero_titre character(10) NOT NULL,
    numero_etranger character(10) NOT NULL,
    numero_demande character(12),
    categorie text NOT NULL,
    mention text,
    date_debut date NOT NULL,
    date_fin date,
    statut text NOT NULL,
    date_remise date,
    autorisation_travail boolean NOT NULL,
    numero_duplicata integer NOT NULL,
    prefecture text NOT NULL,
    origine text NOT NULL,
    maj_le timestamp with time zone NOT NULL,
    CONSTRAINT titre_categorie_check CHECK ((categorie = ANY (ARRAY['CARTE_TEMPORAIRE'::text, 'CARTE_PLURIANNUELLE'::text, 'PASSEPORT_TALENT'::text, 'CARTE_RESIDENT'::text, 'CARTE_RESIDENT_PERMANENT'::text, 'AUTORISATION_PROVISOIRE'::text, 'CERTIFICAT_ALGERIEN_1AN'::text, 'CERTIFICAT_ALGERIEN_10ANS'::text, 'VISA_LONG_SEJOUR'::text]))),
    CONSTRAINT titre_date_fin_sauf_resident_permanent CHECK (((date_fin IS NOT NULL) OR (categorie = 'CARTE_RESIDENT_PERMANENT'::text))),
    CONSTRAINT titre_origine_check CHECK ((origine = ANY (ARRAY['AGDREF'::text, 'ANEF'::text]))),
    CONSTRAINT titre_statut_check CHECK ((statut = ANY (ARRAY['DISPONIBLE'::text, 'REMIS'::text])))
);
CREATE TABLE anef.usager (
    numero_etranger character(10) NOT NULL,
    nom_naissance text NOT NULL,
    nom_usage text,
    prenoms text[] NOT NULL,
    sexe text NOT NULL,
    date_naissance date,
    precision_naissance text NOT NULL,
    pays_naissance character(3),
    ville_naissance text,
    nationalite character(3) NOT NULL,
    nom_pere text,
    prenom_pere text,
    nom_mere text,
    prenom_mere text,
    situation_familiale text,
    date_entree_france date,
    entree_reguliere boolean,
    prefecture text NOT NULL,
    adresse_ligne text,
    code_postal text,
    commune text,
    code_insee text,
    numeros_alias text[] DEFAULT '{}'::text[] NOT NULL,
    statut text NOT NULL,
    origine text NOT NULL,
    maj_le timestamp with time zone NOT NULL,
    CONSTRAINT usager_numero_10_chiffres CHECK ((numero_etranger ~ '^[0-9]{10}$'::text)),
    CONSTRAINT usager_origine_check CHECK ((origine = ANY (ARRAY['AGDREF'::text, 'ANEF'::text]))),
    CONSTRAINT usager_precision_naissance_check CHECK ((precision_naissance = ANY (ARRAY['COMPLETE'::text, 'MOIS'::text, 'ANNEE'::text, 'INCONNUE'::text]))),
    CONSTRAINT usager_sexe_check CHECK ((sexe = ANY (ARRAY['M'::text, 'F'::text, 'X'::text]))),
    CONSTRAINT usager_situation_familiale_check CHECK ((situation_familiale = ANY (ARRAY['CELIBATAIRE'::text, 'MARIE'::text, 'DIVORCE'::text, 'VEUF'::text, 'SEPARE'::text]))),
    CONSTRAINT usager_statut_check CHECK ((statut = ANY (ARRAY['ACTIF'::text, 'NATURALISE'::text])))
);
CREATE TABLE evidence.record (
    seq bigint NOT NULL,
    at timestamp with time zone DEFAULT now() NOT NULL,
    kind text NOT NULL,
    ref text NOT NULL,
    canonical text NOT NULL,
    hash text NOT NULL
);
CREATE TABLE migration.conflict (
    numero_etranger text NOT NULL,
    rows text[] NOT NULL,
    "position" numeric(40,0) NOT NULL,
    detected_at timestamp with time zone DEFAULT now() NOT NULL
);
CREATE TABLE migration.decision (
    id bigint NOT NULL,
    numero_etranger text NOT NULL,
    rule text NOT NULL,
    source_table text NOT NULL,
    source_key text NOT NULL,
    field text NOT NULL,
    legacy_value text NOT NULL,
    value text NOT NULL,
    reason text NOT NULL,
    by text NOT NULL,
    at timestamp with time zone DEFAULT now() NOT NULL,
    revoked_at timestamp with time zone,
    revoked_by text,
    revoke_reason text
);
CREATE SEQUENCE migration.decision_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE migration.decision_id_seq OWNED BY migration.decision.id;
CREATE TABLE migration.legacy_row (
    source_table text NOT NULL,
    source_key text NOT NULL,
    numero_etranger text NOT NULL,
    alias_of text,
    is_alias boolean DEFAULT false NOT NULL,
    "position" numeric(40,0) NOT NULL,
    committed_at timestamp with time zone NOT NULL,
    deleted boolean NOT NULL,
    "row" jsonb,
    digest text,
    written_at timestamp with time zone DEFAULT now() NOT NULL
);
CREATE TABLE migration.legacy_transaction (
    id text NOT NULL,
    expected integer,
    seen integer DEFAULT 0 NOT NULL,
    first_seen timestamp with time zone DEFAULT now() NOT NULL
);
CREATE TABLE migration.mapped_with (
    numero_etranger text NOT NULL,
    mapping_version text NOT NULL
);
CREATE TABLE migration.not_carried (
    numero_etranger text NOT NULL,
    source_table text NOT NULL,
    source_key text NOT NULL,
    reason text NOT NULL,
    field text NOT NULL,
    detail text NOT NULL,
    recorded_at timestamp with time zone DEFAULT now() NOT NULL
);
CREATE TABLE migration.parked (
    numero_etranger text NOT NULL,
    reason text NOT NULL,
    source_table text NOT NULL,
    source_key text NOT NULL,
    field text NOT NULL,
    remediations jsonb NOT NULL,
    reasons text[] DEFAULT '{}'::text[] NOT NULL,
    members text[] NOT NULL,
    "position" numeric(40,0) NOT NULL,
    parked_at timestamp with time zone DEFAULT now() NOT NULL
);
CREATE TABLE migration.pending (
    numero_etranger text NOT NULL,
    version integer DEFAULT 1 NOT NULL,
    "position" numeric(40,0) NOT NULL,
    committed_at timestamp with time zone NOT NULL,
    since timestamp with time zone DEFAULT now() NOT NULL,
    live boolean NOT NULL
);
CREATE TABLE migration.snapshot_activity (
    worker_id text NOT NULL,
    last_read_at timestamp with time zone NOT NULL
);
CREATE TABLE migration.transaction_member (
    transaction_id text NOT NULL,
    numero_etranger text NOT NULL
);
CREATE TABLE migration.written (
    anef_table text NOT NULL,
    anef_key text NOT NULL,
    numero_etranger text NOT NULL,
    digest text NOT NULL
);
CREATE TABLE reconciliation.decision (
    id bigint NOT NULL,
    at timestamp with time zone DEFAULT now() NOT NULL,
    divergence_id bigint NOT NULL,
    action text NOT NULL,
    by text NOT NULL,
    reason text NOT NULL,
    kind text NOT NULL,
    severity text NOT NULL,
    fields_digest text NOT NULL
);
CREATE SEQUENCE reconciliation.decision_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE reconciliation.decision_id_seq OWNED BY reconciliation.decision.id;
CREATE TABLE reconciliation.divergence (
    id bigint NOT NULL,
    numero_etranger text NOT NULL,
    kind text NOT NULL,
    status text NOT NULL,
    severity text NOT NULL,
    fields jsonb NOT NULL,
    detail text DEFAULT ''::text NOT NULL,
    prefecture text,
    urgency_days integer,
    first_run bigint NOT NULL,
    last_run bigint NOT NULL,
    first_seen_at timestamp with time zone DEFAULT now() NOT NULL,
    last_seen_at timestamp with time zone DEFAULT now() NOT NULL,
    resolved_at timestamp with time zone,
    accepted_by text,
    accepted_reason text,
    accepted_at timestamp with time zone
);
CREATE SEQUENCE reconciliation.divergence_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE reconciliation.divergence_id_seq OWNED BY reconciliation.divergence.id;
CREATE TABLE reconciliation.run (
    id bigint NOT NULL,
    started_at timestamp with time zone DEFAULT now() NOT NULL,
    finished_at timestamp with time zone,
    agdref_position numeric(40,0) NOT NULL,
    persons integer DEFAULT 0 NOT NULL,
    suspects integer DEFAULT 0 NOT NULL,
    unconfirmed integer DEFAULT 0 NOT NULL,
    outdated_mapping integer DEFAULT 0 NOT NULL,
    seconds double precision,
    counts jsonb DEFAULT '{}'::jsonb NOT NULL,
    by_prefecture jsonb DEFAULT '{}'::jsonb NOT NULL,
    rights jsonb DEFAULT '{}'::jsonb NOT NULL
);
CREATE SEQUENCE reconciliation.run_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE reconciliation.run_id_seq OWNED BY reconciliation.run.id;
CREATE TABLE web.audit (
    id bigint NOT NULL,
    at timestamp with time zone DEFAULT now() NOT NULL,
    username text NOT NULL,
    action text NOT NULL,
    target text NOT NULL,
    reason text NOT NULL,
    detail jsonb DEFAULT '{}'::jsonb NOT NULL
);
CREATE SEQUENCE web.audit_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE web.audit_id_seq OWNED BY web.audit.id;
CREATE TABLE web.criteria (
    version integer NOT NULL,
    at timestamp with time zone DEFAULT now() NOT NULL,
    username text NOT NULL,
    reason text NOT NULL,
    body jsonb NOT NULL
);
CREATE SEQUENCE web.criteria_version_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE web.criteria_version_seq OWNED BY web.criteria.version;
CREATE TABLE web.session (
    id text NOT NULL,
    username text NOT NULL,
    csrf text NOT NULL,
    address text DEFAULT ''::text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    revoked_at timestamp with time zone
);
CREATE TABLE web.stream_sample (
    taken_at timestamp with time zone NOT NULL,
    lag bigint,
    events_per_second double precision,
    freshness_p50 double precision,
    freshness_p99 double precision
);
CREATE TABLE web."user" (
    username text NOT NULL,
    password_hash text NOT NULL,
    role text NOT NULL,
    active boolean DEFAULT true NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);
CREATE TABLE web.verdict (
    id bigint NOT NULL,
    at timestamp with time zone DEFAULT now() NOT NULL,
    scope text NOT NULL,
    go boolean NOT NULL,
    criteria_version integer NOT NULL,
    run_id bigint,
    criteria jsonb NOT NULL
);
CREATE SEQUENCE web.verdict_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE web.verdict_id_seq OWNED BY web.verdict.id;
ALTER TABLE ONLY migration.decision ALTER COLUMN id SET DEFAULT nextval('migration.decision_id_seq'::regclass);
ALTER TABLE ONLY reconciliation.decision ALTER COLUMN id SET DEFAULT nextval('reconciliation.decision_id_seq'::regclass);
ALTER TABLE ONLY reconciliation.divergence ALTER COLUMN id SET DEFAULT nextval('reconciliation.divergence_id_seq'::regclass);
ALTER TABLE ONLY reconciliation.run ALTER COLUMN id SET DEFAULT nextval('reconciliation.run_id_seq'::regclass);
ALTER TABLE ONLY web.audit ALTER COLUMN id SET DEFAULT nextval('web.audit_id_seq'::regclass);
ALTER TABLE ONLY web.criteria ALTER COLUMN version SET DEFAULT nextval('web.criteria_version_seq'::regclass);
ALTER TABLE ONLY web.verdict ALTER COLUMN id SET DEFAULT nextval('web.verdict_id_seq'::regclass);
ALTER TABLE ONLY anef.attestation
    ADD CONSTRAINT attestation_pkey PRIMARY KEY (numero);
ALTER TABLE ONLY anef.demande
    ADD CONSTRAINT demande_pkey PRIMARY KEY (numero_demande);
ALTER TABLE ONLY anef.mesure_eloignement
    ADD CONSTRAINT mesure_eloignement_pkey PRIMARY KEY (numero);
ALTER TABLE ONLY anef.titre
    ADD CONSTRAINT titre_pkey PRIMARY KEY (numero_titre);
ALTER TABLE ONLY anef.usager
    ADD CONSTRAINT usager_pkey PRIMARY KEY (numero_etranger);
ALTER TABLE ONLY evidence.record
    ADD CONSTRAINT record_pkey PRIMARY KEY (seq);
ALTER TABLE ONLY migration.conflict
    ADD CONSTRAINT conflict_pkey PRIMARY KEY (numero_etranger);
ALTER TABLE ONLY migration.decision
    ADD CONSTRAINT decision_pkey PRIMARY KEY (id);
ALTER TABLE ONLY migration.legacy_row
    ADD CONSTRAINT legacy_row_pkey PRIMARY KEY (source_table, source_key);
ALTER TABLE ONLY migration.legacy_transaction
    ADD CONSTRAINT legacy_transaction_pkey PRIMARY KEY (id);
ALTER TABLE ONLY migration.mapped_with
    ADD CONSTRAINT mapped_with_pkey PRIMARY KEY (numero_etranger);
ALTER TABLE ONLY migration.not_carried
    ADD CONSTRAINT not_carried_pkey PRIMARY KEY (numero_etranger, source_table, source_key, reason);
ALTER TABLE ONLY migration.parked
    ADD CONSTRAINT parked_pkey PRIMARY KEY (numero_etranger);
ALTER TABLE ONLY migration.pending
    ADD CONSTRAINT pending_pkey PRIMARY KEY (numero_etranger);
ALTER TABLE ONLY migration.snapshot_activity
    ADD CONSTRAINT snapshot_activity_pkey PRIMARY KEY (worker_id);
ALTER TABLE ONLY migration.transaction_member
    ADD CONSTRAINT transaction_member_pkey PRIMARY KEY (transaction_id, numero_etranger);
ALTER TABLE ONLY migration.written
    ADD CONSTRAINT written_pkey PRIMARY KEY (anef_table, anef_key);
ALTER TABLE ONLY reconciliation.decision
    ADD CONSTRAINT decision_pkey PRIMARY KEY (id);
ALTER TABLE ONLY reconciliation.divergence
    ADD CONSTRAINT divergence_pkey PRIMARY KEY (id);
ALTER TABLE ONLY reconciliation.run
    ADD CONSTRAINT run_pkey PRIMARY KEY (id);
ALTER TABLE ONLY web.audit
    ADD CONSTRAINT audit_pkey PRIMARY KEY (id);
ALTER TABLE ONLY web.criteria
    ADD CONSTRAINT criteria_pkey PRIMARY KEY (version);
ALTER TABLE ONLY web.session
    ADD CONSTRAINT session_pkey PRIMARY KEY (id);
ALTER TABLE ONLY web.stream_sample
    ADD CONSTRAINT stream_sample_pkey PRIMARY KEY (taken_at);
ALTER TABLE ONLY web."user"
    ADD CONSTRAINT user_pkey PRIMARY KEY (username);
ALTER TABLE ONLY web.verdict
    ADD CONSTRAINT verdict_pkey PRIMARY KEY (id);
CREATE INDEX ix_anef_attestation_numero_etranger ON anef.attestation USING btree (numero_etranger);
CREATE INDEX ix_anef_demande_numero_etranger ON anef.demande USING btree (numero_etranger);
CREATE INDEX ix_anef_mesure_eloignement_numero_etranger ON anef.mesure_eloignement USING btree (numero_etranger);
CREATE INDEX ix_anef_titre_numero_etranger ON anef.titre USING btree (numero_etranger);
CREATE UNIQUE INDEX record_kind_ref ON evidence.record USING btree (kind, ref);
CREATE INDEX ix_migration_decision_numero_etranger ON migration.decision USING btree (numero_etranger);
CREATE INDEX ix_migration_legacy_row_numero_etranger ON migration.legacy_row USING btree (numero_etranger);
CREATE INDEX ix_migration_parked_reason ON migration.parked USING btree (reason);
CREATE INDEX ix_migration_pending_since ON migration.pending USING btree (since);
CREATE INDEX ix_migration_transaction_member_numero_etranger ON migration.transaction_member USING btree (numero_etranger);
CREATE INDEX ix_migration_written_numero_etranger ON migration.written USING btree (numero_etranger);
CREATE INDEX legacy_row_alias_of ON migration.legacy_row USING btree (alias_of) WHERE (alias_of IS NOT NULL);
CREATE INDEX pending_live_since ON migration.pending USING btree (since) WHERE live;
CREATE INDEX decision_divergence ON reconciliation.decision USING btree (divergence_id);
CREATE UNIQUE INDEX divergence_open ON reconciliation.divergence USING btree (numero_etranger, kind) WHERE (status <> 'resolved'::text);
CREATE INDEX divergence_status ON reconciliation.divergence USING btree (status);
CREATE INDEX ix_web_session_username ON web.session USING btree (username);
ALTER TABLE ONLY anef.attestation
    ADD CONSTRAINT attestation_numero_etranger_fkey FOREIGN KEY (numero_etranger) REFERENCES anef.usager(numero_etranger);
ALTER TABLE ONLY anef.demande
    ADD CONSTRAINT demande_numero_etranger_fkey FOREIGN KEY (numero_etranger) REFERENCES anef.usager(numero_etranger);
ALTER TABLE ONLY anef.mesure_eloignement
    ADD CONSTRAINT mesure_eloignement_numero_etranger_fkey FOREIGN KEY (numero_etranger) REFERENCES anef.usager(numero_etranger);
ALTER TABLE ONLY anef.titre
    ADD CONSTRAINT titre_numero_etranger_fkey FOREIGN KEY (numero_etranger) REFERENCES anef.usager(numero_etranger);
ALTER TABLE ONLY reconciliation.decision
    ADD CONSTRAINT decision_divergence_id_fkey FOREIGN KEY (divergence_id) REFERENCES reconciliation.divergence(id);
ALTER TABLE ONLY reconciliation.divergence
    ADD CONSTRAINT divergence_first_run_fkey FOREIGN KEY (first_run) REFERENCES reconciliation.run(id);
ALTER TABLE ONLY reconciliation.divergence
    ADD CONSTRAINT divergence_last_run_fkey FOREIGN KEY (last_run) REFERENCES reconciliation.run(id);
