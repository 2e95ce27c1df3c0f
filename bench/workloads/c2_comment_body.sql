-- C2: change the body of one comment (among the 300,000 generated ones): its post's comments
-- array in tv_post, then the author's posts array in tv_user_feed.
\set k random(1, 300000)
\set r random(1, 1000000000)
UPDATE tb_comment SET body = 'Comment ' || :k || ' v' || :r WHERE pk_comment = :k;
