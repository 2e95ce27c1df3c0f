-- bench/sql/config_ivm.sql: the "ivm" configuration, the peer: pg_ivm (Debian's
-- postgresql-18-pg-ivm, in the PostgreSQL 18 root; run.sh adds this configuration when the
-- server has pg_ivm, and preloads it), maintaining tv_post as far as pg_ivm can express it.
-- pg_ivm refuses Q itself: jsonb_build_object is STABLE, and an IMMV may call only IMMUTABLE
-- functions ("mutable function is not supported on incrementally maintainable materialized
-- view"). So pg_ivm maintains Q's join with every column the documents are built from, as an
-- IMMV (tv_post_ivm, kept by the triggers pg_ivm puts on tb_post and tb_user, in the writing
-- statement), and tv_post is a view building Q's documents from it when read: the same rows as
-- Q (run.sh's oracle checks it), the JSON built per read instead of per write.
-- The comments suite is not expressible at all (jsonb_agg of child rows, a read model over
-- another one): pg_ivm's aggregates are count, sum, avg, min and max.

CREATE EXTENSION pg_ivm;

SELECT pgivm.create_immv('tv_post_ivm', $$
SELECT p.pk_post, p.id, p.identifier, p.fk_user, u.id AS user_id,
       p.title, p.content, u.identifier AS user_identifier, u.name AS user_name, u.email AS user_email
  FROM tb_post p
  JOIN tb_user u ON p.fk_user = u.pk_user
$$);
CREATE UNIQUE INDEX tv_post_ivm_pk_post ON tv_post_ivm (pk_post);
CREATE INDEX tv_post_ivm_fk_user ON tv_post_ivm (fk_user);

-- Q's select list over the IMMV (column names and order as in bench/sql/tv_post_query.sql).
CREATE VIEW tv_post AS
SELECT pk_post,
       id,
       identifier,
       fk_user,
       user_id,
       jsonb_build_object(
           'id', id,
           'identifier', identifier,
           'title', title,
           'content', content,
           'author', jsonb_build_object(
               'id', user_id,
               'identifier', user_identifier,
               'name', user_name,
               'email', user_email
           )
       ) AS data
  FROM tv_post_ivm;
