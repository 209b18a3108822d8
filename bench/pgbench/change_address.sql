-- A person moves: a new address, the highest num_ordre (a concurrent move of the same person: skipped).
\set i random(1, :persons)
INSERT INTO agdref.adresse (num_etranger, num_ordre, chez, num_voie, code_voie, lib_voie, code_postal, lib_commune,
    code_insee, date_debut, date_maj)
    SELECT p.num_etranger, coalesce((SELECT max(a.num_ordre) FROM agdref.adresse a WHERE a.num_etranger = p.num_etranger), 0) + 1,
           '', '12', 'RUE', 'DE LA REPUBLIQUE', '93200', 'ST DENIS', '93066', to_char(now(), 'YYYYMMDD'),
           to_char(now(), 'YYYYMMDDHH24MISS')
    FROM bench_load.person p WHERE p.i = :i
    ON CONFLICT DO NOTHING;
