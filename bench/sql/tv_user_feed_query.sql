-- bench/sql/tv_user_feed_query.sql: Qf, the comments suite's second-level read model: every
-- user with the documents of their posts, read from tv_post (a TVIEW over a TVIEW, shape 5 of
-- docs/semantics.md: a cascade; in the matview configuration a materialized view over the
-- tv_post materialized view). A user rename reaches it twice: its own name, and through the
-- author object inside each of the user's tv_post documents. Same pasting rules as
-- bench/sql/tv_post_comments_query.sql.
SELECT u.pk_user,
       u.id,
       u.identifier,
       jsonb_build_object(
           'id', u.id,
           'identifier', u.identifier,
           'name', u.name,
           'email', u.email,
           'posts', COALESCE((SELECT jsonb_agg(tp.data ORDER BY tp.pk_post)
                                FROM tv_post tp
                               WHERE tp.fk_user = u.pk_user), '[]')
       ) AS data
  FROM tb_user u
