-- A removal measure is issued.
\set i random(1, :persons)
INSERT INTO agdref.mesure_eloignement (num_mesure, num_etranger, nature, date_decision, date_notif, delai_depart,
    contentieux, annulee, execution, date_execution, date_maj)
    SELECT 'M' || lpad(nextval('bench_load.serial')::text, 11, '0'), num_etranger, 'OQTF', to_char(now(), 'YYYYMMDD'),
           to_char(now(), 'YYYYMMDDHH24MI'), 30, 'N', 'N', 'N', '00000000', to_char(now(), 'YYYYMMDDHH24MISS')
    FROM bench_load.person WHERE i = :i;
