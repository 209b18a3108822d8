-- A person files online in ANEF: the application, one transaction.
\set p random(1, :persons)
INSERT INTO anef.demande (numero_demande, numero_etranger, nature, categorie_demandee, date_depot, statut, prefecture,
    origine, maj_le)
VALUES ('W' || lpad(nextval('bench_way_back.serial')::text, 11, '0'), '9' || lpad(:p::text, 9, '0'), 'PREMIERE',
    'CARTE_TEMPORAIRE', current_date, 'EN_INSTRUCTION', '75', 'ANEF', clock_timestamp());
