CREATE TABLE u (id int primary key, name text);
CREATE TABLE p (id int primary key, fk int);
CREATE TABLE tv_u USING tview_am AS SELECT id, name FROM u;
CREATE TABLE tv_p USING tview_am AS SELECT p.id FROM p;
SELECT pg_tviews_alter($$tv_p$$, $$SELECT p.id FROM p LEFT JOIN tv_u u ON u.id = p.fk$$);
