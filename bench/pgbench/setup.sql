-- The overlap workload for pgbench (bench.freshness --load pgbench): pools of rows to act on,
-- kept in a schema of their own (never captured: outside the publication).
DROP SCHEMA IF EXISTS bench_load CASCADE;
CREATE SCHEMA bench_load;
CREATE SEQUENCE bench_load.serial START 100000000;
CREATE TABLE bench_load.person AS
    SELECT row_number() OVER (ORDER BY num_etranger) AS i, num_etranger FROM agdref.etranger
    WHERE ind_alias IS DISTINCT FROM 'O';
CREATE UNIQUE INDEX ON bench_load.person (i);
CREATE TABLE bench_load.receipt AS
    SELECT row_number() OVER (ORDER BY num_doc) AS i, num_doc FROM agdref.doc_provisoire;
CREATE UNIQUE INDEX ON bench_load.receipt (i);
CREATE TABLE bench_load.pending (num_demande char(12) PRIMARY KEY, num_etranger char(10) NOT NULL);
INSERT INTO bench_load.pending SELECT num_demande, num_etranger FROM agdref.demande
    WHERE decision = ' ' AND num_etranger IS NOT NULL;
CREATE TABLE bench_load.undelivered (num_titre char(10) PRIMARY KEY);
INSERT INTO bench_load.undelivered SELECT num_titre FROM agdref.titre WHERE date_remise = '00000000';
ANALYZE bench_load.person, bench_load.receipt, bench_load.pending, bench_load.undelivered;
