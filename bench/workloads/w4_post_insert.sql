-- W4: insert one post (key from tb_post's identity sequence, so inserts never collide) for a
-- user among 1101..10000, leaving the fanouts W1 and W2 rely on unchanged: one TVIEW row to add.
\set u random(1101, 10000)
\set r random(1, 1000000000)
INSERT INTO tb_post (id, identifier, fk_user, title, content, created_at)
VALUES (gen_random_uuid(), 'post-' || gen_random_uuid(), :u, 'New post ' || :r,
        repeat(md5('content-' || :r), 8), timestamptz '2024-06-01 00:00:00+00');
