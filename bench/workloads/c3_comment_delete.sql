-- C3: delete one comment and re-insert it (same key and values) in one transaction, two
-- statements: the post's comments array and the author's feed row are maintained twice, and
-- the data stays as it was. Each client draws from its own keys (k = 1 + client_id mod 16),
-- so that two clients never delete the same comment (the second would find nothing to re-insert).
\set k 1 + :client_id % 16 + 16 * random(0, 18749)
BEGIN;
DELETE FROM tb_comment WHERE pk_comment = :k RETURNING fk_post, fk_user, body, created_at \gset
INSERT INTO tb_comment (pk_comment, fk_post, fk_user, body, created_at)
VALUES (:k, :fk_post, :fk_user, :body, :created_at);
COMMIT;
