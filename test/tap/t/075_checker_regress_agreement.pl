# pg_tviews_check and the server agree on every TVIEW definition the regression suite runs.
#
# The regression files (sql/, in schedule order) run on a real server with every statement
# logged; definitions run through setup.sql's caught() also log their outcome. The statements
# the server received (top level, as psql sent them, variables substituted), minus those that
# failed, and with each caught() definition unwrapped, become one SQL file for the checker:
# the schema evolves in it as in the database. Each definition must then get the same verdict
# from both, and when refused, the same SQLSTATE and message.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $checker = $ENV{PG_TVIEWS_CHECK} or plan skip_all => 'PG_TVIEWS_CHECK (the pg_tviews_check binary) not set';
my $src = $ENV{PG_TVIEWS_SRC};

my $node = PostgreSQL::Test::Cluster->new('regress_agreement');
$node->init;
$node->append_conf('postgresql.conf', slurp_file($ENV{PG_TVIEWS_TEST_CONF}));
$node->append_conf('postgresql.conf', qq{
log_statement = 'all'
log_line_prefix = '%p|%e|'
log_min_messages = warning
log_error_verbosity = default
});
$node->start;
$node->safe_psql('postgres', q{CREATE DATABASE contrib_regression TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'});

# caught() as setup.sql defines it, and also logging what it caught.
my $logging_caught = q{
CREATE OR REPLACE FUNCTION caught(sql text) RETURNS TABLE (code text, message text, detail text, hint text)
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE sql;
    RAISE LOG 'pg_tviews agreement: 00000|';
    RETURN QUERY SELECT 'none'::text, ''::text, ''::text, ''::text;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                            detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
    RAISE LOG 'pg_tviews agreement: %|%', code, message;
    RETURN NEXT;
END $$;
};

my @tests;
open my $sched, '<', "$src/test/regress_schedule" or die "regress_schedule: $!";
while (<$sched>) { push @tests, split ' ', $1 if /^test:\s*(.*)$/; }
close $sched;

my $log_start = -s $node->logfile;
for my $t (@tests) {
	my ($out, $err) = run_command([ 'psql', '-X', '-q', '-d', $node->connstr('contrib_regression'),
		'-v', 'ON_ERROR_STOP=0', '-f', "$src/sql/$t.sql" ]);
	$node->safe_psql('contrib_regression', $logging_caught) if $t eq 'setup';
}
$node->stop;

# The log, as entries: pid, SQLSTATE, text (continuation lines joined).
my @entries;
open my $log, '<', $node->logfile or die;
seek $log, $log_start, 0;
while (my $line = <$log>) {
	if ($line =~ /^(\d+)\|(\w{5})\|(.*)$/s) {
		push @entries, { pid => $1, state => $2, text => $3 };
	} elsif (@entries) {
		$entries[-1]{text} .= $line;
	}
}
close $log;

# Statements in order, each with the server's outcome.
my (@statements, %last);
for my $e (@entries) {
	if ($e->{text} =~ /^LOG:  statement: (.*)$/s) {
		push @statements, { pid => $e->{pid}, sql => $1 =~ s/\s+$//r, state => '00000', message => '' };
		$last{ $e->{pid} } = $statements[-1];
	} elsif (my $s = $last{ $e->{pid} }) {
		if ($e->{text} =~ /^ERROR:  (.*?)\n/s && $s->{state} eq '00000') {
			@$s{qw(state message)} = ($e->{state}, $1);
		} elsif ($e->{text} =~ /^LOG:  pg_tviews agreement: (\w{5})\|(.*?)\n/s) {
			@$s{qw(caught_state caught_message)} = ($1, $2);
		}
	}
}
ok(@statements > 500, scalar(@statements) . ' statements of the regression suite logged');

# The checker's input: what changed the database, and every definition.
sub is_definition { $_[0] =~ /\bUSING\s+tview_am\s+AS\b|\bpg_tviews_(create|alter)\s*\(/i }
my ($input, $line, @definitions, %in_block, $session) = ('', 1);
for my $s (@statements) {
	my ($sql, $state, $message) = @$s{qw(sql state message)};
	# Each file runs in a session of its own, which starts with the default settings.
	if (($session // '') ne $s->{pid}) {
		$input .= "RESET ALL;\n";
		$line++;
		$session = $s->{pid};
	}
	# A transaction block that failed ends as a rollback, whatever ends it.
	if ($sql =~ /^\s*(BEGIN|START TRANSACTION)\b/i) { $in_block{ $s->{pid} } = 'ok'; }
	if ($state ne '00000' && $in_block{ $s->{pid} }) { $in_block{ $s->{pid} } = 'failed'; }
	if ($sql =~ /^\s*(COMMIT|END)\b/i) {
		$sql = 'ROLLBACK' if ($in_block{ $s->{pid} } // '') eq 'failed';
		delete $in_block{ $s->{pid} };
	}
	delete $in_block{ $s->{pid} } if $sql =~ /^\s*ROLLBACK\s*;?\s*$/i;
	$sql =~ s/^\s+//;
	if ($sql =~ /^SELECT\s+[\w\s,*]+?\s+FROM\s+caught\((?:\$\$(.*)\$\$|'((?:[^']|'')*)')\)\s*;?\s*$/is && defined $s->{caught_state}) {
		$sql = defined $1 ? $1 : $2 =~ s/''/'/gr;
		($state, $message) = @$s{qw(caught_state caught_message)};
	}
	if (is_definition($sql)) {
		push @definitions, { line => $line, last => $line + ($sql =~ tr/\n//), sql => $sql, state => $state, message => $message };
	} elsif ($state ne '00000' && $sql !~ /^\s*ROLLBACK\b/i) {
		next;   # no effect on the schema
	}
	$sql .= ';' unless $sql =~ /;\s*$/;
	$input .= "$sql\n";
	$line += ($sql =~ tr/\n//) + 1;
}
my $file = "${PostgreSQL::Test::Utils::tmp_check}/regress_statements.sql";
open my $fh, '>', $file or die;
print $fh $input;
close $fh;
ok(@definitions > 100, scalar(@definitions) . ' TVIEW definitions run by the regression suite');

my ($out, $err) = run_command([ $checker, '--json', $file ]);
my %checked;
while ($out =~ /\{"name": "([^"]*)", "at": "[^"]*:(\d+):\d+", "verdict": "(\w+)", "sqlstate": "(\w*)", "message": "((?:[^"\\]|\\.)*)"/g) {
	my ($name, $at, $verdict, $state, $message) = ($1, $2, $3, $4, $5);
	$checked{$at} = { name => $name, verdict => $verdict, sqlstate => $state, message => $message =~ s/\\"/"/gr =~ s/\\\\/\\/gr };
}
diag $err if $err;

for my $d (@definitions) {
	# the checker's report starts at the statement's first token, after any comment
	my ($c) = map { $checked{$_} // () } $d->{line} .. $d->{last};
	my $what = "line $d->{line}: " . substr($d->{sql} =~ s/\s+/ /gr, 0, 100);
	ok(defined $c, "$what: checked") or diag("server: $d->{state} $d->{message}"), next;
	if ($d->{state} eq '00000') {
		# (CREATE TABLE IF NOT EXISTS of a name taken: the server skips it, the checker says so)
		like($c->{verdict}, qr/^(accepted|skipped)$/, "$what: accepted by both") or diag "checker: $c->{sqlstate} $c->{message}";
	} else {
		is("$c->{verdict} $c->{sqlstate}: $c->{message}", "refused $d->{state}: $d->{message}",
			"$what: refused by both, same SQLSTATE and message");
	}
}

done_testing();
