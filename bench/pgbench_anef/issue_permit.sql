-- An agent decides in ANEF: a permit issued, one transaction.
\set p random(1, :persons)
INSERT INTO anef.titre (numero_titre, numero_etranger, categorie, date_debut, date_fin, statut, autorisation_travail,
    numero_duplicata, prefecture, origine, maj_le)
VALUES ('X' || lpad(nextval('bench_way_back.serial')::text, 9, '0'), '9' || lpad(:p::text, 9, '0'), 'CARTE_TEMPORAIRE',
    current_date, current_date + 364, 'DISPONIBLE', true, 0, '75', 'ANEF', clock_timestamp());
