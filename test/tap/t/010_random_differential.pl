# Randomized differential test of TVIEW maintenance.
#
# Eight TVIEWs over a small normalized schema (country <- company <- user <- post <- comment,
# plus category; some foreign keys declared, ON DELETE CASCADE / SET NULL, ON UPDATE CASCADE; some
# join columns without any constraint, so pointers may dangle; two plain views used as sources)
# cover the maintained shapes 1 to 5 of the TVIEW contract except TVIEWs over TVIEWs: to-one JOIN /
# LEFT JOIN chains, WHERE over the root and over partners, nested jsonb builders with expressions at
# the leaves, views as root and as join partner, and (three of them) child aggregates: correlated
# scalar subqueries of the select list (count, sum, avg, min, max, bool_and / bool_or, array_agg,
# string_agg, jsonb_agg ordered by a unique key), nested two levels, with to-one joins and filters
# inside, correlated to the root or to a joined relation. Comments move between posts, posts
# between users, users between companies; parents lose their last children; aggregated columns
# become NULL. A workload driven by a seeded PRNG then runs random transactions: 1..6
# statements (INSERT single / multi-row / INSERT ... SELECT, INSERT ... ON CONFLICT DO UPDATE /
# DO NOTHING, UPDATE of any column including join keys and primary keys, DELETE with FK
# cascades, TRUNCATE [CASCADE], writable CTEs, COPY FROM STDIN, UPDATE ... FROM, DELETE ...
# USING, MERGE), SAVEPOINT / ROLLBACK TO / RELEASE, ending in COMMIT, ROLLBACK or PREPARE
# TRANSACTION + COMMIT/ROLLBACK PREPARED; some statements run in autocommit mode.
#
# After every statement, inside the transaction, the oracle of every TVIEW must give 0:
#   SELECT count(*) FROM ((TABLE tv EXCEPT ALL (Q)) UNION ALL ((Q) EXCEPT ALL TABLE tv)) d
# and again after every COMMIT / ROLLBACK. A second session checks now and then that what other
# transactions see (committed data) also satisfies the oracle. The first mismatch stops the run
# and reports the seed, the transaction, the statement, the TVIEW, its definition and a few
# differing rows.
#
# Errors raised by the random statements are part of the workload when they are integrity
# errors (SQLSTATE 23502 not-null, 23503 foreign key, 23505 unique, 21000 ON CONFLICT / MERGE
# touching a row twice): they are undone with ROLLBACK TO SAVEPOINT when one is open, else by
# ending the transaction. Any other error (for instance one raised by the maintenance engine),
# a lost connection or a crashed backend fails the test.
#
# Environment:
#   PG_TVIEWS_RANDOM_SEED=N          PRNG seed (default 20240611); printed at the start.
#   PG_TVIEWS_RANDOM_TRANSACTIONS=N  number of random transactions (default 300, ~900 statements).
#   PG_TVIEWS_RANDOM_SELFTEST=1      create each "TVIEW" as a plain VIEW over the same query, so
#                                    the oracle holds trivially: checks the harness itself (every
#                                    statement kind runs, errors are handled, the run completes).
# Reproduce a failure with the same seed; PG_TVIEWS_RANDOM_TRANSACTIONS=<failing transaction>
# stops right after it. The regress_log of this test holds every statement sent.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);

my $seed = $ENV{PG_TVIEWS_RANDOM_SEED} // 20240611;
die "PG_TVIEWS_RANDOM_SEED must be a non-negative integer\n" unless $seed =~ /^\d+$/;
my $n_txn = $ENV{PG_TVIEWS_RANDOM_TRANSACTIONS} // 300;
die "PG_TVIEWS_RANDOM_TRANSACTIONS must be a positive integer\n" unless $n_txn =~ /^[1-9]\d*$/;
my $selftest = ($ENV{PG_TVIEWS_RANDOM_SELFTEST} // '') eq '1';

diag("random differential: seed $seed, $n_txn transactions"
	  . ($selftest ? ', SELFTEST (plain views instead of TVIEWs)' : ''));

my ($w, $obs);    # psql sessions: the writer, and an observer that sees committed data only

# ---- PRNG: Park-Miller "minimal standard" (48271), independent of perl's rand() -----------------
my $rng = ($seed % 2147483646) + 1;
sub rnd01 { $rng = ($rng * 48271) % 2147483647; return ($rng - 1) / 2147483646; }
rnd01() for 1 .. 10;
sub rint { my ($lo, $hi) = @_; my $v = $lo + int(rnd01() * ($hi - $lo + 1)); return $v > $hi ? $hi : $v; }
sub chance { return rnd01() < $_[0]; }
sub pick { return $_[ rint(0, $#_) ]; }

# weighted(name => weight, ...): a name, with probability proportional to its weight
sub weighted
{
	my @pairs = @_;
	my $total = 0;
	for (my $i = 1; $i < @pairs; $i += 2) { $total += $pairs[$i]; }
	my $x = rnd01() * $total;
	for (my $i = 0; $i < @pairs; $i += 2)
	{
		$x -= $pairs[ $i + 1 ];
		return $pairs[$i] if $x < 0;
	}
	return $pairs[-2];
}

# ---- the schema -----------------------------------------------------------------------------
my $schema = q{
CREATE TABLE tb_country (
    pk_country int PRIMARY KEY,
    code       text NOT NULL,
    name       text
);
CREATE TABLE tb_company (
    pk_company int PRIMARY KEY,
    name       text NOT NULL,
    fk_country int REFERENCES tb_country ON DELETE SET NULL ON UPDATE CASCADE,
    revenue    numeric(12,2),
    active     boolean NOT NULL DEFAULT true
);
CREATE TABLE tb_user (
    pk_user    int PRIMARY KEY,
    name       text NOT NULL,
    email      text UNIQUE,
    fk_company int,            -- no constraint: may dangle
    age        int,
    active     boolean NOT NULL DEFAULT true
);
CREATE TABLE tb_category (
    pk_category int PRIMARY KEY,
    name        text NOT NULL,
    color       text
);
CREATE TABLE tb_post (
    pk_post     int PRIMARY KEY,
    title       text NOT NULL,
    fk_user     int REFERENCES tb_user ON DELETE CASCADE ON UPDATE CASCADE,
    fk_category int,           -- no constraint: may dangle
    score       int,
    published   boolean NOT NULL DEFAULT false,
    tags        text[]
);
CREATE TABLE tb_comment (
    pk_comment int PRIMARY KEY,
    fk_post    int,            -- no constraint: may be NULL or dangle (and be adopted by a new post)
    fk_user    int REFERENCES tb_user ON DELETE SET NULL ON UPDATE CASCADE,
    body       text,
    score      int
);
-- indexes on some correlation columns (the engine creates the missing ones, e.g. tb_user.fk_company)
CREATE INDEX ON tb_post (fk_user);
CREATE INDEX ON tb_comment (fk_post);
CREATE VIEW v_company AS
    SELECT pk_company, upper(name) AS uname, fk_country, revenue, active FROM tb_company;
CREATE VIEW v_active_user AS
    SELECT pk_user, name, email, fk_company, age FROM tb_user WHERE active;
};

# The TVIEWs under test, in creation order: name => defining query.
my @tviews = (
	# Inner join chain of depth 3 (post -> user -> company -> country), nested documents.
	tv_post => q{SELECT p.pk_post, p.title,
       jsonb_build_object(
         'title', p.title,
         'score', p.score * 2 + 1,
         'tags', to_jsonb(p.tags),
         'author', jsonb_build_object(
           'name', upper(u.name),
           'email', coalesce(u.email, 'n/a'),
           'company', jsonb_build_object(
             'name', c.name || ' (' || k.code || ')',
             'country', jsonb_build_object('code', k.code, 'name', k.name)))) AS data
  FROM tb_post p
  JOIN tb_user u ON u.pk_user = p.fk_user
  JOIN tb_company c ON c.pk_company = u.fk_company
  JOIN tb_country k ON k.pk_country = c.fk_country},

	# LEFT JOINs over NULL and dangling fks, a view as join partner, a root filter,
	# CASE / coalesce / arithmetic / jsonb_build_array / to_jsonb of a scalar.
	tv_post_feed => q{SELECT p.pk_post AS id,
       to_jsonb(p.score) AS score,
       jsonb_build_object(
         'headline', CASE WHEN p.score IS NULL THEN lower(p.title)
                          WHEN p.score > 50 THEN upper(p.title) || '!'
                          ELSE p.title END,
         'category', jsonb_build_array(g.pk_category, g.name, coalesce(g.color, 'none')),
         'author', CASE WHEN u.pk_user IS NULL THEN NULL
                        ELSE jsonb_build_object('id', u.pk_user, 'name', u.name, 'age_next', u.age + 1) END,
         'company', c.uname,
         'revenue_k', round(c.revenue / 1000, 1)) AS data
  FROM tb_post p
  LEFT JOIN tb_user u ON u.pk_user = p.fk_user
  LEFT JOIN v_company c ON c.pk_company = u.fk_company
  LEFT JOIN tb_category g ON g.pk_category = p.fk_category
 WHERE p.published},

	# WHERE over the root and over two partners (one inner-joined, one left-joined):
	# rows enter and leave when a company's active flag or a country's code changes.
	tv_user_company => q{SELECT u.pk_user, u.email,
       jsonb_build_object(
         'name', u.name || ' @ ' || c.name,
         'age', u.age,
         'revenue', c.revenue * 2,
         'country', coalesce(k.name, 'unknown')) AS data
  FROM tb_user u
  JOIN tb_company c ON c.pk_company = u.fk_company
  LEFT JOIN tb_country k ON k.pk_country = c.fk_country
 WHERE c.active AND (u.age IS NULL OR u.age >= 25) AND k.code IS DISTINCT FROM 'ZZ'},

	# A view (with its own WHERE) as root, a view as partner.
	tv_active_user => q{SELECT a.pk_user,
       jsonb_build_array(a.name, a.age * 12, to_jsonb(a.email IS NOT NULL)) AS facts,
       jsonb_build_object(
         'user', a.name,
         'company', jsonb_build_object('id', a.fk_company, 'name', c.uname, 'active', c.active)) AS data
  FROM v_active_user a
  LEFT JOIN v_company c ON c.pk_company = a.fk_company},

	# Root whose fk follows ON UPDATE CASCADE / ON DELETE SET NULL; plain partner columns.
	tv_company => q{SELECT c.pk_company, c.name, k.code AS country_code,
       jsonb_build_object(
         'name', c.name,
         'country', k.name,
         'flags', jsonb_build_array(c.active, k.pk_country IS NULL)) AS data
  FROM tb_company c
  LEFT JOIN tb_country k ON k.pk_country = c.fk_country},

	# Shape 4, two levels: a user's posts as a jsonb array ordered by key, each with its category
	# (to-one LEFT JOIN inside the subquery) and its comments nested (each with its author, a
	# to-one LEFT JOIN back to the root table); counts, a filtered count, a sum.
	tv_user_posts => q{SELECT u.pk_user, u.name,
       (SELECT count(*) FROM tb_post p WHERE p.fk_user = u.pk_user) AS n_posts,
       (SELECT count(*) FROM tb_post p WHERE p.fk_user = u.pk_user AND p.published) AS n_published,
       (SELECT sum(p.score) FROM tb_post p WHERE p.fk_user = u.pk_user) AS total_score,
       COALESCE((SELECT jsonb_agg(jsonb_build_object(
                   'id', p.pk_post,
                   't', p.title,
                   'cat', k.name,
                   'comments', COALESCE((SELECT jsonb_agg(jsonb_build_object(
                                                   'id', m.pk_comment, 'body', m.body, 'score', m.score,
                                                   'by', a.name)
                                                 ORDER BY m.pk_comment)
                                           FROM tb_comment m
                                           LEFT JOIN tb_user a ON a.pk_user = m.fk_user
                                          WHERE m.fk_post = p.pk_post), '[]'))
                 ORDER BY p.pk_post)
            FROM tb_post p
            LEFT JOIN tb_category k ON k.pk_category = p.fk_category
           WHERE p.fk_user = u.pk_user), '[]') AS posts
  FROM tb_user u},

	# Shape 4, one level, many aggregates of a post's comments: count, sum and count(column)
	# (maintained from the change, as columns and JSON paths), avg, an expression over
	# several aggregates (min, max of text, bool_and, count of a column, sum), bool_or over an
	# inner-joined author, string_agg over a left-joined author with a filter, array_agg over a
	# chain of two inner joins (comment -> user -> company); a root LEFT JOIN and a root filter
	# (posts enter and leave with their aggregates).
	tv_post_stats => q{SELECT p.pk_post, p.title, u.name AS author,
       (SELECT count(*) FROM tb_comment m WHERE m.fk_post = p.pk_post) AS n_comments,
       (SELECT avg(m.score) FROM tb_comment m WHERE m.fk_post = p.pk_post) AS avg_score,
       (SELECT sum(m.score) FROM tb_comment m WHERE m.fk_post = p.pk_post) AS score_sum,
       jsonb_build_object('scored', (SELECT count(m.score) FROM tb_comment m WHERE m.fk_post = p.pk_post),
                          'total', COALESCE((SELECT sum(m.score) FROM tb_comment m WHERE m.fk_post = p.pk_post), 0))
         AS counters,
       (SELECT jsonb_build_object('min', min(m.score), 'max', max(m.body), 'all_positive', bool_and(m.score > 0),
                                  'scored', count(m.score), 'sum', sum(m.score))
          FROM tb_comment m WHERE m.fk_post = p.pk_post) AS extremes,
       (SELECT bool_or(a.active) FROM tb_comment m JOIN tb_user a ON a.pk_user = m.fk_user
         WHERE m.fk_post = p.pk_post) AS any_active_author,
       (SELECT string_agg(coalesce(a.name, '?') || ': ' || m.body, ' | ' ORDER BY m.pk_comment)
          FROM tb_comment m LEFT JOIN tb_user a ON a.pk_user = m.fk_user
         WHERE m.fk_post = p.pk_post AND m.score IS NOT NULL) AS thread,
       (SELECT array_agg(m.pk_comment ORDER BY m.pk_comment)
          FROM tb_comment m
          JOIN tb_user a ON a.pk_user = m.fk_user
          JOIN tb_company c ON c.pk_company = a.fk_company
         WHERE m.fk_post = p.pk_post) AS by_employed
  FROM tb_post p
  LEFT JOIN tb_user u ON u.pk_user = p.fk_user
 WHERE p.published AND (p.score IS NULL OR p.score >= 20)},

	# Shape 4 under a filtered root with a LEFT-joined partner: aggregates of a company's users
	# (count, max, bool_and, array_agg of a nullable column with a filter), one correlated to the
	# joined country over the root's own table (companies of the same country), and a nested
	# second level (each user's posts: count, max, array_agg with a filter).
	tv_company_staff => q{SELECT c.pk_company, k.code,
       (SELECT count(*) FROM tb_user u WHERE u.fk_company = c.pk_company) AS n_staff,
       (SELECT max(u.age) FROM tb_user u WHERE u.fk_company = c.pk_company) AS max_age,
       (SELECT bool_and(u.active) FROM tb_user u WHERE u.fk_company = c.pk_company) AS all_active,
       (SELECT array_agg(u.email ORDER BY u.pk_user) FROM tb_user u
         WHERE u.fk_company = c.pk_company AND u.age IS NOT NULL) AS emails,
       (SELECT count(*) FROM tb_company c2 WHERE c2.fk_country = k.pk_country) AS peers,
       COALESCE((SELECT jsonb_agg(jsonb_build_object(
                   'user', u.name,
                   'posts', (SELECT count(*) FROM tb_post p WHERE p.fk_user = u.pk_user),
                   'best', (SELECT max(p.score) FROM tb_post p WHERE p.fk_user = u.pk_user),
                   'published', (SELECT array_agg(p.title ORDER BY p.pk_post) FROM tb_post p
                                  WHERE p.fk_user = u.pk_user AND p.published))
                 ORDER BY u.pk_user)
            FROM tb_user u WHERE u.fk_company = c.pk_company), '[]') AS staff
  FROM tb_company c
  LEFT JOIN tb_country k ON k.pk_country = c.fk_country
 WHERE c.active},
);
my @tv_names = map { $tviews[ 2 * $_ ] } 0 .. $#tviews / 2;
my %tv_def = @tviews;

# The oracle above, with Q computed once (a materialized CTE): the child aggregates make Q costly.
sub oracle_sql
{
	my ($tv) = @_;
	my $q = $tv_def{$tv};
	return "WITH q AS MATERIALIZED ($q) SELECT count(*) FROM"
	  . " ((TABLE $tv EXCEPT ALL TABLE q) UNION ALL (TABLE q EXCEPT ALL TABLE $tv)) d";
}
# One round trip checks every TVIEW: "n1,n2,..." in @tv_names order.
my $all_oracles =
  'SELECT concat_ws(\',\', ' . join(",\n  ", map { '(' . oracle_sql($_) . ')' } @tv_names) . ')';

sub diff_sql
{
	my ($tv) = @_;
	my $q = $tv_def{$tv};
	return "SELECT side || ' ' || r FROM ("
	  . "SELECT 'only in TVIEW: ' AS side, x::text AS r FROM (TABLE $tv EXCEPT ALL ($q)) x "
	  . "UNION ALL SELECT 'only in query:', y::text FROM (($q) EXCEPT ALL TABLE $tv) y) z "
	  . "ORDER BY r, side LIMIT 12";
}

# ---- random values --------------------------------------------------------------------------
my @CODES = ('FR', 'DE', 'ZZ', 'US', 'JP', 'BR');
my @COUNTRY_NAMES = ('France', 'Germany', 'Nowhere', "Cote d'Ivoire", 'Japan');
my @COMPANY_NAMES = ('acme', 'globex', 'initech', 'umbrella', 'hooli', "o'reilly");
my @USER_NAMES = ('ann', 'bob', 'cy', 'dee', 'eve', "o'neil", 'fay');
my @TITLES = ('hello', 'pg', 'tview', 'news', "it's", 'Mixed Case');
my @COLORS = ('red', 'green', 'blue');
my @TAGS = ('{}', '{a}', '{a,b}', '{x,"y z"}');
my @BODIES = ('nice', "it's ok", '+1', 'meh', 'Zz top', 'a | b');

sub maybe_null { my ($p, $v) = @_; return chance($p) ? undef : $v; }
sub notnull { my ($v) = @_; return chance(0.01) ? undef : $v; }    # rare NOT NULL violation

# Tables: primary key, key range (keys drawn from 1..range+2), columns [name, type, generator].
my %T = (
	tb_country => {
		pk => 'pk_country',
		range => 8,
		cols => [
			[ code => 'text', sub { notnull(pick(@CODES)) } ],
			[ name => 'text', sub { maybe_null(0.2, pick(@COUNTRY_NAMES)) } ],
		],
	},
	tb_company => {
		pk => 'pk_company',
		range => 24,
		cols => [
			[ name => 'text', sub { notnull(pick(@COMPANY_NAMES)) } ],
			[ fk_country => 'int', sub { maybe_null(0.2, ref_pk('tb_country')) } ],
			[ revenue => 'numeric', sub { maybe_null(0.15, sprintf('%d.%02d', rint(0, 99999), rint(0, 99))) } ],
			[ active => 'bool', sub { notnull(chance(0.7) ? 't' : 'f') } ],
		],
	},
	tb_user => {
		pk => 'pk_user',
		range => 60,
		cols => [
			[ name => 'text', sub { notnull(pick(@USER_NAMES)) } ],
			[ email => 'text', sub { maybe_null(0.25, pick(@USER_NAMES) . rint(1, 12) . '@x.io') } ],
			[ fk_company => 'int', sub { maybe_null(0.15, ref_pk('tb_company')) } ],
			[ age => 'int', sub { maybe_null(0.15, rint(15, 70)) } ],
			[ active => 'bool', sub { notnull(chance(0.75) ? 't' : 'f') } ],
		],
	},
	tb_category => {
		pk => 'pk_category',
		range => 10,
		cols => [
			[ name => 'text', sub { notnull('cat ' . pick(@COLORS) . rint(1, 3)) } ],
			[ color => 'text', sub { maybe_null(0.3, pick(@COLORS)) } ],
		],
	},
	tb_post => {
		pk => 'pk_post',
		range => 240,
		cols => [
			[ title => 'text', sub { notnull(pick(@TITLES)) } ],
			[ fk_user => 'int', sub { maybe_null(0.1, ref_pk('tb_user')) } ],
			[ fk_category => 'int', sub { maybe_null(0.15, ref_pk('tb_category')) } ],
			[ score => 'int', sub { maybe_null(0.15, rint(-10, 100)) } ],
			[ published => 'bool', sub { notnull(chance(0.6) ? 't' : 'f') } ],
			[ tags => 'text[]', sub { maybe_null(0.3, pick(@TAGS)) } ],
		],
	},
	tb_comment => {
		pk => 'pk_comment',
		range => 160,
		cols => [
			[ fk_post => 'int', sub { maybe_null(0.1, ref_pk('tb_post')) } ],
			[ fk_user => 'int', sub { maybe_null(0.15, ref_pk('tb_user')) } ],
			[ body => 'text', sub { maybe_null(0.2, pick(@BODIES)) } ],
			[ score => 'int', sub { maybe_null(0.25, rint(-5, 60)) } ],
		],
	},
);
my @table_weights =
  (tb_post => 28, tb_comment => 28, tb_user => 20, tb_company => 12, tb_category => 6, tb_country => 6);

sub quote_text { my ($s) = @_; $s =~ s/'/''/g; return "'$s'"; }

sub sql_lit
{
	my ($type, $v) = @_;
	return "NULL::$type" unless defined $v;
	return $v if $type eq 'int' || $type eq 'numeric';
	return $v eq 't' ? 'true' : 'false' if $type eq 'bool';
	return quote_text($v) . '::text[]' if $type eq 'text[]';
	return quote_text($v);
}

sub copy_lit
{
	my ($v) = @_;
	return '\N' unless defined $v;
	$v =~ s/\\/\\\\/g;
	$v =~ s/\t/\\t/g;
	$v =~ s/\n/\\n/g;
	return $v;
}

sub cols_of { my ($t) = @_; return ($T{$t}{pk}, map { $_->[0] } @{ $T{$t}{cols} }); }
sub rand_pk { my ($t) = @_; return rint(1, $T{$t}{range} + 2); }

# Keys that exist now (as the writer sees them), read once per generated statement, so that
# most statements hit rows (updates, deletes, foreign keys) or miss them (inserts) on purpose.
my %key_cache;
sub existing_pks
{
	my ($t) = @_;
	return @{ $key_cache{$t} } if $key_cache{$t};
	my ($out) = run($w, "SELECT coalesce(string_agg($T{$t}{pk}::text, ',' ORDER BY $T{$t}{pk}), '') FROM $t"
		  . " WHERE $T{$t}{pk} <= " . ($T{$t}{range} + 2));
	$key_cache{$t} = [ grep { /^\d+$/ } split /,/, ($out // '') ];
	return @{ $key_cache{$t} };
}
# a key that exists, most of the time
sub ref_pk
{
	my ($t) = @_;
	my @k = existing_pks($t);
	return @k && chance(0.85) ? pick(@k) : rand_pk($t);
}
# a key that is free, most of the time
sub fresh_pk
{
	my ($t) = @_;
	my %ex = map { $_ => 1 } existing_pks($t);
	my @free = grep { !$ex{$_} } 1 .. $T{$t}{range} + 2;
	return @free && chance(0.8) ? pick(@free) : rand_pk($t);
}

# a row as [value, type] pairs, primary key first
sub rand_row
{
	my ($t, $pk) = @_;
	$pk //= fresh_pk($t);
	return ([ $pk, 'int' ], map { [ $_->[2]->(), $_->[1] ] } @{ $T{$t}{cols} });
}
sub row_sql { return '(' . join(', ', map { sql_lit($_->[1], $_->[0]) } @_) . ')'; }

sub pick_table { return weighted(@table_weights); }

# a random non-key column: [name, type, generator]
sub rand_col { my ($t) = @_; return pick(@{ $T{$t}{cols} }); }

# INSERT ... SELECT over generate_series(a, b): rows whose values derive from the key and whose
# declared foreign keys point at existing rows (or are NULL), so the statement usually succeeds.
sub series_insert
{
	my ($t, $lo, $hi) = @_;
	my %sel = (
		tb_country => q{g, (ARRAY['FR','DE','ZZ','US','JP','BR'])[1 + g % 6], 'country ' || g},
		tb_company => q{g, (ARRAY['acme','globex','initech','umbrella','hooli'])[1 + g % 5],
		    (SELECT min(pk_country) FROM tb_country WHERE pk_country >= g % 9),
		    (g * 1234.5)::numeric(12,2), g % 4 <> 0},
		tb_user => q{g, (ARRAY['ann','bob','cy','dee','eve'])[1 + g % 5],
		    CASE WHEN g % 3 = 0 THEN NULL ELSE 'u' || g || '@x.io' END,
		    CASE WHEN g % 5 = 0 THEN NULL ELSE 1 + g % 26 END, 18 + g % 50, g % 6 <> 0},
		tb_category => q{g, 'cat ' || g, (ARRAY['red','green','blue',NULL])[1 + g % 4]},
		tb_post => q{g, 'post ' || g,
		    CASE WHEN g % 7 = 0 THEN NULL ELSE (SELECT min(pk_user) FROM tb_user WHERE pk_user >= g % 60) END,
		    CASE WHEN g % 5 = 0 THEN NULL ELSE 1 + g % 11 END, g % 101 - 10, g % 3 <> 0,
		    CASE WHEN g % 4 = 0 THEN NULL ELSE ARRAY['t' || (g % 3)] END},
		tb_comment => q{g, CASE WHEN g % 9 = 0 THEN NULL ELSE 1 + (g * 7) % 170 END,
		    CASE WHEN g % 8 = 0 THEN NULL ELSE (SELECT min(pk_user) FROM tb_user WHERE pk_user >= g % 50) END,
		    CASE WHEN g % 6 = 0 THEN NULL ELSE 'c' || g END, CASE WHEN g % 5 = 0 THEN NULL ELSE g % 61 - 5 END},
	);
	return "INSERT INTO $t (" . join(', ', cols_of($t)) . ") SELECT $sel{$t} FROM generate_series($lo, $hi) g"
	  . " ON CONFLICT DO NOTHING";
}

# ---- statement generators: each returns SQL text -------------------------------------------
my %gen;

$gen{insert_one} = sub {
	my $t = pick_table();
	return "INSERT INTO $t (" . join(', ', cols_of($t)) . ') VALUES ' . row_sql(rand_row($t));
};

$gen{insert_multi} = sub {
	my $t = pick_table();
	my @rows = map { row_sql(rand_row($t)) } 1 .. rint(2, 4);
	return "INSERT INTO $t (" . join(', ', cols_of($t)) . ') VALUES ' . join(', ', @rows);
};

$gen{insert_select} = sub {
	my $t = pick_table();
	if ($t eq 'tb_post' && chance(0.4))
	{
		# copy a few existing posts under other keys
		my $lo = rint(1, 240);
		my $d = pick(-3, -1, 1, 2, 7, 40);
		return "INSERT INTO tb_post (pk_post, title, fk_user, fk_category, score, published, tags)"
		  . " SELECT pk_post + $d, title || '+', fk_user, fk_category, score + 1, NOT published, tags"
		  . " FROM tb_post WHERE pk_post BETWEEN $lo AND " . ($lo + rint(0, 4))
		  . " AND pk_post + $d BETWEEN 1 AND 242 ON CONFLICT DO NOTHING";
	}
	if ($t eq 'tb_comment' && chance(0.5))
	{
		# copy a few comments under other keys, to a neighbouring post (which may not exist)
		my $lo = rand_pk('tb_comment');
		my ($d, $e) = (pick(-5, -1, 1, 3, 50), pick(0, 0, 1, -2));
		return "INSERT INTO tb_comment (pk_comment, fk_post, fk_user, body, score)"
		  . " SELECT pk_comment + $d, fk_post + $e, fk_user, body || '+', score - 1"
		  . " FROM tb_comment WHERE pk_comment BETWEEN $lo AND " . ($lo + rint(0, 6))
		  . " AND pk_comment + $d BETWEEN 1 AND " . ($T{tb_comment}{range} + 2) . " ON CONFLICT DO NOTHING";
	}
	if (chance(0.5))
	{
		# the emptiest table, relative to its key range
		($t) = sort { @{ [ existing_pks($a) ] } / $T{$a}{range} <=> @{ [ existing_pks($b) ] } / $T{$b}{range} or $a cmp $b }
		  sort keys %T;
	}
	my $lo = rand_pk($t);
	return series_insert($t, $lo, $lo + rint(0, int($T{$t}{range} / 4) + 1));
};

$gen{upsert} = sub {
	my $t = pick_table();
	my $pk = $T{$t}{pk};
	my @rows = map { row_sql(rand_row($t)) } 1 .. rint(1, 3);
	my $head = "INSERT INTO $t AS x (" . join(', ', cols_of($t)) . ') VALUES ' . join(', ', @rows);
	return "$head ON CONFLICT DO NOTHING" if chance(0.2);
	if ($t eq 'tb_user' && chance(0.3))
	{
		return "$head ON CONFLICT (email) DO UPDATE SET fk_company = EXCLUDED.fk_company,"
		  . ' age = coalesce(x.age, 0) + 1, active = EXCLUDED.active';
	}
	my %seen;
	my @set = grep { !$seen{$_}++ } map { rand_col($t)->[0] } 1 .. rint(1, 3);
	my $sql = "$head ON CONFLICT ($pk) DO UPDATE SET " . join(', ', map { "$_ = EXCLUDED.$_" } @set);
	$sql .= " WHERE x.$set[0] IS DISTINCT FROM EXCLUDED.$set[0]" if chance(0.25);
	return $sql;
};

$gen{update_one} = sub {
	my $t = pick_table();
	my %seen;
	my @set =
	  map { "$_->[0] = " . sql_lit($_->[1], $_->[2]->()) }
	  grep { !$seen{ $_->[0] }++ } map { rand_col($t) } 1 .. rint(1, 3);
	return "UPDATE $t SET " . join(', ', @set) . " WHERE $T{$t}{pk} = " . ref_pk($t);
};

$gen{update_many} = sub {
	my $t = pick_table();
	my ($m, $r) = (rint(2, 5), rint(0, 4));
	my $lo = rand_pk($t);
	my $hi = $lo + rint(1, 8);
	my %choices = (
		tb_post => [
			"UPDATE tb_post SET score = score + " . rint(-20, 20) . " WHERE pk_post BETWEEN $lo AND " . ($lo + rint(3, 30)),
			"UPDATE tb_post SET fk_user = " . sql_lit('int', maybe_null(0.1, ref_pk('tb_user'))) . " WHERE fk_user = " . ref_pk('tb_user'),
			"UPDATE tb_post SET fk_user = (SELECT min(pk_user) FROM tb_user WHERE pk_user >= " . rint(1, 60) . ")"
			  . " WHERE fk_user IS NULL AND pk_post % $m = $r",
			"UPDATE tb_post SET published = NOT published WHERE pk_post % $m = $r",
			"UPDATE tb_post SET fk_category = " . sql_lit('int', maybe_null(0.2, ref_pk('tb_category'))) . " WHERE fk_category = " . ref_pk('tb_category'),
			"UPDATE tb_post SET title = upper(title), tags = tags || 'u'::text WHERE fk_user BETWEEN $lo AND $hi",
		],
		tb_user => [
			"UPDATE tb_user SET fk_company = " . sql_lit('int', maybe_null(0.1, ref_pk('tb_company'))) . " WHERE fk_company = " . ref_pk('tb_company'),
			"UPDATE tb_user SET fk_company = (SELECT min(pk_company) FROM tb_company WHERE pk_company >= " . rint(1, 24) . ")"
			  . " WHERE (fk_company IS NULL OR fk_company NOT IN (SELECT pk_company FROM tb_company)) AND pk_user % $m = $r",
			"UPDATE tb_user SET age = age + " . rint(-15, 15) . " WHERE pk_user % $m = $r",
			"UPDATE tb_user SET active = NOT active WHERE pk_user BETWEEN $lo AND $hi",
			"UPDATE tb_user SET name = name || '.', email = NULL WHERE pk_user BETWEEN $lo AND $hi",
		],
		tb_company => [
			"UPDATE tb_company SET active = NOT active WHERE pk_company % $m = $r",
			"UPDATE tb_company SET fk_country = " . sql_lit('int', maybe_null(0.1, ref_pk('tb_country'))) . " WHERE fk_country = " . ref_pk('tb_country'),
			"UPDATE tb_company SET fk_country = (SELECT min(pk_country) FROM tb_country WHERE pk_country >= " . rint(1, 8) . ")"
			  . " WHERE fk_country IS NULL AND pk_company % $m = $r",
			"UPDATE tb_company SET name = upper(name), revenue = revenue * 2 WHERE pk_company BETWEEN $lo AND $hi",
		],
		tb_country => [
			"UPDATE tb_country SET code = " . quote_text(pick(@CODES)) . " WHERE pk_country BETWEEN $lo AND $hi",
			"UPDATE tb_country SET name = coalesce(name, '') || '*' WHERE pk_country % $m = $r",
		],
		tb_comment => [
			# every comment of a post moves to another post (or to none): the first loses them all
			"UPDATE tb_comment SET fk_post = " . sql_lit('int', maybe_null(0.15, ref_pk('tb_post')))
			  . " WHERE fk_post = " . ref_pk('tb_post'),
			"UPDATE tb_comment SET fk_post = fk_post + " . pick(-1, 1, 2) . " WHERE pk_comment % $m = $r",
			"UPDATE tb_comment SET fk_post = (SELECT min(p.pk_post) FROM tb_post p WHERE p.fk_user = tb_comment.fk_user)"
			  . " WHERE pk_comment BETWEEN $lo AND " . ($lo + rint(3, 30)),
			"UPDATE tb_comment SET score = NULL WHERE fk_post = " . ref_pk('tb_post'),
			"UPDATE tb_comment SET body = NULL WHERE pk_comment % $m = $r AND pk_comment BETWEEN $lo AND " . ($lo + 60),
			"UPDATE tb_comment SET score = coalesce(score, " . rint(-5, 5) . ") + " . rint(-20, 20)
			  . ", body = coalesce(body, 'x') || '.' WHERE pk_comment BETWEEN $lo AND $hi",
			"UPDATE tb_comment SET fk_user = " . sql_lit('int', maybe_null(0.3, ref_pk('tb_user')))
			  . " WHERE fk_post IN (" . ref_pk('tb_post') . ', ' . ref_pk('tb_post') . ')',
		],
		tb_category => [
			"UPDATE tb_category SET color = " . sql_lit('text', maybe_null(0.3, pick(@COLORS))) . " WHERE pk_category % $m = $r",
			"UPDATE tb_category SET name = name || '!' WHERE pk_category BETWEEN $lo AND $hi",
		],
	);
	return pick(@{ $choices{$t} });
};

# primary key changes: to another key (may collide), or a block moved out of range and back
$gen{update_pk} = sub {
	my $t = pick_table();
	my $pk = $T{$t}{pk};
	my $n = $T{$t}{range};
	return "UPDATE $t SET $pk = " . fresh_pk($t) . " WHERE $pk = " . ref_pk($t) if chance(0.6);
	if (chance(0.5))
	{
		my $lo = rand_pk($t);
		return "UPDATE $t SET $pk = $pk + 1000 WHERE $pk BETWEEN $lo AND " . ($lo + rint(0, 3));
	}
	return "UPDATE $t SET $pk = $pk - 1000 WHERE $pk > 1000 AND $pk - 1000 NOT IN (SELECT $pk FROM $t)";
};

$gen{delete_one} = sub {
	my $t = pick_table();
	return "DELETE FROM $t WHERE $T{$t}{pk} = " . ref_pk($t);
};

$gen{delete_many} = sub {
	my $t = pick_table();
	my $lo = rand_pk($t);
	return pick(
		"DELETE FROM $t WHERE $T{$t}{pk} BETWEEN $lo AND " . ($lo + rint(1, 4)),
		"DELETE FROM tb_post WHERE fk_user = " . ref_pk('tb_user'),
		"DELETE FROM tb_user WHERE fk_company = " . ref_pk('tb_company'),                # cascades to posts
		"DELETE FROM tb_country WHERE code = " . quote_text(pick(@CODES)),      # SET NULL in companies
		"DELETE FROM tb_company WHERE NOT active AND pk_company > " . rint(1, 24),
		"DELETE FROM tb_comment WHERE fk_post = " . ref_pk('tb_post'),                # a post's last comments
		"DELETE FROM tb_comment WHERE fk_post IN (SELECT pk_post FROM tb_post WHERE fk_user = " . ref_pk('tb_user') . ")",
		"DELETE FROM tb_comment WHERE score IS NULL AND pk_comment % " . rint(2, 4) . " = 0");
};

# TRUNCATE, then (as the next statements) reload what it emptied, so the data stays dense
my @pending;    # [kind, sql] run before any new random statement
$gen{truncate} = sub {
	my ($sql, @reload) = @{ pick(
		[ 'TRUNCATE tb_category', 'tb_category' ],
		[ 'TRUNCATE tb_post', 'tb_post' ],                                # comments dangle, then are adopted
		[ 'TRUNCATE tb_comment', 'tb_comment' ],
		[ 'TRUNCATE tb_post, tb_comment', 'tb_post', 'tb_comment' ],
		[ 'TRUNCATE tb_country CASCADE', 'tb_country', 'tb_company' ],    # cascades to tb_company
		[ 'TRUNCATE tb_user CASCADE', 'tb_user', 'tb_post', 'tb_comment' ]) };    # to tb_post, tb_comment
	push @pending, map { [ 'insert_select', series_insert($_, 1, int($T{$_}{range} * 0.7)) ] } @reload;
	return $sql;
};

$gen{writable_cte} = sub {
	my $k = ref_pk('tb_post');
	return pick(
		"WITH moved AS (DELETE FROM tb_post WHERE pk_post = $k RETURNING *)"
		  . " INSERT INTO tb_post (pk_post, title, fk_user, fk_category, score, published, tags)"
		  . " SELECT " . fresh_pk('tb_post') . ", title || ' (moved)', fk_user, fk_category, score, published, tags FROM moved",
		"WITH u AS (UPDATE tb_user SET fk_company = " . sql_lit('int', maybe_null(0.2, ref_pk('tb_company')))
		  . " WHERE pk_user = " . ref_pk('tb_user') . " RETURNING pk_user)"
		  . " UPDATE tb_post SET score = coalesce(score, 0) + 1 WHERE fk_user IN (SELECT pk_user FROM u)",
		"WITH c AS (INSERT INTO tb_company (pk_company, name, fk_country, revenue, active) VALUES "
		  . row_sql(rand_row('tb_company'))
		  . " ON CONFLICT (pk_company) DO UPDATE SET name = EXCLUDED.name RETURNING pk_company)"
		  . " UPDATE tb_user SET fk_company = (SELECT pk_company FROM c) WHERE pk_user IN ("
		  . ref_pk('tb_user') . ', ' . ref_pk('tb_user') . ')',
		"WITH d AS (DELETE FROM tb_category WHERE pk_category = " . ref_pk('tb_category') . " RETURNING pk_category)"
		  . " UPDATE tb_post SET fk_category = NULL, score = -1 WHERE fk_category IN (SELECT pk_category FROM d)",
		"WITH x AS (UPDATE tb_country SET name = " . quote_text(pick(@COUNTRY_NAMES))
		  . " WHERE pk_country = " . ref_pk('tb_country') . " RETURNING pk_country)"
		  . " DELETE FROM tb_company WHERE fk_country IN (SELECT pk_country FROM x) AND NOT active",
		# a post and its comments
		"WITH d AS (DELETE FROM tb_post WHERE pk_post = $k RETURNING pk_post)"
		  . " DELETE FROM tb_comment WHERE fk_post IN (SELECT pk_post FROM d)",
		# move a post's comments and touch their new parent in one statement
		"WITH m AS (UPDATE tb_comment SET fk_post = " . ref_pk('tb_post') . " WHERE fk_post = $k RETURNING fk_post)"
		  . " UPDATE tb_post SET score = coalesce(score, 0) + 1, published = true WHERE pk_post IN (SELECT fk_post FROM m)",
		# a new comment and a change of its author
		"WITH c AS (INSERT INTO tb_comment (pk_comment, fk_post, fk_user, body, score) VALUES "
		  . row_sql(rand_row('tb_comment')) . " RETURNING fk_user)"
		  . " UPDATE tb_user SET age = coalesce(age, 30) + 1, active = NOT active WHERE pk_user IN (SELECT fk_user FROM c)");
};

$gen{copy} = sub {
	my $t = pick_table();
	my @lines = map { join("\t", map { copy_lit($_->[0]) } rand_row($t)) } 1 .. rint(1, 3);
	# psql 15 reading its commands from stdin swallows the rest of its input when a lone ";"
	# follows the end of COPY data, and BackgroundPsql::query appends one: end with a SELECT.
	return "COPY $t (" . join(', ', cols_of($t)) . ") FROM STDIN;\n" . join("\n", @lines) . "\n\\.\nSELECT 'copy done'";
};

$gen{update_from} = sub {
	my $lo = rint(1, 60);
	return pick(
		"UPDATE tb_post p SET score = coalesce(p.score, 0) + coalesce(u.age, 0) % 7 FROM tb_user u"
		  . " WHERE u.pk_user = p.fk_user AND u.fk_company = " . ref_pk('tb_company'),
		"DELETE FROM tb_post p USING tb_user u WHERE u.pk_user = p.fk_user AND u.age > " . rint(40, 70)
		  . " AND p.score < " . rint(-10, 20),
		"UPDATE tb_user u SET fk_company = c.pk_company FROM tb_company c"
		  . " WHERE c.pk_company = (SELECT min(pk_company) FROM tb_company WHERE name = "
		  . quote_text(pick(@COMPANY_NAMES)) . ") AND u.pk_user BETWEEN $lo AND " . ($lo + 3),
		"UPDATE tb_company c SET active = k.code <> 'ZZ' FROM tb_country k WHERE k.pk_country = c.fk_country"
		  . " AND c.pk_company % 3 = " . rint(0, 2),
		"UPDATE tb_comment m SET score = coalesce(m.score, 0) + coalesce(p.score, 0) % 5 - 2 FROM tb_post p"
		  . " WHERE p.pk_post = m.fk_post AND p.fk_user = " . ref_pk('tb_user'),
		"DELETE FROM tb_comment m USING tb_post p WHERE p.pk_post = m.fk_post AND p.fk_category = "
		  . ref_pk('tb_category') . " AND m.pk_comment % 2 = " . rint(0, 1),
		"UPDATE tb_comment m SET fk_post = p.pk_post - 1 FROM tb_post p WHERE p.pk_post = m.fk_post"
		  . " AND p.fk_user = " . ref_pk('tb_user'));
};

$gen{merge} = sub {
	my $which = weighted(tb_post => 40, tb_comment => 35, tb_user => 25);
	if ($which eq 'tb_comment')
	{
		my @src = map {
			'(' . join(', ', chance(0.6) ? ref_pk('tb_comment') : fresh_pk('tb_comment'),
				sql_lit('int', maybe_null(0.15, ref_pk('tb_post'))), sql_lit('int', maybe_null(0.3, rint(-5, 60)))) . ')'
		} 1 .. rint(1, 3);
		return "MERGE INTO tb_comment m USING (VALUES " . join(', ', @src) . ") AS s(pk, fk_post, score)"
		  . " ON m.pk_comment = s.pk"
		  . " WHEN MATCHED AND s.fk_post IS NULL THEN DELETE"
		  . " WHEN MATCHED THEN UPDATE SET fk_post = s.fk_post, score = s.score"
		  . " WHEN NOT MATCHED THEN INSERT (pk_comment, fk_post, body, score) VALUES (s.pk, s.fk_post, 'merged', s.score)";
	}
	if ($which eq 'tb_post')
	{
		my @src = map {
			'(' . join(', ', chance(0.5) ? ref_pk('tb_post') : fresh_pk('tb_post'), sql_lit('text', pick(@TITLES)),
				sql_lit('int', maybe_null(0.3, rint(-10, 100))), sql_lit('int', maybe_null(0.2, ref_pk('tb_user')))) . ')'
		} 1 .. rint(1, 3);
		return "MERGE INTO tb_post p USING (VALUES " . join(', ', @src) . ") AS s(pk, title, score, fk_user)"
		  . " ON p.pk_post = s.pk"
		  . " WHEN MATCHED AND s.score IS NULL THEN DELETE"
		  . " WHEN MATCHED THEN UPDATE SET title = s.title, score = s.score, fk_user = s.fk_user"
		  . " WHEN NOT MATCHED THEN INSERT (pk_post, title, fk_user, score, published)"
		  . " VALUES (s.pk, s.title, s.fk_user, s.score, true)";
	}
	my @src = map {
		'(' . join(', ', chance(0.5) ? ref_pk('tb_user') : fresh_pk('tb_user'), sql_lit('int', maybe_null(0.2, ref_pk('tb_company'))),
			sql_lit('int', maybe_null(0.2, rint(15, 70)))) . ')'
	} 1 .. rint(1, 3);
	return "MERGE INTO tb_user u USING (VALUES " . join(', ', @src) . ") AS s(pk, fk_company, age)"
	  . " ON u.pk_user = s.pk"
	  . " WHEN MATCHED AND s.age IS NULL THEN UPDATE SET active = NOT u.active"
	  . " WHEN MATCHED THEN UPDATE SET fk_company = s.fk_company, age = s.age"
	  . " WHEN NOT MATCHED THEN INSERT (pk_user, name, fk_company, age) VALUES (s.pk, 'merged', s.fk_company, s.age)";
};

my @kind_weights = (
	insert_one => 10,
	insert_multi => 6,
	insert_select => 6,
	upsert => 8,
	update_one => 20,
	update_many => 10,
	update_pk => 7,
	delete_one => 10,
	delete_many => 6,
	truncate => 1,
	writable_cte => 5,
	copy => 4,
	update_from => 4,
	merge => 3);
my @kinds = map { $kind_weights[ 2 * $_ ] } 0 .. $#kind_weights / 2;

# SQLSTATEs a random statement may legitimately raise
my %tolerated = (
	'23502' => 'not_null_violation',
	'23503' => 'foreign_key_violation',
	'23505' => 'unique_violation',
	'21000' => 'cardinality_violation');

# ---- the cluster ----------------------------------------------------------------------------
my $node = PostgreSQL::Test::Cluster->new('random');
$node->init;
$node->append_conf('postgresql.conf', slurp_file($ENV{PG_TVIEWS_TEST_CONF}));
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION pg_tviews');
$node->safe_psql('postgres', $schema);
$node->safe_psql('postgres',
	join(";\n",
		series_insert('tb_country', 1, 6),
		series_insert('tb_company', 1, 18),
		series_insert('tb_user', 1, 45),
		series_insert('tb_category', 1, 7),
		series_insert('tb_post', 1, 150),
		series_insert('tb_comment', 1, 120),
		"UPDATE tb_post SET fk_user = NULL WHERE pk_post % 11 = 0",
		"UPDATE tb_user SET fk_company = 25 WHERE pk_user % 13 = 0"));    # dangling from the start
for my $tv (@tv_names)
{
	my $how = $selftest ? 'VIEW' : 'TABLE';
	my $am = $selftest ? '' : ' USING tview_am';
	$node->safe_psql('postgres', "CREATE $how $tv$am AS $tv_def{$tv}");
}
if (!$selftest)
{
	is( $node->safe_psql(
			'postgres',
			"SELECT count(*) FROM pg_class c JOIN pg_am a ON a.oid = c.relam WHERE a.amname = 'tview_am'"
			  . " AND c.relname IN (" . join(', ', map { "'$_'" } @tv_names) . ")"),
		scalar(@tv_names),
		'the TVIEWs are tview_am tables');
}
is( $node->safe_psql('postgres', "SELECT count(*) > 0 FROM tb_post JOIN tb_user ON pk_user = fk_user"),
	't', 'schema populated');
is( $node->safe_psql('postgres', "SELECT count(*) > 0 FROM tb_comment JOIN tb_post ON pk_post = fk_post"),
	't', 'comments populated');

# Sessions: the writer, and an observer that sees committed data only.
my @psql_params = (on_error_stop => 0, timeout => $PostgreSQL::Test::Utils::timeout_default);
$w = $node->background_psql('postgres', @psql_params);
$obs = $node->background_psql('postgres', @psql_params);
for my $s ($w, $obs)
{
	$s->set_query_timer_restart();
	# the oracle is a prepared statement: the logs then hold "EXECUTE tv_oracle", not its 5 kB;
	# the server log keeps the writes (log_statement = mod), not the thousands of checks
	$s->query_safe("\\set VERBOSITY verbose\n\\set SHOW_CONTEXT never\n"
		  . "SET client_min_messages = warning;\nSET statement_timeout = '120s';\nSET lock_timeout = '10s';\n"
		  . "SET log_statement = 'mod';\nPREPARE tv_oracle AS $all_oracles");
}

# ---- running statements ---------------------------------------------------------------------
my %stat = map { $_ => 0 }
  qw(txn committed rolled_back prepared autocommit statements errors sp_rollbacks sp_releases oracle observer);
my %kind_ok = map { $_ => 0 } @kinds;
my %kind_err = map { $_ => 0 } @kinds;
my %err_seen;
my $failed = 0;
my ($cur_txn, $cur_step, @txn_log) = (0, '');

sub server_log_tail
{
	my $log = eval { slurp_file($node->logfile) } // '';
	my @l = split /\n/, $log;
	@l = @l[ -20 .. -1 ] if @l > 20;
	return join("\n", @l);
}

sub context
{
	return "seed $seed, transaction $cur_txn of $n_txn, $cur_step\n"
	  . "reproduce: PG_TVIEWS_RANDOM_SEED=$seed PG_TVIEWS_RANDOM_TRANSACTIONS=$cur_txn\n"
	  . "this transaction so far:\n" . join('', map { "  $_\n" } @txn_log);
}

sub stop_run
{
	my ($title, $detail) = @_;
	return if $failed;
	$failed = 1;
	fail($title);
	diag("$title\n" . context() . ($detail // ''));
}

# run(session, sql) => (stdout, stderr); a dead session (crash) stops the run
sub run
{
	my ($s, $sql) = @_;
	$s->{stderr} = '';
	my $out = eval { $s->query($sql) };
	if ($@ || !$s->{run}->pumpable)
	{
		my $err = $@ || 'psql exited';
		stop_run('psql session lost or timed out (server crash or hang?)',
			"statement: $sql\nerror: $err\nstderr: $s->{stderr}\nserver log:\n" . server_log_tail());
		return (undef, $s->{stderr} || $err);
	}
	return ($out, $s->{stderr});
}

sub sqlstate_of { my ($err) = @_; return $err =~ /ERROR:\s+([0-9A-Z]{5}):/ ? $1 : undef; }

# control statement (BEGIN, SAVEPOINT, COMMIT, ...): must succeed
sub control
{
	my ($sql) = @_;
	push @txn_log, "$sql;";
	my ($out, $err) = run($w, $sql);
	return 0 if $failed;
	if ($err ne '')
	{
		stop_run("unexpected error from \"$sql\"", "error:\n$err");
		return 0;
	}
	return 1;
}

# check every oracle in session $s; on a mismatch report the differing rows and stop
sub check
{
	my ($s, $where) = @_;
	return 0 if $failed;
	my $who = $s == $w ? 'writer' : 'observer (committed data)';
	$stat{ $s == $w ? 'oracle' : 'observer' }++;
	my ($out, $err) = run($s, 'EXECUTE tv_oracle');
	return 0 if $failed;
	if ($err ne '' || $out !~ /^\d+(,\d+)*$/)
	{
		stop_run("oracle query failed in $who session $where", "output: $out\nerror: $err");
		return 0;
	}
	my @counts = split /,/, $out;
	my @bad = grep { $counts[$_] != 0 } 0 .. $#counts;
	return 1 unless @bad;
	my $detail = '';
	for my $i (@bad)
	{
		my $tv = $tv_names[$i];
		my ($rows, $e) = run($s, diff_sql($tv));
		$detail .= "TVIEW $tv: $counts[$i] differing rows, as seen by the $who session\n"
		  . "definition: $tv_def{$tv}\n"
		  . "differing rows (up to 12; row = the TVIEW's columns):\n"
		  . join('', map { "  $_\n" } split /\n/, ($rows // '') . ($e // ''));
	}
	stop_run("TVIEW " . join(', ', map { $tv_names[$_] } @bad) . " differs from its query $where", $detail);
	return 0;
}

# run a random statement; returns 'ok', 'error' (tolerated error) or undef (run stopped)
sub statement
{
	my ($kind) = @_;
	my $sql;
	%key_cache = ();
	if (@pending) { ($kind, $sql) = @{ shift @pending }; }
	else { $sql = $gen{$kind}->(); }
	return undef if $failed;
	$cur_step = "statement [$kind]: $sql";
	$stat{statements}++;
	my ($out, $err) = run($w, $sql);
	return undef if $failed;
	if ($err eq '')
	{
		push @txn_log, "$sql;";
		$kind_ok{$kind}++;
		return 'ok';
	}
	my $state = sqlstate_of($err);
	if (!defined $state || !$tolerated{$state})
	{
		push @txn_log, "$sql;";
		stop_run('unexpected error or warning from a random statement (not an integrity error the workload expects)',
			"error:\n$err");
		return undef;
	}
	push @txn_log, "$sql;  -- ERROR $state";
	$stat{errors}++;
	$kind_err{$kind}++;
	$err_seen{$state}++;
	return 'error';
}

my $row_counts_sql = "SELECT string_agg(t || '=' || n, ' ') FROM (VALUES "
  . join(', ', map { "('$_', (SELECT count(*) FROM $_))" } sort(keys %T), @tv_names) . ") v(t, n)";

# ---- the workload ---------------------------------------------------------------------------
my $t0 = time;
$cur_step = 'initial state';
check($w, 'after creation');
check($obs, 'after creation');

TXN: for my $txn (1 .. $n_txn)
{
	last if $failed;
	$cur_txn = $txn;
	@txn_log = ();
	if ($txn % 25 == 0)
	{
		my ($sizes) = run($w, $row_counts_sql);
		note("row counts before transaction $txn: " . ($sizes // ''));
	}
	$stat{txn}++;

	if (chance(0.12))
	{
		# autocommit: one statement, its own transaction
		$stat{autocommit}++;
		my $r = statement(weighted(@kind_weights)) // last TXN;
		$cur_step .= " (autocommit, $r)";
		check($w, 'after an autocommit statement') or last TXN;
		check($obs, 'after an autocommit statement') or last TXN;
		next TXN;
	}

	$cur_step = 'BEGIN';
	control(chance(0.1) ? 'BEGIN ISOLATION LEVEL REPEATABLE READ' : 'BEGIN') or last TXN;
	my @sp;    # open savepoints, innermost last
	my $sp_next = 1;
	my $aborted = 0;
	my $locked = 0;    # a TRUNCATE holds an exclusive lock: the observer would wait for it
	my $n = rint(1, 6);
	for my $i (1 .. $n)
	{
		if (chance(0.45))
		{
			my $name = 's' . $sp_next++;
			$cur_step = "SAVEPOINT $name";
			control("SAVEPOINT $name") or last TXN;
			push @sp, $name;
		}
		my $kind = weighted(@kind_weights);
		$locked = 1 if $kind eq 'truncate' && !@pending;
		my $r = statement($kind) // last TXN;
		if ($r eq 'error')
		{
			if (@sp)
			{
				$stat{sp_rollbacks}++;
				control("ROLLBACK TO SAVEPOINT $sp[-1]") or last TXN;
				check($w, "after ROLLBACK TO SAVEPOINT $sp[-1] (following an error)") or last TXN;
				next;
			}
			$aborted = 1;
			last;
		}
		check($w, 'after the statement, inside the transaction') or last TXN;
		check($obs, 'while another transaction is open') or last TXN if chance(0.1) && !$locked;
		if (@sp && chance(0.15))
		{
			my $j = rint(0, $#sp);
			$cur_step = "ROLLBACK TO SAVEPOINT $sp[$j]";
			$stat{sp_rollbacks}++;
			control("ROLLBACK TO SAVEPOINT $sp[$j]") or last TXN;
			splice(@sp, $j + 1);
			check($w, "after ROLLBACK TO SAVEPOINT $sp[$j]") or last TXN;
		}
		elsif (@sp && chance(0.08))
		{
			my $j = rint(0, $#sp);
			$cur_step = "RELEASE SAVEPOINT $sp[$j]";
			$stat{sp_releases}++;
			control("RELEASE SAVEPOINT $sp[$j]") or last TXN;
			splice(@sp, $j);
			check($w, "after RELEASE SAVEPOINT") or last TXN;
		}
	}

	my $end = $aborted ? 'ROLLBACK' : weighted(COMMIT => 70, ROLLBACK => 25, PREPARE => 5);
	if ($end eq 'PREPARE')
	{
		my $gid = "rand_$txn";
		$cur_step = "PREPARE TRANSACTION '$gid'";
		control("PREPARE TRANSACTION '$gid'") or last TXN;
		check($w, "after PREPARE TRANSACTION (not yet committed)") or last TXN unless $locked;
		$end = chance(0.7) ? 'COMMIT' : 'ROLLBACK';
		$cur_step = "$end PREPARED '$gid'";
		control("$end PREPARED '$gid'") or last TXN;
		$stat{prepared}++;
	}
	else
	{
		$cur_step = $aborted ? 'ROLLBACK (after an error)' : $end;
		control($end) or last TXN;
	}
	$stat{ $end eq 'COMMIT' ? 'committed' : 'rolled_back' }++;
	check($w, "after $cur_step") or last TXN;
	check($obs, "after $cur_step") or last TXN;
}
my $elapsed = time - $t0;

if (!$failed)
{
	pass("oracle held for every TVIEW after every statement ($stat{oracle} writer checks, $stat{observer} observer checks)");
	if ($n_txn >= 200)
	{
		my @never = grep { !$kind_ok{$_} } @kinds;
		is(join(', ', @never), '', 'every statement kind ran successfully at least once');
	}
	if (!$selftest)
	{
		my ($fn) = run($w, "SELECT count(*) FROM pg_proc WHERE proname = 'pg_tviews_verify'");
		if (($fn // '0') ne '0')
		{
			for my $tv (@tv_names)
			{
				my ($v, $e) = run($w, "SELECT pg_tviews_verify('$tv')");
				is($v, '0', "pg_tviews_verify('$tv') agrees at the end") or diag($e);
			}
		}
	}
}

diag(sprintf(
		"random differential summary: seed %s, %d transactions (%d committed, %d rolled back, %d of them"
		  . " via PREPARE, %d autocommit), %d statements, %d errors tolerated (%s), %d savepoint rollbacks,"
		  . " %d releases, %d oracle checks + %d observer checks, %.1f s%s",
		$seed, $stat{txn}, $stat{committed}, $stat{rolled_back}, $stat{prepared}, $stat{autocommit},
		$stat{statements}, $stat{errors},
		join(' ', map { "$_:$err_seen{$_}" } sort keys %err_seen),
		$stat{sp_rollbacks}, $stat{sp_releases}, $stat{oracle}, $stat{observer}, $elapsed,
		$failed ? ' (STOPPED at the first failure)' : ''));
my ($sizes) = $failed ? ('') : run($w, $row_counts_sql);
diag("final row counts: $sizes") if $sizes;
diag('statement kinds (ok/error): ' . join(' ', map { "$_=$kind_ok{$_}/$kind_err{$_}" } @kinds));

for my $s ($w, $obs)
{
	eval { $s->quit; };
}
$node->stop('fast');
unlike(slurp_file($node->logfile), qr/terminated by signal/, 'no backend crashed');
done_testing();
