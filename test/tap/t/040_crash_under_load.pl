# Crash recovery under load: four clients write random changes to every source of the TVIEWs
# (pgbench, READ COMMITTED), the server is stopped with -m immediate in the middle, and after
# crash recovery every TVIEW equals its definition; writes go on maintained.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;
use TviewsTest;

my $node = PostgreSQL::Test::Cluster->new('crash');
$node->init;
$node->append_conf('postgresql.conf', slurp_file($ENV{PG_TVIEWS_TEST_CONF}));
$node->append_conf('postgresql.conf', "fsync = on\n");
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE db');
TviewsTest::setup($node, 'db');

my $script = PostgreSQL::Test::Utils::tempdir . '/writes.sql';
open my $fh, '>', $script or die;
print $fh TviewsTest::pgbench_script();
close $fh;

my ($out, $err) = ('', '');
my $load = IPC::Run::start(
	[ 'pgbench', '-n', '-c', '4', '-j', '4', '-T', '30', '-f', $script, '-d', $node->connstr('db') ],
	'>', \$out, '2>', \$err);
sleep 4;
my $before = $node->safe_psql('db', 'SELECT sum(xact_commit) FROM pg_stat_database');
$node->stop('immediate');
$load->finish;
note "pgbench was cut off by the crash: " . (split /\n/, $err)[-1] // '';
$node->start;
TviewsTest::check_all($node, 'db', 'after crash recovery');
$node->safe_psql('db', $_) for @TviewsTest::WRITES;
TviewsTest::check_all($node, 'db', 'writes after recovery');
ok($before > 0, "transactions committed before the crash: $before");

done_testing();
