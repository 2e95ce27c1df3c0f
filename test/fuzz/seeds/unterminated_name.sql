CREATE TABLE a (id int PRIMARY KEY, b_id intext);
CREATE TABLE tv USING tview_am AS SELECT a.id<> '';
SeLECT pg_tviews_create('tv"', 'SELECT b.id, b.w FROM b');
