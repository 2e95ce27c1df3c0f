-- C5: rename a user with 10 or 11 posts (users 1101..10000): the author object of each of their
-- tv_post rows (with their comments arrays left as they are), then their tv_user_feed row:
-- its name and its posts array, which holds those tv_post documents.
\set u random(1101, 10000)
\set r random(1, 1000000000)
UPDATE tb_user SET name = 'User ' || :u || ' v' || :r WHERE pk_user = :u;
