-- C1: insert one comment (key from tb_comment's identity sequence) on a random post: one
-- comments array to recompute in tv_post, and the posts array of that post's author in
-- tv_user_feed.
\set p random(1, 100000)
\set u random(1, 10000)
\set r random(1, 1000000000)
INSERT INTO tb_comment (fk_post, fk_user, body, created_at)
VALUES (:p, :u, 'New comment ' || :r, timestamptz '2024-06-01 00:00:00+00');
