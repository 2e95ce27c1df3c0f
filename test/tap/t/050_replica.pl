# Replicas: a streaming standby on the same machine reads the TVIEWs (they are tables: WAL
# carries them) equal to the primary's after catch-up; refuses to write them like any standby;
# once promoted, writes on it go on maintained.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use TviewsTest;

my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
$primary->append_conf('postgresql.conf', slurp_file($ENV{PG_TVIEWS_TEST_CONF}));
$primary->start;
$primary->safe_psql('postgres', 'CREATE DATABASE db');
TviewsTest::setup($primary, 'db');
$primary->backup('base');

my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'base', has_streaming => 1);
$standby->start;

$primary->safe_psql('db', $_) for @TviewsTest::WRITES;
$primary->wait_for_catchup($standby);
is(TviewsTest::fingerprint($standby, 'db'), TviewsTest::fingerprint($primary, 'db'),
	'the standby reads the same TVIEW contents as the primary');
TviewsTest::check_all($standby, 'db', 'on the standby');
my ($ret, $out, $err) = $standby->psql('db', q{UPDATE app.tb_user SET name = 'x' WHERE pk_user = 1});
like($err, qr/read-only transaction/, 'the standby refuses writes to sources');

$standby->promote;
$standby->safe_psql('db', q{UPDATE app.tb_user SET name = 'after promotion' WHERE pk_user = 1});
$standby->safe_psql('db', q{INSERT INTO zzz.tb_comment SELECT 7000 + g, g, 'promoted ' || g, g FROM generate_series(1, 20) g});
$standby->safe_psql('db', q{UPDATE app.tb_post SET fk_user = 1 + (fk_user % 18) WHERE pk_post % 9 = 0});
TviewsTest::check_all($standby, 'db', 'on the promoted standby after writes');

done_testing();
