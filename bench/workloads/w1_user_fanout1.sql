-- W1: rename a user who has exactly one post (users 101..1100): one TVIEW row to patch.
\set u random(101, 1100)
\set r random(1, 1000000000)
UPDATE tb_user SET name = 'User ' || :u || ' v' || :r WHERE pk_user = :u;
