-- bench/sql/tv_post_query.sql: Q, the defining query of tv_post (the seed's example), shared by
-- every configuration and by the correctness oracle. run.sh drops the "--" lines and pastes the
-- rest verbatim, so: no trailing semicolon, and keep the column order (the oracle compares
-- TABLE tv_post with Q column by column).
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
           )
       ) AS data
  FROM tb_post p
  JOIN tb_user u ON p.fk_user = u.pk_user
