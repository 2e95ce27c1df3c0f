# The extension's life across server restarts: CREATE EXTENSION refuses to run unless the library
# is preloaded (with a hint saying how to fix it), and TVIEW tables with their indexes and TOASTed
# documents survive an immediate shutdown and crash recovery.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('main');
$node->init;
$node->start;

# Not preloaded: a clear error and a hint, and nothing is left half-created.
my ($ret, $stdout, $stderr) = $node->psql('postgres', 'CREATE EXTENSION pg_tviews');
isnt($ret, 0, 'CREATE EXTENSION fails without shared_preload_libraries');
like($stderr, qr/pg_tviews must be loaded via shared_preload_libraries/, 'error says why');
like($stderr, qr/HINT:.*shared_preload_libraries.*restart/, 'hint says how to fix it');
is($node->safe_psql('postgres', "SELECT count(*) FROM pg_am WHERE amname = 'tview_am'"),
	'0', 'no access method left behind');

# Preloaded: the extension installs.
$node->append_conf('postgresql.conf', slurp_file($ENV{PG_TVIEWS_TEST_CONF}));
$node->restart;
$node->safe_psql('postgres', 'CREATE EXTENSION pg_tviews');
$node->safe_psql(
	'postgres', q{
	CREATE TABLE src (id int PRIMARY KEY, body text);
	INSERT INTO src SELECT g, (SELECT string_agg(md5(g::text || ':' || i), '') FROM generate_series(1, 100) i)
	  FROM generate_series(1, 500) g;
	CREATE TABLE tv USING tview_am AS SELECT id, jsonb_build_object('id', id, 'body', body) AS data FROM src;
	CREATE UNIQUE INDEX tv_id ON tv (id);
	CREATE INDEX tv_key ON tv ((data->>'id'));
});
my $expected = $node->safe_psql('postgres', 'SELECT count(*), sum(length(data::text)) FROM tv');

# Crash: stop without a checkpoint, then recover from WAL.
$node->stop('immediate');
$node->start;
is($node->safe_psql('postgres', 'SELECT count(*), sum(length(data::text)) FROM tv'),
	$expected, 'TVIEW rows survive crash recovery');
is( $node->safe_psql(
		'postgres', q{SET enable_seqscan = off; SELECT data->>'id' FROM tv WHERE data->>'id' = '250'}),
	'250',
	'expression index usable after recovery');
is($node->safe_psql('postgres', q{SELECT count(*) FROM tv t JOIN src s USING (id) WHERE t.data->>'body' = s.body}),
	'500', 'TOASTed documents intact after recovery');
($ret, $stdout, $stderr) = $node->psql('postgres', 'INSERT INTO tv VALUES (0, NULL)');
like($stderr, qr/cannot write to TVIEW "tv"/, 'still refuses direct writes after restart');

$node->stop;
unlike(slurp_file($node->logfile), qr/terminated by signal/, 'no backend crashed');
done_testing();
