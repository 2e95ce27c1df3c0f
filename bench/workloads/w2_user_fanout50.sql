-- W2: rename a user who has exactly 50 posts (users 1..100): 50 TVIEW rows to patch.
\set u random(1, 100)
\set r random(1, 1000000000)
UPDATE tb_user SET name = 'User ' || :u || ' v' || :r WHERE pk_user = :u;
