CREATE TABLE tb_post (pk_post int PRIMARY KEY, fk_user int);
CREATE VIEW v AS SELECT p.pk_post, w.pk_post AS other FROM tb_post p JOIN v w ON w.pk_post = p.fk_user;
CREATE TABLE tv USING tview_am AS SELECT p.pk_post, v.other FROM tb_post p LEFT JOIN v ON v.pk_post = p.fk_user;
CREATE TABLE tv2 USING tview_am AS SELECT pk_post, other FROM v;
