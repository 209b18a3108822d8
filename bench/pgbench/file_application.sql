-- An agent files a renewal: the application and its receipt, one legacy transaction.
\set i random(1, :persons)
BEGIN;
SELECT num_etranger AS person, 'B' || lpad(nextval('bench_load.serial')::text, 11, '0') AS demande,
       'Q' || lpad(nextval('bench_load.serial')::text, 11, '0') AS recu FROM bench_load.person WHERE i = :i \gset
INSERT INTO agdref.demande (num_demande, num_etranger, code_dept, type_titre, code_mouvement, ref_reglementaire,
    date_depot, decision, date_decision, motif_refus, date_maj)
    VALUES (:demande, :person, '075', 'CST', 'RN', 'L433-4', to_char(now(), 'YYYYMMDD'), ' ', '00000000', '',
            to_char(now(), 'YYYYMMDDHH24MISS'));
INSERT INTO agdref.doc_provisoire (num_doc, num_etranger, num_demande, type_doc, date_debut, date_fin, nb_renouv,
    autor_travail, date_maj)
    VALUES (:recu, :person, :demande, 'RCP', to_char(now(), 'YYYYMMDD'),
            to_char(now() + interval '90 days', 'YYYYMMDD'), 0, 'O', to_char(now(), 'YYYYMMDDHH24MISS'));
INSERT INTO bench_load.pending VALUES (:demande, :person);
END;
