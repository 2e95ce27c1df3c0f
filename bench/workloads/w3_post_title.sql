-- W3: retitle one post (of the 100,000 generated ones): one TVIEW row to patch.
\set p random(1, 100000)
\set r random(1, 1000000000)
UPDATE tb_post SET title = 'Post title ' || :p || ' v' || :r WHERE pk_post = :p;
