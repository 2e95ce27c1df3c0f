-- bench/sql/config_triggers_comments.sql: the comments suite's "triggers" configuration. run.sh
-- has just created tv_post (CREATE TABLE tv_post AS Qc, bench/sql/tv_post_comments_query.sql),
-- an index on tv_post (fk_user), and tv_user_feed (CREATE TABLE tv_user_feed AS Qf,
-- bench/sql/tv_user_feed_query.sql), both ordinary heap tables. This file adds their unique
-- indexes and the hand-written statement-level PL/pgSQL triggers that keep both equal to their
-- definitions, the best we know how to write:
--   * statement-level, with transition tables, set-based: one pass per statement whatever the
--     number of rows, and a change filter (rows whose columns read by Qc/Qf did not change are
--     skipped);
--   * child changes (tb_comment) recompute the comments array of the old and new parent posts
--     only, through tb_comment (fk_post), and patch it in place (jsonb_set on {comments});
--   * the second level is maintained in the same trigger, right after the first (no trigger
--     on tv_post: that would copy whole tv_post rows into transition tables): the feed row of
--     every user whose tv_post rows changed gets its posts array recomputed through
--     tv_post (fk_user);
--   * user renames patch the author object of the user's tv_post rows (jsonb_set on {author})
--     and rebuild the user's feed row;
--   * concurrency (READ COMMITTED): an aggregate is recomputed only after locking the row that
--     holds it, in key order, in a statement of its own; the recomputation is the next
--     statement, whose fresh snapshot then sees every change committed by the transactions that
--     held the lock before. Recomputing in the same statement that waits for the lock would
--     lose their changes (EvalPlanQual re-reads the locked row, not the children). Post
--     inserts and moves lock their user (FOR SHARE) before copying it, so that a concurrent
--     rename either waits for them or is seen by them.
-- Not handled (refused or impossible here): changing pk_post or pk_user (refused by triggers;
-- the foreign keys refuse it anyway while rows reference them).

CREATE UNIQUE INDEX tv_post_pk_post ON tv_post (pk_post);
CREATE UNIQUE INDEX tv_user_feed_pk_user ON tv_user_feed (pk_user);

-- ---- helpers -------------------------------------------------------------------------------

-- Recompute the comments arrays of these posts; returns the users owning them (for the feed).
CREATE FUNCTION tv_post_refresh_comments(posts int[]) RETURNS int[]
LANGUAGE plpgsql AS $$
DECLARE
    users int[];
BEGIN
    PERFORM 1 FROM tv_post WHERE pk_post = ANY (posts) ORDER BY pk_post FOR NO KEY UPDATE;
    WITH u AS (
        UPDATE tv_post t
           SET data = jsonb_set(t.data, '{comments}',
                   COALESCE((SELECT jsonb_agg(jsonb_build_object('id', c.pk_comment, 'body', c.body)
                                              ORDER BY c.pk_comment)
                               FROM tb_comment c
                              WHERE c.fk_post = t.pk_post), '[]'))
         WHERE t.pk_post = ANY (posts)
        RETURNING t.fk_user)
    SELECT array_agg(DISTINCT fk_user) INTO users FROM u;
    RETURN users;
END
$$;

-- Rebuild the feed rows of these users (their fields and their posts array).
CREATE FUNCTION tv_user_feed_refresh(users int[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF users IS NULL OR cardinality(users) = 0 THEN
        RETURN;
    END IF;
    PERFORM 1 FROM tv_user_feed WHERE pk_user = ANY (users) ORDER BY pk_user FOR NO KEY UPDATE;
    UPDATE tv_user_feed f
       SET id = u.id,
           identifier = u.identifier,
           data = jsonb_build_object(
               'id', u.id,
               'identifier', u.identifier,
               'name', u.name,
               'email', u.email,
               'posts', COALESCE((SELECT jsonb_agg(tp.data ORDER BY tp.pk_post)
                                    FROM tv_post tp
                                   WHERE tp.fk_user = u.pk_user), '[]'))
      FROM tb_user u
     WHERE f.pk_user = u.pk_user
       AND u.pk_user = ANY (users);
END
$$;

-- ---- tb_comment ----------------------------------------------------------------------------

CREATE FUNCTION tv_post_on_comment_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM tv_user_feed_refresh(tv_post_refresh_comments(ARRAY(SELECT DISTINCT fk_post FROM new_rows)));
    RETURN NULL;
END
$$;

CREATE FUNCTION tv_post_on_comment_update() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    posts int[];
BEGIN
    -- change filter by set difference over the columns Qc reads: no key needed to pair the old
    -- and new rows, so a changed pk_comment is handled too
    posts := ARRAY(
        SELECT DISTINCT d.fk_post FROM (
            (SELECT fk_post, pk_comment, body FROM old_rows
             EXCEPT ALL SELECT fk_post, pk_comment, body FROM new_rows)
            UNION ALL
            (SELECT fk_post, pk_comment, body FROM new_rows
             EXCEPT ALL SELECT fk_post, pk_comment, body FROM old_rows)) d);
    IF cardinality(posts) > 0 THEN
        PERFORM tv_user_feed_refresh(tv_post_refresh_comments(posts));
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION tv_post_on_comment_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM tv_user_feed_refresh(tv_post_refresh_comments(ARRAY(SELECT DISTINCT fk_post FROM old_rows)));
    RETURN NULL;
END
$$;

CREATE FUNCTION tv_post_on_comment_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tv_post SET data = jsonb_set(data, '{comments}', '[]') WHERE data -> 'comments' <> '[]';
    PERFORM tv_user_feed_refresh(ARRAY(SELECT pk_user FROM tv_user_feed));
    RETURN NULL;
END
$$;

CREATE TRIGGER tv_post_maintain_insert AFTER INSERT ON tb_comment
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tv_post_on_comment_insert();
CREATE TRIGGER tv_post_maintain_update AFTER UPDATE ON tb_comment
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tv_post_on_comment_update();
CREATE TRIGGER tv_post_maintain_delete AFTER DELETE ON tb_comment
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tv_post_on_comment_delete();
CREATE TRIGGER tv_post_maintain_truncate AFTER TRUNCATE ON tb_comment
    FOR EACH STATEMENT EXECUTE FUNCTION tv_post_on_comment_truncate();

-- ---- tb_post -------------------------------------------------------------------------------

CREATE FUNCTION tv_post_on_post_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- a concurrent rename of the author either waits for this transaction or is seen below
    PERFORM 1 FROM tb_user WHERE pk_user IN (SELECT fk_user FROM new_rows) ORDER BY pk_user FOR SHARE;
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
                   'email', u.email),
               'comments', COALESCE((SELECT jsonb_agg(jsonb_build_object('id', c.pk_comment, 'body', c.body)
                                                      ORDER BY c.pk_comment)
                                       FROM tb_comment c
                                      WHERE c.fk_post = n.pk_post), '[]'))
      FROM new_rows n
      JOIN tb_user u ON u.pk_user = n.fk_user;
    PERFORM tv_user_feed_refresh(ARRAY(SELECT DISTINCT fk_user FROM new_rows));
    RETURN NULL;
END
$$;

CREATE FUNCTION tv_post_on_post_update() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    users int[];
BEGIN
    SELECT array_agg(DISTINCT x) INTO users
      FROM new_rows n JOIN old_rows o ON o.pk_post = n.pk_post,
           LATERAL (VALUES (n.fk_user), (o.fk_user)) v(x)
     WHERE (n.id, n.identifier, n.fk_user, n.title, n.content)
           IS DISTINCT FROM (o.id, o.identifier, o.fk_user, o.title, o.content);
    IF users IS NULL THEN
        RETURN NULL;
    END IF;
    -- posts moving to another user: lock that user before copying it (see tv_post_on_post_insert)
    PERFORM 1 FROM tb_user
     WHERE pk_user IN (SELECT n.fk_user FROM new_rows n JOIN old_rows o ON o.pk_post = n.pk_post
                        WHERE n.fk_user <> o.fk_user)
     ORDER BY pk_user FOR SHARE;
    -- patch the post's own fields; keep author (unless the post moved) and comments as they are
    UPDATE tv_post t
       SET id = n.id,
           identifier = n.identifier,
           fk_user = n.fk_user,
           user_id = u.id,
           data = t.data || jsonb_build_object(
               'id', n.id,
               'identifier', n.identifier,
               'title', n.title,
               'content', n.content,
               'author', CASE WHEN n.fk_user = o.fk_user THEN t.data -> 'author'
                              ELSE jsonb_build_object(
                                       'id', u.id,
                                       'identifier', u.identifier,
                                       'name', u.name,
                                       'email', u.email) END)
      FROM new_rows n
      JOIN old_rows o ON o.pk_post = n.pk_post
      JOIN tb_user u ON u.pk_user = n.fk_user
     WHERE t.pk_post = n.pk_post
       AND (n.id, n.identifier, n.fk_user, n.title, n.content)
           IS DISTINCT FROM (o.id, o.identifier, o.fk_user, o.title, o.content);
    PERFORM tv_user_feed_refresh(users);
    RETURN NULL;
END
$$;

CREATE FUNCTION tv_post_on_post_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM tv_post t USING old_rows o WHERE t.pk_post = o.pk_post;
    PERFORM tv_user_feed_refresh(ARRAY(SELECT DISTINCT fk_user FROM old_rows));
    RETURN NULL;
END
$$;

CREATE FUNCTION tv_post_on_post_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE tv_post;
    UPDATE tv_user_feed SET data = jsonb_set(data, '{posts}', '[]') WHERE data -> 'posts' <> '[]';
    RETURN NULL;
END
$$;

CREATE FUNCTION tv_post_refuse_pk_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%.% cannot be changed: tv_post and tv_user_feed are maintained by key',
        TG_TABLE_NAME, TG_ARGV[0] USING ERRCODE = 'feature_not_supported';
END
$$;

CREATE TRIGGER tv_post_refuse_pk_change BEFORE UPDATE OF pk_post ON tb_post
    FOR EACH ROW WHEN (OLD.pk_post IS DISTINCT FROM NEW.pk_post)
    EXECUTE FUNCTION tv_post_refuse_pk_change('pk_post');
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

-- ---- tb_user -------------------------------------------------------------------------------

CREATE FUNCTION tv_post_on_user_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO tv_user_feed (pk_user, id, identifier, data)
    SELECT n.pk_user, n.id, n.identifier,
           jsonb_build_object(
               'id', n.id,
               'identifier', n.identifier,
               'name', n.name,
               'email', n.email,
               'posts', COALESCE((SELECT jsonb_agg(tp.data ORDER BY tp.pk_post)
                                    FROM tv_post tp
                                   WHERE tp.fk_user = n.pk_user), '[]'))
      FROM new_rows n;
    RETURN NULL;
END
$$;

CREATE FUNCTION tv_post_on_user_update() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    users int[];
BEGIN
    SELECT array_agg(n.pk_user) INTO users
      FROM new_rows n JOIN old_rows o ON o.pk_user = n.pk_user
     WHERE (n.id, n.identifier, n.name, n.email) IS DISTINCT FROM (o.id, o.identifier, o.name, o.email);
    IF users IS NULL THEN
        RETURN NULL;
    END IF;
    -- lock the users' tv_post rows in key order first (a comment moving between two posts of
    -- the user locks them in that order too), then patch their author object
    PERFORM 1 FROM tv_post WHERE fk_user = ANY (users) ORDER BY pk_post FOR NO KEY UPDATE;
    UPDATE tv_post t
       SET user_id = n.id,
           data = jsonb_set(t.data, '{author}',
                            jsonb_build_object(
                                'id', n.id,
                                'identifier', n.identifier,
                                'name', n.name,
                                'email', n.email))
      FROM new_rows n
     WHERE t.fk_user = n.pk_user
       AND n.pk_user = ANY (users);
    PERFORM tv_user_feed_refresh(users);
    RETURN NULL;
END
$$;

CREATE FUNCTION tv_post_on_user_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM tv_user_feed f USING old_rows o WHERE f.pk_user = o.pk_user;
    RETURN NULL;
END
$$;

CREATE FUNCTION tv_post_on_user_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE tv_user_feed;
    RETURN NULL;
END
$$;

CREATE TRIGGER tv_user_refuse_pk_change BEFORE UPDATE OF pk_user ON tb_user
    FOR EACH ROW WHEN (OLD.pk_user IS DISTINCT FROM NEW.pk_user)
    EXECUTE FUNCTION tv_post_refuse_pk_change('pk_user');
CREATE TRIGGER tv_post_maintain_insert AFTER INSERT ON tb_user
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tv_post_on_user_insert();
CREATE TRIGGER tv_post_maintain_update AFTER UPDATE ON tb_user
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tv_post_on_user_update();
CREATE TRIGGER tv_post_maintain_delete AFTER DELETE ON tb_user
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tv_post_on_user_delete();
CREATE TRIGGER tv_post_maintain_truncate AFTER TRUNCATE ON tb_user
    FOR EACH STATEMENT EXECUTE FUNCTION tv_post_on_user_truncate();
