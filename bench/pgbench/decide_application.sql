-- An agent grants a pending application: the decision and the permit it creates, one transaction
-- (one statement: nothing happens when no application is pending).
WITH picked AS (
    DELETE FROM bench_load.pending WHERE num_demande =
        (SELECT num_demande FROM bench_load.pending LIMIT 1 FOR UPDATE SKIP LOCKED)
    RETURNING num_demande, num_etranger),
decided AS (
    UPDATE agdref.demande d SET decision = 'F', date_decision = to_char(now(), 'YYYYMMDD'),
        date_maj = to_char(now(), 'YYYYMMDDHH24MISS')
    FROM picked p WHERE d.num_demande = p.num_demande RETURNING d.num_demande, d.num_etranger),
permit AS (
    INSERT INTO agdref.titre (num_titre, num_etranger, num_demande, type_titre, mention, date_debut_val, date_fin_val,
        date_remise, autor_travail, num_duplicata, lieu_delivrance, date_maj)
    SELECT 'P' || lpad(nextval('bench_load.serial')::text, 9, '0'), num_etranger, num_demande, 'CST', 'SALARIE',
           to_char(now(), 'YYYYMMDD'), to_char(now() + interval '364 days', 'YYYYMMDD'), '00000000', 'O', 0, '075',
           to_char(now(), 'YYYYMMDDHH24MISS')
    FROM decided RETURNING num_titre)
INSERT INTO bench_load.undelivered SELECT num_titre FROM permit;
