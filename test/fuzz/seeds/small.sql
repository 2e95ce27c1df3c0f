CREATE TABLE a (id int PRIMARY KEY, b_id int, v text);
CREATE TABLE b (id int PRIMARY KEY, w text);
CREATE TABLE tv USING tview_am AS SELECT a.id, jsonb_build_object('v', a.v, 'w', b.w, 'n', (SELECT count(*) FROM a x WHERE x.b_id = b.id)) AS data FROM a LEFT JOIN b ON b.id = a.b_id WHERE a.v <> '';
SELECT pg_tviews_create('tv2', 'SELECT b.id, b.w FROM b');
