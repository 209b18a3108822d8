-- A permit is handed over to its holder.
BEGIN;
DELETE FROM bench_load.undelivered WHERE num_titre =
    (SELECT num_titre FROM bench_load.undelivered LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING num_titre AS titre \gset
UPDATE agdref.titre SET date_remise = to_char(now(), 'YYYYMMDD'), date_maj = to_char(now(), 'YYYYMMDDHH24MISS')
    WHERE num_titre = :'titre';
END;
