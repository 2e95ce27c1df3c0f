-- bench/sql/config_triggers.sql: the "triggers" configuration: tv_post as an ordinary heap
-- table (run.sh has just created it with CREATE TABLE tv_post AS Q), kept equal to Q by the best
-- hand-written statement-level PL/pgSQL triggers we know how to write:
--   * statement-level, with transition tables: one set-based statement per source statement;
--   * a change filter: rows whose columns read by Q did not change are skipped;
--   * user changes patch only the author object (jsonb_set on {author}) and user_id, finding
--     the user's posts through tb_post's foreign-key index and tv_post's unique index;
--   * post inserts insert, post deletes delete, post updates rebuild the row from the new post
--     and its (unchanged or new) author.
-- The select list below is Q's (bench/sql/tv_post_query.sql), written out by hand: the oracle
-- in run.sh checks that tv_post equals Q after the runs.
-- Not handled (refused or impossible here): changing pk_post (refused by a trigger), changing
-- pk_user of a user with posts (the foreign key refuses it); user inserts and deletes need
-- nothing (a new user has no posts; a user with posts cannot be deleted).

CREATE UNIQUE INDEX tv_post_pk_post ON tv_post (pk_post);

-- ---- tb_post -----------------------------------------------------------------------------

CREATE FUNCTION tv_post_on_post_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO tv_post (pk_post, id, identifier, fk_user, user_id, data)
    SELECT n.pk_post, n.id, n.identifier, n.fk_user, u.id,
           jsonb_build_object(
               'id', n.id,
               'identifier', n.identifier,
               'title', n.title,
               'content', n.content,
               'author', jsonb_build_object(
                   'id', u.id,
                   'identifier', u.identifier,
                   'name', u.name,
                   'email', u.email))
      FROM new_rows n
      JOIN tb_user u ON u.pk_user = n.fk_user;
    RETURN NULL;
END
$$;

CREATE FUNCTION tv_post_on_post_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tv_post t
       SET id = n.id,
           identifier = n.identifier,
           fk_user = n.fk_user,
           user_id = u.id,
           data = jsonb_build_object(
               'id', n.id,
               'identifier', n.identifier,
               'title', n.title,
               'content', n.content,
               'author', jsonb_build_object(
                   'id', u.id,
                   'identifier', u.identifier,
                   'name', u.name,
                   'email', u.email))
      FROM new_rows n
      JOIN old_rows o ON o.pk_post = n.pk_post
      JOIN tb_user u ON u.pk_user = n.fk_user
     WHERE t.pk_post = n.pk_post
       AND (n.id, n.identifier, n.fk_user, n.title, n.content)
           IS DISTINCT FROM (o.id, o.identifier, o.fk_user, o.title, o.content);
    RETURN NULL;
END
$$;

CREATE FUNCTION tv_post_on_post_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM tv_post t USING old_rows o WHERE t.pk_post = o.pk_post;
    RETURN NULL;
END
$$;

CREATE FUNCTION tv_post_on_post_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE tv_post;
    RETURN NULL;
END
$$;

-- The UPDATE trigger keys rows by pk_post: refuse changing it rather than maintain it wrongly.
-- A column-list row trigger with a WHEN clause costs nothing to statements that leave pk_post
-- out of their SET list.
CREATE FUNCTION tv_post_refuse_pk_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'tb_post.pk_post cannot be changed: tv_post is maintained by key'
        USING ERRCODE = 'feature_not_supported';
END
$$;

CREATE TRIGGER tv_post_refuse_pk_change BEFORE UPDATE OF pk_post ON tb_post
    FOR EACH ROW WHEN (OLD.pk_post IS DISTINCT FROM NEW.pk_post)
    EXECUTE FUNCTION tv_post_refuse_pk_change();
CREATE TRIGGER tv_post_maintain_insert AFTER INSERT ON tb_post
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tv_post_on_post_insert();
CREATE TRIGGER tv_post_maintain_update AFTER UPDATE ON tb_post
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tv_post_on_post_update();
CREATE TRIGGER tv_post_maintain_delete AFTER DELETE ON tb_post
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tv_post_on_post_delete();
CREATE TRIGGER tv_post_maintain_truncate AFTER TRUNCATE ON tb_post
    FOR EACH STATEMENT EXECUTE FUNCTION tv_post_on_post_truncate();

-- ---- tb_user -----------------------------------------------------------------------------

CREATE FUNCTION tv_post_on_user_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tv_post t
       SET user_id = n.id,
           data = jsonb_set(t.data, '{author}',
                            jsonb_build_object(
                                'id', n.id,
                                'identifier', n.identifier,
                                'name', n.name,
                                'email', n.email))
      FROM new_rows n
      JOIN old_rows o ON o.pk_user = n.pk_user
      JOIN tb_post p ON p.fk_user = n.pk_user
     WHERE t.pk_post = p.pk_post
       AND (n.id, n.identifier, n.name, n.email)
           IS DISTINCT FROM (o.id, o.identifier, o.name, o.email);
    RETURN NULL;
END
$$;

CREATE TRIGGER tv_post_maintain_user_update AFTER UPDATE ON tb_user
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tv_post_on_user_update();
