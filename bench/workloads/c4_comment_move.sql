-- C4: move one comment (among the 300,000 generated ones) to another random post: two comments
-- arrays in tv_post (old and new post), the feed rows of their authors (one or two users).
\set k random(1, 300000)
\set p random(1, 100000)
UPDATE tb_comment SET fk_post = :p WHERE pk_comment = :k;
