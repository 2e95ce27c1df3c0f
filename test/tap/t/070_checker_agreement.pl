# pg_tviews_check and the server agree: every definition of test/checker/corpus.sql (each shape
# of the regression suite, accepted and refused) gets the same verdict, SQLSTATE and message
# from the offline checker (libpg_query front end) and from CREATE on a real server.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $checker = $ENV{PG_TVIEWS_CHECK} or plan skip_all => 'PG_TVIEWS_CHECK (the pg_tviews_check binary) not set';
my $corpus = "$ENV{PG_TVIEWS_SRC}/test/checker/corpus.sql";

my ($out, $err) = run_command([ $checker, '--json', $corpus ]);
# (a minimal reader for the checker's flat JSON: one object per TVIEW)
my %checked;
while ($out =~ /\{"name": "([^"]+)", "at": "[^"]*", "verdict": "(\w+)", "sqlstate": "(\w*)", "message": "((?:[^"\\]|\\.)*)"/g) {
	my ($name, $verdict, $state, $message) = ($1, $2, $3, $4);
	$checked{$name} = { verdict => $verdict, sqlstate => $state, message => $message =~ s/\\"/"/gr };
}
ok(scalar(keys %checked) >= 20, 'the checker reports every TVIEW of the corpus') or diag $out . $err;

# The dependency order (JSON) puts a TVIEW after the TVIEW it reads, DOT draws that edge, and the
# exit status says a definition is refused.
my ($order) = $out =~ /"order": \[([^\]]*)\]/;
my @order = $order =~ /"([^"]+)"/g;
my %position = map { $order[$_] => $_ } 0 .. $#order;
ok(defined $position{tv_cascade} && $position{tv_join} < $position{tv_cascade}, 'order: tv_join before tv_cascade, which reads it')
	or diag $order;
my ($dot) = run_command([ $checker, '--dot', $corpus ]);
like($dot, qr/^digraph tviews \{/, 'DOT output is a graph');
like($dot, qr/"public\.tv_join" -> "public\.tv_cascade";/, 'DOT draws the TVIEW-over-TVIEW edge');
is(system("'$checker' '$corpus' > /dev/null") >> 8, 1, 'exit status 1: the corpus holds refused definitions');

my $node = PostgreSQL::Test::Cluster->new('agreement');
$node->init;
$node->append_conf('postgresql.conf', slurp_file($ENV{PG_TVIEWS_TEST_CONF}));
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION pg_tviews');

open my $fh, '<', $corpus or die;
my $sql = do { local $/; <$fh> };
close $fh;
for my $stmt (grep { /\S/ } map { s/^\s*--[^\n]*\n//gmr } split /;\s*\n/, $sql) {
	my ($name) = $stmt =~ /CREATE TABLE (\w+) USING tview_am/;
	($name) = $stmt =~ /pg_tviews_create\('(\w+)'/ unless $name;
	my ($ret, $stdout, $stderr) = $node->psql('postgres', "\\set VERBOSITY verbose\n$stmt;");
	next unless $name;
	my $c = $checked{$name};
	ok(defined $c, "$name: checked") or next;
	if ($ret == 0) {
		is($c->{verdict}, 'accepted', "$name: accepted by both");
	} else {
		my ($state, $message) = $stderr =~ /ERROR:\s+(\w{5}):\s+([^\n]*)/;
		is($c->{verdict}, 'refused', "$name: refused by both") or diag $stderr;
		is($c->{sqlstate}, $state, "$name: same SQLSTATE ($state)");
		is($c->{message}, $message, "$name: same message");
	}
}

done_testing();
