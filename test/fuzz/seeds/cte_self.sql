CREATE TABLE t (id int primary key);
CREATE TABLE tv USING tview_am AS WITH w AS (SELECT * FROM w) SELECT id FROM w;
