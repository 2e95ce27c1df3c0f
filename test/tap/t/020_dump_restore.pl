# Dump and restore: a database with TVIEWs of every shape (including a TVIEW over a TVIEW and a
# source in a schema the dump loads after the extension's catalog) comes back from pg_dump in
# custom and plain format, from parallel pg_restore and from pg_dumpall into another cluster,
# with the same contents, attached to its sources and maintained. The one documented step:
# load with PGOPTIONS='-c pg_tviews.restore_mode=on'. Without it the load fails with a hint.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use TviewsTest;

my $node = PostgreSQL::Test::Cluster->new('dump');
$node->init;
$node->append_conf('postgresql.conf', slurp_file($ENV{PG_TVIEWS_TEST_CONF}));
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE src');
TviewsTest::setup($node, 'src');
TviewsTest::check_all($node, 'src', 'source database');
my $before = TviewsTest::fingerprint($node, 'src');

my $tmp = PostgreSQL::Test::Utils::tempdir;
my $connstr = $node->connstr('src');
my @restore_env = (PGOPTIONS => '-c pg_tviews.restore_mode=on');

sub restored_ok {
	my ($db, $what) = @_;
	is(TviewsTest::fingerprint($node, $db), $before, "$what: same TVIEW contents");
	is($node->safe_psql($db, 'SELECT count(*) FROM pg_tviews_metadata WHERE NOT attached'), '0',
		"$what: every TVIEW attached");
	TviewsTest::check_all($node, $db, "$what, as restored");
	$node->safe_psql($db, $_) for @TviewsTest::WRITES;
	TviewsTest::check_all($node, $db, "$what, after writes");
}

# Custom format, pg_restore.
command_ok([ 'pg_dump', '-Fc', '-f', "$tmp/src.dump", '-d', $connstr ], 'pg_dump -Fc');
$node->safe_psql('postgres', 'CREATE DATABASE r_custom');
{
	local %ENV = (%ENV, @restore_env);
	command_ok([ 'pg_restore', '--exit-on-error', '-d', $node->connstr('r_custom'), "$tmp/src.dump" ],
		'pg_restore (custom format, restore mode)');
}
restored_ok('r_custom', 'custom format');

# Parallel restore: every worker session in restore mode.
$node->safe_psql('postgres', 'CREATE DATABASE r_parallel');
{
	local %ENV = (%ENV, @restore_env);
	command_ok([ 'pg_restore', '--exit-on-error', '-j', '2', '-d', $node->connstr('r_parallel'), "$tmp/src.dump" ],
		'pg_restore -j 2');
}
restored_ok('r_parallel', 'parallel restore');

# Plain format, psql.
command_ok([ 'pg_dump', '-f', "$tmp/src.sql", '-d', $connstr ], 'pg_dump (plain)');
$node->safe_psql('postgres', 'CREATE DATABASE r_plain');
{
	local %ENV = (%ENV, @restore_env);
	command_ok([ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('r_plain'), '-f', "$tmp/src.sql" ],
		'psql -f dump.sql (restore mode)');
}
restored_ok('r_plain', 'plain format');

# Without restore mode: the load stops at the first TVIEW table, saying what to do.
$node->safe_psql('postgres', 'CREATE DATABASE r_refused');
my ($ret, $out, $err) = $node->psql('r_refused', undef, extra_params => [ '-v', 'ON_ERROR_STOP=1', '-f', "$tmp/src.sql" ]);
isnt($ret, 0, 'loading without restore mode fails');
like($err, qr/restore_mode=on/, 'the error says how to load a dump holding TVIEWs');

# pg_dumpall into a second cluster.
my $other = PostgreSQL::Test::Cluster->new('other');
$other->init;
$other->append_conf('postgresql.conf', slurp_file($ENV{PG_TVIEWS_TEST_CONF}));
$other->start;
command_ok([ 'pg_dumpall', '-f', "$tmp/all.sql", '-d', $node->connstr('postgres') ], 'pg_dumpall');
{
	local %ENV = (%ENV, @restore_env);
	# (roles already present in the new cluster make a few statements fail: not ON_ERROR_STOP)
	$other->psql('postgres', undef, on_error_stop => 0, extra_params => [ '-f', "$tmp/all.sql" ]);
}
is(TviewsTest::fingerprint($other, 'src'), $before, 'pg_dumpall: same TVIEW contents in the other cluster');
TviewsTest::check_all($other, 'src', 'pg_dumpall, as restored');
$other->safe_psql('src', $_) for @TviewsTest::WRITES;
TviewsTest::check_all($other, 'src', 'pg_dumpall, after writes');

# pg_tviews_reattach() (after pg_upgrade): idempotent on attached TVIEWs.
my $triggers = "SELECT count(*) FROM pg_trigger WHERE tgisinternal AND tgname LIKE 'tviews maintain%'";
is($node->safe_psql('r_custom', $triggers), $node->safe_psql('src', $triggers), 'as many triggers as the source database');
is($node->safe_psql('r_custom', 'SELECT count(*) FROM pg_tviews_reattach()'), '3', 'pg_tviews_reattach() on all');
is($node->safe_psql('r_custom', $triggers), $node->safe_psql('src', $triggers), 'no duplicate triggers');
$node->safe_psql('r_custom', $TviewsTest::WRITES[0]);
TviewsTest::check_all($node, 'r_custom', 'after pg_tviews_reattach()');

done_testing();
