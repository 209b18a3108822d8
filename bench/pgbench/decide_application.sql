-- An agent grants a pending application: the decision and the permit it creates, one transaction.
BEGIN;
DELETE FROM bench_load.pending WHERE num_demande =
    (SELECT num_demande FROM bench_load.pending LIMIT 1 FOR UPDATE SKIP LOCKED)
    RETURNING num_demande AS demande, num_etranger AS person, 'P' || lpad(nextval('bench_load.serial')::text, 9, '0') AS titre \gset
UPDATE agdref.demande SET decision = 'F', date_decision = to_char(now(), 'YYYYMMDD'),
    date_maj = to_char(now(), 'YYYYMMDDHH24MISS') WHERE num_demande = :'demande';
INSERT INTO agdref.titre (num_titre, num_etranger, num_demande, type_titre, mention, date_debut_val, date_fin_val,
    date_remise, autor_travail, num_duplicata, lieu_delivrance, date_maj)
    VALUES (:'titre', :'person', :'demande', 'CST', 'SALARIE', to_char(now(), 'YYYYMMDD'),
            to_char(now() + interval '364 days', 'YYYYMMDD'), '00000000', 'O', 0, '075',
            to_char(now(), 'YYYYMMDDHH24MISS'));
INSERT INTO bench_load.undelivered VALUES (:'titre');
END;
