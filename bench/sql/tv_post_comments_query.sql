-- bench/sql/tv_post_comments_query.sql: Qc, the comments suite's tv_post: the posts suite's Q
-- (bench/sql/tv_post_query.sql) plus the post's comments as an array in data (a child
-- aggregate, shape 4 of docs/semantics.md). Shared by every configuration of the comments
-- suite and by the oracle. run.sh drops the "--" lines and pastes the rest verbatim, so: no
-- trailing semicolon, and keep the column order (the oracle compares column by column).
-- fk_user is a column so that tv_user_feed (bench/sql/tv_user_feed_query.sql) can find a
-- user's posts in tv_post.
SELECT p.pk_post,
       p.id,
       p.identifier,
       p.fk_user,
       u.id AS user_id,
       jsonb_build_object(
           'id', p.id,
           'identifier', p.identifier,
           'title', p.title,
           'content', p.content,
           'author', jsonb_build_object(
               'id', u.id,
               'identifier', u.identifier,
               'name', u.name,
               'email', u.email
           ),
           'comments', COALESCE((SELECT jsonb_agg(jsonb_build_object('id', c.pk_comment, 'body', c.body)
                                                  ORDER BY c.pk_comment)
                                   FROM tb_comment c
                                  WHERE c.fk_post = p.pk_post), '[]')
       ) AS data
  FROM tb_post p
  JOIN tb_user u ON p.fk_user = u.pk_user
