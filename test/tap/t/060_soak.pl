# Soak: PG_TVIEWS_SOAK_CLIENTS clients (default 4) write random concurrent changes to every
# source of several TVIEWs for PG_TVIEWS_SOAK_SECONDS seconds (default 4 per isolation level in
# make test; `make soak` runs longer), under READ COMMITTED, then REPEATABLE READ and SERIALIZABLE
# with retries of serialization failures and deadlocks (pgbench --max-tries); after each level
# every TVIEW equals its definition. Then one backend runs 2,000 maintained statements: its
# memory must not grow with them. Figures go to the test log and to $TESTDIR/soak-report.txt.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use TviewsTest;

my $seconds = $ENV{PG_TVIEWS_SOAK_SECONDS} // 4;
my $clients = $ENV{PG_TVIEWS_SOAK_CLIENTS} // 4;
my $node = PostgreSQL::Test::Cluster->new('soak');
$node->init;
$node->append_conf('postgresql.conf', slurp_file($ENV{PG_TVIEWS_TEST_CONF}));
$node->append_conf('postgresql.conf', "max_connections = 40\ndeadlock_timeout = 100ms\n");
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE db');
TviewsTest::setup($node, 'db');

my $dir = PostgreSQL::Test::Utils::tempdir;
open my $fh, '>', "$dir/writes.sql" or die;
print $fh TviewsTest::pgbench_script();
close $fh;

my @report = ("soak: $clients clients, $seconds s per isolation level");
for my $level ('read committed', 'repeatable read', 'serializable') {
	my $escaped = $level =~ s/ /\\ /gr;
	local $ENV{PGOPTIONS} = "-c default_transaction_isolation=$escaped";
	my ($out, $err) = run_command([
		'pgbench', '-n', '-c', $clients, '-j', $clients, '-T', $seconds, '--max-tries', '20',
		'--failures-detailed', '-f', "$dir/writes.sql", '-d', $node->connstr('db') ]);
	my ($xacts) = $out =~ /number of transactions actually processed: (\d+)/;
	my ($failed) = $out =~ /number of failed transactions: (\d+)/;
	my ($retries) = $out =~ /total number of retries: (\d+)/;
	my ($serial) = $out =~ /number of serialization failures: (\d+)/;
	my ($deadlocks) = $out =~ /number of deadlock failures: (\d+)/;
	my $line = sprintf('%-15s %7d transactions, %d retries, %d failed after retries '
		  . '(serialization failures %d, deadlocks %d)',
		$level, $xacts // 0, $retries // 0, $failed // 0, $serial // 0, $deadlocks // 0);
	push @report, $line;
	note $line;
	ok(($xacts // 0) > 0, "$level: transactions ran");
	TviewsTest::check_all($node, 'db', "after the $level load");
}

# Memory of one backend across 2,000 maintained statements (after a warm-up of 200).
my $sql = "SET pg_tviews.jit_threshold = 0;\n";
my $stmt = sub {
	my $i = shift;
	return $i % 4 == 0 ? "UPDATE app.tb_user SET name = 'mem $i' WHERE pk_user = " . (1 + $i % 18) . ";\n"
	  : $i % 4 == 1 ? "UPDATE app.tb_post SET title = 'mem $i' WHERE pk_post = " . (1 + $i % 100) . ";\n"
	  : $i % 4 == 2 ? "INSERT INTO zzz.tb_comment VALUES (" . (3000000 + $i) . ", " . (1 + $i % 100) . ", 'mem', 1);\n"
	  : "DELETE FROM zzz.tb_comment WHERE pk_comment = " . (3000000 + $i - 1) . ";\n";
};
$sql .= $stmt->($_) for 1 .. 200;
$sql .= "SELECT sum(total_bytes) AS m1 FROM pg_backend_memory_contexts \\gset\n";
$sql .= $stmt->($_) for 201 .. 2200;
$sql .= "SELECT :m1 AS before, sum(total_bytes) AS after FROM pg_backend_memory_contexts;\n";
open my $mf, '>', "$dir/memory.sql" or die;
print $mf $sql;
close $mf;
my $result = $node->safe_psql('db', "\\i $dir/memory.sql");
my ($before, $after) = split /\|/, (split /\n/, $result)[-1];
my $growth = $after - $before;
my $line = "memory of one backend: $before bytes after 200 statements, $after after 2,200 (growth $growth)";
push @report, $line;
note $line;
cmp_ok($growth, '<', 1024 * 1024, 'backend memory does not grow with maintained statements');
TviewsTest::check_all($node, 'db', 'after the memory run');

open my $rep, '>', "$ENV{TESTDIR}/soak-report.txt" or die;
print $rep join("\n", @report), "\n";
close $rep;
done_testing();
