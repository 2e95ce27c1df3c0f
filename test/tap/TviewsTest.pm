# TviewsTest.pm: a schema with TVIEWs of every shape, shared by the TAP tests of production life
# (dump and restore, two-phase commit, crash recovery, replicas, soak).
package TviewsTest;

use strict;
use warnings;
use Test::More;

# Sources in two schemas (one sorting after "tviews", so a dump loads it after the catalog),
# and TVIEWs: a to-one join with a filter, a LEFT JOIN, child aggregates (a counter, an integer
# sum, an ordered array), and a TVIEW over a TVIEW.
our $SCHEMA = q{
CREATE SCHEMA app;
CREATE SCHEMA zzz;
CREATE TABLE app.tb_user (pk_user int PRIMARY KEY, name text NOT NULL, email text);
CREATE TABLE app.tb_post (pk_post int PRIMARY KEY, fk_user int REFERENCES app.tb_user ON DELETE CASCADE,
                          title text, published boolean NOT NULL DEFAULT true);
CREATE TABLE zzz.tb_comment (pk_comment int PRIMARY KEY, fk_post int, body text, score int);
CREATE INDEX ON app.tb_post (fk_user);
CREATE INDEX ON zzz.tb_comment (fk_post);
};

our %TVIEWS = (
	'app.tv_post' => q{SELECT p.pk_post, p.fk_user,
       jsonb_build_object('title', p.title, 'author', jsonb_build_object('name', u.name, 'email', u.email),
                          'n_comments', (SELECT count(*) FROM zzz.tb_comment c WHERE c.fk_post = p.pk_post),
                          'score', COALESCE((SELECT sum(c.score) FROM zzz.tb_comment c WHERE c.fk_post = p.pk_post), 0),
                          'comments', COALESCE((SELECT jsonb_agg(c.body ORDER BY c.pk_comment) FROM zzz.tb_comment c
                                                 WHERE c.fk_post = p.pk_post), '[]')) AS data
  FROM app.tb_post p JOIN app.tb_user u ON u.pk_user = p.fk_user
 WHERE p.published},
	'zzz.tv_comment' => q{SELECT c.pk_comment, c.body, p.title AS post_title
  FROM zzz.tb_comment c LEFT JOIN app.tb_post p ON p.pk_post = c.fk_post},
	'app.tv_user' => q{SELECT u.pk_user,
       jsonb_build_object('name', u.name,
                          'posts', COALESCE((SELECT jsonb_agg(tp.data ORDER BY tp.pk_post) FROM app.tv_post tp
                                              WHERE tp.fk_user = u.pk_user), '[]')) AS data
  FROM app.tb_user u},
);
our @ORDER = ('app.tv_post', 'zzz.tv_comment', 'app.tv_user');

# Creates the schema, loads data, creates the TVIEWs.
sub setup {
	my ($node, $db) = @_;
	$node->safe_psql($db, 'CREATE EXTENSION IF NOT EXISTS pg_tviews');
	$node->safe_psql($db, $SCHEMA);
	$node->safe_psql($db, q{
		INSERT INTO app.tb_user SELECT g, 'user ' || g, 'u' || g || '@example.com' FROM generate_series(1, 20) g;
		INSERT INTO app.tb_post SELECT g, 1 + g % 20, 'post ' || g, g % 7 <> 0 FROM generate_series(1, 100) g;
		INSERT INTO zzz.tb_comment SELECT g, 1 + g % 110, 'comment ' || g, g % 5 FROM generate_series(1, 300) g;
	});
	$node->safe_psql($db, "CREATE TABLE $_ USING tview_am AS $TVIEWS{$_}") for @ORDER;
}

# Writes touching every source and shape.
our @WRITES = (
	q{UPDATE app.tb_user SET name = name || '!' WHERE pk_user % 3 = 0},
	q{UPDATE app.tb_post SET published = NOT published WHERE pk_post % 11 = 0},
	q{INSERT INTO zzz.tb_comment SELECT 1000 + g, g % 100, 'late ' || g, g FROM generate_series(1, 30) g},
	q{DELETE FROM zzz.tb_comment WHERE pk_comment % 13 = 0},
	q{UPDATE zzz.tb_comment SET fk_post = fk_post + 1 WHERE pk_comment % 17 = 0},
	q{DELETE FROM app.tb_user WHERE pk_user = 19},
);

# A pgbench script of random writes to every source (keys may collide: errors are the point of
# neither test; each statement is its own transaction).
sub pgbench_script {
	return q{\set u random(1, 20)
\set p random(1, 120)
\set c random(1, 400)
\set r random(1, 1000000)
UPDATE app.tb_user SET name = 'user ' || :u || ' v' || :r WHERE pk_user = :u;
UPDATE app.tb_post SET title = 'post ' || :p || ' v' || :r, published = (:r % 5 <> 0) WHERE pk_post = :p;
INSERT INTO zzz.tb_comment VALUES (10000 + :r, :p, 'c' || :r, :r % 7) ON CONFLICT (pk_comment) DO UPDATE SET body = excluded.body;
UPDATE zzz.tb_comment SET fk_post = :p, score = :r % 9 WHERE pk_comment = :c;
DELETE FROM zzz.tb_comment WHERE pk_comment = 10000 + (:r + 17) % 1000000;
};
}

# Every TVIEW equals its definition (oracle, both ways) and pg_tviews_verify says 0.
sub check_all {
	my ($node, $db, $what) = @_;
	for my $tv (@ORDER) {
		my $q = $TVIEWS{$tv};
		my $n = $node->safe_psql($db,
			"SELECT count(*) FROM ((TABLE $tv EXCEPT ALL ($q)) UNION ALL (($q) EXCEPT ALL TABLE $tv)) d");
		is($n, '0', "$what: $tv equals its definition");
		is($node->safe_psql($db, "SELECT pg_tviews_verify('$tv')"), '0', "$what: pg_tviews_verify('$tv') = 0");
	}
}

# A fingerprint of every TVIEW's contents.
sub fingerprint {
	my ($node, $db) = @_;
	return join ',', map {
		$node->safe_psql($db, "SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM $_ t")
	} @ORDER;
}

1;
