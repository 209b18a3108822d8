-- A permit is handed over to its holder (nothing happens when none waits).
WITH picked AS (
    DELETE FROM bench_load.undelivered WHERE num_titre =
        (SELECT num_titre FROM bench_load.undelivered LIMIT 1 FOR UPDATE SKIP LOCKED)
    RETURNING num_titre)
UPDATE agdref.titre t SET date_remise = to_char(now(), 'YYYYMMDD'), date_maj = to_char(now(), 'YYYYMMDDHH24MISS')
    FROM picked p WHERE t.num_titre = p.num_titre;
