-- A receipt is renewed for three months.
\set r random(1, :receipts)
UPDATE agdref.doc_provisoire SET nb_renouv = nb_renouv + 1, date_fin = to_char(now() + interval '90 days', 'YYYYMMDD'),
    date_maj = to_char(now(), 'YYYYMMDDHH24MISS')
    WHERE num_doc = (SELECT num_doc FROM bench_load.receipt WHERE i = :r);
