#!/usr/bin/env perl
# bench/report.pl RESULTS_DIR: the Markdown report of one run of bench/run.sh, from its raw
# results (RESULTS_DIR/*.tsv, see bench/results/README.md), the workloads (bench/workloads.tsv)
# and the targets (bench/targets.tsv). Prints it on stdout. Reads only; runs no server, so a
# report can be rewritten from old results (perl bench/report.pl bench/results/<stamp>).
use strict;
use warnings;
use File::Basename qw(dirname);
use List::Util qw(min max sum);

my $dir = shift @ARGV or die "usage: $0 RESULTS_DIR\n";
my $bench = dirname(__FILE__);

# ---- input ---------------------------------------------------------------------------------------
# read_tsv FILE: list of hashes keyed by the header line's names ('#' lines and blank lines skipped)
sub read_tsv {
    my ($file) = @_;
    open(my $fh, '<', $file) or die "report: $file: $!\n";
    my @names;
    my @rows;
    while (my $line = <$fh>) {
        chomp $line;
        next if $line eq '' || $line =~ /^#/;
        my @f = split /\t/, $line, -1;
        if (!@names) { @names = @f; next }
        my %r;
        @r{@names} = map { $_ // '' } @f[0 .. $#names];
        push @rows, \%r;
    }
    return @rows;
}
# read_table FILE NAMES...: rows of a tab-separated file without a header line
sub read_table {
    my ($file, @names) = @_;
    open(my $fh, '<', $file) or die "report: $file: $!\n";
    my @rows;
    while (my $line = <$fh>) {
        chomp $line;
        next if $line eq '' || $line =~ /^#/;
        my %r;
        @r{@names} = map { $_ // '' } (split /\t/, $line, -1)[0 .. $#names];
        push @rows, \%r;
    }
    return @rows;
}

my %meta;
$meta{$_->{key}} = $_->{value} for read_tsv("$dir/meta.tsv");
my @builds = read_tsv("$dir/builds.tsv");
my @labels = split ' ', $meta{builds};
my %build = map { $_->{build} => $_ } @builds;
my @setup = read_tsv("$dir/setup.tsv");
my @slices = read_tsv("$dir/slices.tsv");
my @checks = read_tsv("$dir/checks.tsv");
my @timings = read_tsv("$dir/timings.tsv");
my @indexes = read_tsv("$dir/indexes.tsv");
my @wl_table = read_table("$bench/workloads.tsv", qw(id suite script desc));
my %wdesc = map { $_->{id} => $_->{desc} } @wl_table;
my %wsuite = map { $_->{id} => $_->{suite} } @wl_table;
my @targets = read_table("$bench/targets.tsv", qw(suite metric workloads op threshold show name));

my @suites = split ' ', $meta{suites};
my @workloads = split ' ', $meta{workloads};
my @clients = split ' ', $meta{clients};
my @configs = split ' ', $meta{configs};
my ($c_lo, $c_hi) = ($clients[0], $clients[-1]);
my $multi = @labels > 1;

# ---- numbers -------------------------------------------------------------------------------------
sub median {
    my @v = sort { $a <=> $b } @_;
    return undef unless @v;
    return @v % 2 ? $v[$#v / 2] : ($v[@v / 2 - 1] + $v[@v / 2]) / 2;
}
sub fmt_tps { my ($x) = @_; return '-' unless defined $x; return $x >= 100 ? sprintf('%.0f', $x) : sprintf('%.1f', $x) }
sub fmt_ratio { my ($x) = @_; return defined $x ? sprintf('%.2f', $x) : '-' }
sub ratio { my ($x, $y) = @_; return (defined $x && defined $y && $y > 0) ? $x / $y : undef }
sub mmm { # min / median / max of a list, formatted by FMT
    my ($fmt, @v) = @_;
    return '-' unless @v;
    return join(' / ', map { $fmt->($_) } (min(@v), median(@v), max(@v)));
}

# Per (build, workload, clients, config): TPS = transactions / time over the slices; the TPS of
# each round's slice.
my (%cell, %round_tps, %round_cpu);
for my $s (@slices) {
    my $k = join($;, @$s{qw(build workload clients config)});
    my $c = $cell{$k} //= { x => 0, t => 0, lt => 0, failed => 0, status => 'ok', slices => [] };
    $c->{status} = 'error' if $s->{status} ne 'ok';
    if ($s->{tps} ne '-' && $s->{xacts} ne '-' && $s->{tps} > 0) {
        $c->{x} += $s->{xacts};
        $c->{t} += $s->{xacts} / $s->{tps};
        $c->{lt} += $s->{latency_ms} * $s->{xacts} if $s->{latency_ms} ne '-';
        push @{$c->{slices}}, $s->{tps};
        $round_tps{$k}{$s->{round}} = $s->{tps} if $s->{status} eq 'ok';
        if (($s->{server_cpu_s} // '') =~ /^[0-9.]+$/ && $s->{xacts} > 0) {
            $c->{cx} += $s->{xacts};
            $c->{cpu} += $s->{server_cpu_s};
            push @{$c->{cpu_slices}}, 1e6 * $s->{server_cpu_s} / $s->{xacts};
            $round_cpu{$k}{$s->{round}} = 1e6 * $s->{server_cpu_s} / $s->{xacts} if $s->{status} eq 'ok';
        }
    }
    $c->{failed} += $s->{failed} if $s->{failed} ne '-';
}
# tps BUILD W C CFG: the cell's TPS, undef if it did not run or failed
sub tps {
    my $c = $cell{join($;, @_)};
    return undef unless $c && $c->{status} eq 'ok' && $c->{t} > 0;
    return $c->{x} / $c->{t};
}
# cpu BUILD W C CFG: the server's CPU per transaction (us) over the cell's slices, undef if unknown
sub cpu {
    my $c = $cell{join($;, @_)};
    return undef unless $c && $c->{status} eq 'ok' && ($c->{cx} // 0) > 0;
    return 1e6 * $c->{cpu} / $c->{cx};
}
sub fmt_us { my ($x) = @_; return defined $x ? sprintf('%.0f', $x) : '-' }
# round_ratios BUILD W C CFG BASE_CFG: TPS of CFG over TPS of BASE_CFG, per round
sub round_ratios {
    my ($bl, $w, $c, $cfg, $base) = @_;
    my $n = $round_tps{join($;, $bl, $w, $c, $cfg)} || {};
    my $d = $round_tps{join($;, $bl, $w, $c, $base)} || {};
    return map { $n->{$_} / $d->{$_} } grep { exists $d->{$_} && $d->{$_} > 0 } sort { $a <=> $b } keys %$n;
}

# ---- report parts --------------------------------------------------------------------------------
my @out;
sub say { push @out, @_ ? @_ : '' }

sub suite_workloads { my ($suite) = @_; return grep { $wsuite{$_} eq $suite } @workloads }

sub throughput_table {
    my ($bl, @wl) = @_;
    # The peer (pg_ivm), where it ran: its TPS and the TVIEW's against it.
    my $ivm = grep { defined tps($bl, $_, $clients[0], 'ivm') } @wl;
    say '| workload | clients | plain | tviews | tviews, jit off | triggers | tviews/plain | tviews/triggers | jit on/off |'
        . ($ivm ? ' ivm | tviews/ivm |' : '');
    say '|---|---:|---:|---:|---:|---:|---:|---:|---:|' . ($ivm ? '---:|---:|' : '');
    for my $w (@wl) {
        for my $c (@clients) {
            my ($p, $t, $n, $g) = map { tps($bl, $w, $c, $_) } qw(plain tviews tviews_nojit triggers);
            my $line = sprintf('| %s: %s | %s | %s | %s | %s | %s | %s | %s | %s |', uc $w, $wdesc{$w}, $c,
                (map { fmt_tps($_) } $p, $t, $n, $g), fmt_ratio(ratio($t, $p)), fmt_ratio(ratio($t, $g)),
                fmt_ratio(ratio($t, $n)));
            if ($ivm) {
                my $i = tps($bl, $w, $c, 'ivm');
                $line .= sprintf(' %s | %s |', fmt_tps($i), fmt_ratio(ratio($t, $i)));
            }
            say $line;
        }
    }
}

sub scaling_table {
    my ($bl, @wl) = @_;
    say '| workload | plain | tviews | triggers | tviews scaling / plain scaling |';
    say '|---|---:|---:|---:|---:|';
    for my $w (@wl) {
        my %s = map { $_ => ratio(tps($bl, $w, $c_hi, $_), tps($bl, $w, $c_lo, $_)) } qw(plain tviews triggers);
        say sprintf('| %s | %s | %s | %s | %s |', uc $w, (map { fmt_ratio($s{$_}) } qw(plain tviews triggers)),
            fmt_ratio(ratio($s{tviews}, $s{plain})));
    }
}

sub targets_table {
    my ($bl, $suite) = @_;
    my @wl = suite_workloads($suite);
    say '| target | measured | verdict |';
    say '|---|---|---|';
    for my $tg (grep { $_->{suite} eq $suite } @targets) {
        my %want = map { $_ => 1 } split ' ', $tg->{workloads};
        my @tw = $tg->{workloads} eq '*' ? @wl : grep { $want{$_} } @wl;
        my @vals;   # [where, value]
        if ($tg->{metric} eq 'scaling') {
            if (@clients > 1) {
                for my $w (@tw) {
                    my $r = ratio(ratio(tps($bl, $w, $c_hi, 'tviews'), tps($bl, $w, $c_lo, 'tviews')),
                                  ratio(tps($bl, $w, $c_hi, 'plain'), tps($bl, $w, $c_lo, 'plain')));
                    push @vals, [uc $w, $r] if defined $r;
                }
            }
        } else {
            my ($num, $den) = split m{/}, $tg->{metric};
            for my $w (@tw) {
                for my $c (@clients) {
                    my $r = ratio(tps($bl, $w, $c, $num), tps($bl, $w, $c, $den));
                    push @vals, [uc($w) . "/c$c", $r] if defined $r;
                }
            }
        }
        if (!@vals) { say "| $tg->{name} | - | not measured |"; next }
        my $ok = 1;
        for my $v (@vals) {
            $ok = 0 if $tg->{op} eq '>=' ? $v->[1] < $tg->{threshold} : $v->[1] <= $tg->{threshold};
        }
        my ($low) = sort { $a->[1] <=> $b->[1] } @vals;
        my $all = join(', ', map { sprintf('%s %.2f', @$_) } @vals);
        my $lowest = sprintf('lowest %.2f (%s)', $low->[1], $low->[0]);
        my $shown = $tg->{show} eq 'lowest' ? $lowest : $tg->{show} eq 'both' ? "$lowest; $all" : $all;
        say "| $tg->{name} | $shown | " . ($ok ? 'PASS' : '**FAIL**') . ' |';
    }
}

my %tim;    # build, suite, operation, table -> [ms...]
push @{$tim{join($;, @$_{qw(build suite operation table)})}}, $_->{ms} for @timings;
sub tim_median { my $l = $tim{join($;, @_)}; return $l ? sprintf('%.1f', median(@$l)) : undef }
sub tim_all { my $l = $tim{join($;, @_)}; return $l ? join(' ', @$l) : '-' }
sub sum2 { my ($x, $y) = @_; return (defined $x && defined $y) ? sprintf('%.1f', $x + $y) : '-' }

sub rebuilds_posts {
    my ($bl) = @_;
    say "## Full rebuilds of tv_post$_[1] (ms; median of $meta{refresh_repeat}, each after renaming one 50-post user)";
    say;
    say '| operation | median ms | all runs (ms) |';
    say '|---|---:|---|';
    for (['refresh', 'REFRESH MATERIALIZED VIEW tv_post'],
         ['refresh_concurrently', 'REFRESH MATERIALIZED VIEW CONCURRENTLY tv_post (unique index on pk_post)'],
         ['pg_tviews_refresh', "pg_tviews_refresh('tv_post')"]) {
        my ($op, $name) = @$_;
        say sprintf('| %s | %s | %s |', $name, tim_median($bl, 'posts', $op, 'tv_post') // '-', tim_all($bl, 'posts', $op, 'tv_post'));
    }
    say;
    say 'Initial build of tv_post (100,000 rows): CREATE TABLE ... USING tview_am AS: '
        . (tim_median($bl, 'posts', 'build:tviews', 'tv_post') // '-') . ' ms;';
    say 'CREATE TABLE ... AS (heap, triggers): ' . (tim_median($bl, 'posts', 'build:triggers', 'tv_post') // '-')
        . ' ms; CREATE MATERIALIZED VIEW: ' . (tim_median($bl, 'posts', 'build:matview', 'tv_post') // '-') . ' ms.';
    say;
}

sub rebuilds_comments {
    my ($bl) = @_;
    say "## Comments suite: full rebuilds$_[1] (ms; median of $meta{refresh_repeat}, each after renaming one user with 10-11 posts)";
    say;
    say '| operation | tv_post (100,000 rows, with comments) | tv_user_feed (10,000 rows, over tv_post) | both levels (sum of medians) |';
    say '|---|---:|---:|---:|';
    my @all;
    for (['refresh', 'REFRESH MATERIALIZED VIEW'],
         ['refresh_concurrently', 'REFRESH MATERIALIZED VIEW CONCURRENTLY (unique index on the key)'],
         ['pg_tviews_refresh', 'pg_tviews_refresh(...)'],
         ['build:tviews', 'initial build: CREATE TABLE ... USING tview_am AS'],
         ['build:triggers', 'initial build: CREATE TABLE ... AS (heap, triggers)'],
         ['build:matview', 'initial build: CREATE MATERIALIZED VIEW']) {
        my ($op, $name) = @$_;
        my ($p, $f) = map { tim_median($bl, 'comments', $op, $_) } qw(tv_post tv_user_feed);
        say sprintf('| %s | %s | %s | %s |', $name, $p // '-', $f // '-', sum2($p, $f));
        if ($op !~ /^build:/) {
            for my $t (qw(tv_post tv_user_feed)) {
                my $l = tim_all($bl, 'comments', $op, $t);
                push @all, "$op $t: $l" if $l ne '-';
            }
        }
    }
    say;
    say 'All runs (ms): ' . (@all ? join('; ', @all) : '-') . '.';
    say 'Every configuration gets an index on tv_post (fk_user) before tv_user_feed is built (see bench/README.md).';
    say;
}

# The builds side by side: each build's TPS and its ratio to the baseline (plain, the same build
# without a read model), then every build against the first.
sub compare_section {
    my @wl = @workloads;
    my @cfgs = grep { $_ ne 'plain' } @configs;
    my ($first, @others) = @labels;
    say '## Builds side by side';
    say;
    say "Each build in a cluster of its own, the same data; per cell and round one slice of $meta{slice}s per (build,";
    say 'configuration), the order reversing from one round to the next. TPS: transactions over time of all';
    say 'slices; /plain: over the same build without a read model; per round: that ratio in each round';
    say '(both slices of a round are close in time), min / median / max.';
    say;
    say '| workload | clients | config | build | TPS | TPS of the slices (min / median / max) | plain TPS | /plain | /plain per round (min / median / max) |';
    say '|---|---:|---|---|---:|---:|---:|---:|---:|';
    for my $w (@wl) {
        for my $c (@clients) {
            for my $cfg (@cfgs) {
                for my $bl (@labels) {
                    my $t = tps($bl, $w, $c, $cfg);
                    my $p = tps($bl, $w, $c, 'plain');
                    my $cl = $cell{join($;, $bl, $w, $c, $cfg)};
                    say sprintf('| %s | %s | %s | %s | %s | %s | %s | %s | %s |', uc $w, $c, $cfg, $bl, fmt_tps($t),
                        mmm(\&fmt_tps, $cl ? @{$cl->{slices}} : ()), fmt_tps($p), fmt_ratio(ratio($t, $p)),
                        mmm(\&fmt_ratio, round_ratios($bl, $w, $c, $cfg, 'plain')));
                }
            }
        }
    }
    say;
    say "Against $first: 1.00 is no change; above 1, faster. The per-round columns divide the two builds' figures";
    say 'of the same round: their spread is the noise of this run.';
    say;
    say "| workload | clients | config | build | TPS / ${first}'s | per round (min / median / max) | /plain over ${first}'s | per round (min / median / max) |";
    say '|---|---:|---|---|---:|---:|---:|---:|';
    for my $w (@wl) {
        for my $c (@clients) {
            for my $cfg (@cfgs) {
                my %rr;   # round -> ratio, of the first build
                {
                    my $n = $round_tps{join($;, $first, $w, $c, $cfg)} || {};
                    my $d = $round_tps{join($;, $first, $w, $c, 'plain')} || {};
                    $rr{$_} = $n->{$_} / $d->{$_} for grep { exists $d->{$_} && $d->{$_} > 0 } keys %$n;
                }
                for my $bl (@others) {
                    my $n = $round_tps{join($;, $bl, $w, $c, $cfg)} || {};
                    my $d = $round_tps{join($;, $bl, $w, $c, 'plain')} || {};
                    my @per = map { ($n->{$_} / $d->{$_}) / $rr{$_} }
                              grep { exists $d->{$_} && $d->{$_} > 0 && $rr{$_} } sort { $a <=> $b } keys %$n;
                    my $f = $round_tps{join($;, $first, $w, $c, $cfg)} || {};
                    my @per_tps = map { $n->{$_} / $f->{$_} } grep { $f->{$_} } sort { $a <=> $b } keys %$n;
                    my $t = ratio(tps($bl, $w, $c, $cfg), tps($first, $w, $c, $cfg));
                    my $q = ratio(ratio(tps($bl, $w, $c, $cfg), tps($bl, $w, $c, 'plain')),
                                  ratio(tps($first, $w, $c, $cfg), tps($first, $w, $c, 'plain')));
                    say sprintf('| %s | %s | %s | %s | %s | %s | %s | %s |', uc $w, $c, $cfg, $bl, fmt_ratio($t),
                        mmm(\&fmt_ratio, @per_tps), fmt_ratio($q),
                        mmm(\&fmt_ratio, @per));
                }
            }
        }
    }
    say;
    compare_cpu(@wl) if grep { ($_->{server_cpu_s} // '') =~ /^[0-9.]+$/ } @slices;
    say '| build | build directory | source | pg_tviews |';
    say '|---|---|---|---|';
    say "| $_->{build} | $_->{build_dir} | $_->{source} ($_->{commit}) | $_->{build_info} |" for map { $build{$_} } @labels;
    say;
}

# The server's CPU per transaction of each build, and against the first build.
sub compare_cpu {
    my @wl = @_;
    my @cfgs = grep { $_ ne 'plain' } @configs;
    my ($first, @others) = @labels;
    say '### Server CPU per transaction';
    say;
    say "The CPU time of each build's cluster (backends, background processes) during a slice, over its";
    say 'transactions, in microseconds: what the writes cost the server, which other processes on the';
    say 'machine disturb far less than they disturb TPS. maintenance: the TVIEW\'s CPU per transaction';
    say 'minus plain\'s, per round (min / median / max).';
    say;
    say '| workload | clients | config | build | us per transaction | slices (min / median / max) | plain | maintenance | maintenance per round (min / median / max) |';
    say '|---|---:|---|---|---:|---:|---:|---:|---:|';
    for my $w (@wl) {
        for my $c (@clients) {
            for my $cfg (@cfgs) {
                for my $bl (@labels) {
                    my $u = cpu($bl, $w, $c, $cfg);
                    my $p = cpu($bl, $w, $c, 'plain');
                    my $cl = $cell{join($;, $bl, $w, $c, $cfg)};
                    my $n = $round_cpu{join($;, $bl, $w, $c, $cfg)} || {};
                    my $d = $round_cpu{join($;, $bl, $w, $c, 'plain')} || {};
                    my @extra = map { $n->{$_} - $d->{$_} } grep { exists $d->{$_} } sort { $a <=> $b } keys %$n;
                    say sprintf('| %s | %s | %s | %s | %s | %s | %s | %s | %s |', uc $w, $c, $cfg, $bl, fmt_us($u),
                        mmm(\&fmt_us, $cl && $cl->{cpu_slices} ? @{$cl->{cpu_slices}} : ()), fmt_us($p),
                        fmt_us(defined $u && defined $p ? $u - $p : undef), mmm(\&fmt_us, @extra));
                }
            }
        }
    }
    {
        say;
        say "Against $first (1.00: the same CPU per transaction; above 1, more):";
        say;
        say "| workload | clients | config | build | us per transaction / ${first}'s | per round (min / median / max) | maintenance / ${first}'s | per round (min / median / max) |";
        say '|---|---:|---|---|---:|---:|---:|---:|';
        for my $w (@wl) {
            for my $c (@clients) {
                for my $cfg (@cfgs) {
                    my $fn = $round_cpu{join($;, $first, $w, $c, $cfg)} || {};
                    my $fd = $round_cpu{join($;, $first, $w, $c, 'plain')} || {};
                    for my $bl (@others) {
                        my $n = $round_cpu{join($;, $bl, $w, $c, $cfg)} || {};
                        my $d = $round_cpu{join($;, $bl, $w, $c, 'plain')} || {};
                        my @r = sort { $a <=> $b } grep { $fn->{$_} } keys %$n;
                        my @per = map { $n->{$_} / $fn->{$_} } @r;
                        my @per_m = map { ($n->{$_} - $d->{$_}) / ($fn->{$_} - $fd->{$_}) }
                                    grep { exists $d->{$_} && exists $fd->{$_} && $fn->{$_} - $fd->{$_} > 0 } @r;
                        my ($u, $fu) = (cpu($bl, $w, $c, $cfg), cpu($first, $w, $c, $cfg));
                        my ($p, $fp) = (cpu($bl, $w, $c, 'plain'), cpu($first, $w, $c, 'plain'));
                        my $m = (defined $u && defined $p && defined $fu && defined $fp) ? ratio($u - $p, $fu - $fp) : undef;
                        say sprintf('| %s | %s | %s | %s | %s | %s | %s | %s |', uc $w, $c, $cfg, $bl, fmt_ratio(ratio($u, $fu)),
                            mmm(\&fmt_ratio, @per), fmt_ratio($m), mmm(\&fmt_ratio, @per_m));
                    }
                }
            }
        }
    }
    say;
}

# ---- the report ----------------------------------------------------------------------------------
my $slice_note = sprintf('per cell %ds = %d interleaved slices of %ds, after %ds warm-up',
    $meta{slice} * $meta{rounds}, $meta{rounds}, $meta{slice}, $meta{warmup});

say '# pg_tviews benchmark';
say;
if ($multi) {
    say "$meta{date}, builds side by side: " . join(', ', map { "$_ ($build{$_}{commit}, $build{$_}{build_dir})" } @labels)
        . ", workloads: " . join(' ', map { uc } @workloads) . '.';
} else {
    my $bl = $build{$labels[0]};
    say "$meta{date}, source $bl->{commit} ($bl->{source}), build $bl->{build_dir}, suites: @suites.";
}
for my $s (grep { !$_->{ok} } @setup) {
    say;
    say "**build $s->{build}: $s->{database}: $s->{note}**";
}
if ($meta{cpu_other_pct} > 10) {
    say;
    say "**Warning: the machine was busy: other processes used $meta{cpu_other_pct}% of its CPU capacity during the";
    say "runs (the benchmark itself $meta{cpu_ours_pct}%), competing for the $meta{nproc} CPUs and the disk. These numbers";
    say 'are noisy: rerun on an idle machine before drawing conclusions.**';
}
say;
compare_section() if $multi;

for my $bl (@labels) {
    my $of = $multi ? ", build $bl" : '';
    for my $suite (@suites) {
        my @wl = suite_workloads($suite);
        my $prefix = $suite eq 'posts' ? '' : 'Comments suite: ';
        if ($suite eq 'posts') {
            say "## Throughput$of (TPS; pgbench -M prepared; $slice_note)";
            say;
            say 'Posts suite: tv_post = tb_post JOIN tb_user (bench/sql/tv_post_query.sql).';
        } else {
            say "## Comments suite: throughput$of (TPS; same method)";
            say;
            say 'tv_post = tb_post JOIN tb_user with each post\'s comments as a jsonb array (bench/sql/tv_post_comments_query.sql),';
            say 'and tv_user_feed = tb_user with the jsonb array of the user\'s tv_post documents, read from tv_post (a';
            say 'TVIEW over a TVIEW, bench/sql/tv_user_feed_query.sql). 10,000 users, 100,000 posts, 300,000 comments';
            say '(3 per post). triggers: both tables maintained by bench/sql/config_triggers_comments.sql.';
        }
        say;
        throughput_table($bl, @wl);
        if ($c_lo ne $c_hi) {
            say;
            say "## ${prefix}" . ($prefix ? 'scaling' : 'Scaling') . "$of (TPS at $c_hi clients / TPS at $c_lo client(s))";
            say;
            scaling_table($bl, @wl);
        }
        say;
        say "## ${prefix}" . ($prefix ? 'targets' : 'Targets') . "$of";
        say;
        if (($meta{'setting:synchronous_commit'} // 'on') ne 'on') {
            say "Measured with synchronous_commit = $meta{'setting:synchronous_commit'} (make bench measures with durable commits, which";
            say 'hide part of the cost of maintenance behind the WAL flush): the ratios here are lower than make bench\'s.';
            say;
        }
        targets_table($bl, $suite);
        say;
    }
}

say '## Correctness after the runs';
say;
if (!@checks) { say '- (nothing checked)' }
for my $k (@checks) {
    my $what = ($multi ? "build $k->{build}: " : '') . "$k->{config} ($k->{suite}): $k->{table}";
    my $check = $k->{check} eq 'oracle' ? 'oracle' : "$k->{check}('$k->{table}')";
    if ($k->{status} eq 'ok') {
        say "- $what: $check" . ($k->{check} eq 'oracle' ? ': 0 rows differ' : ' = 0') . ': OK';
    } elsif ($k->{status} eq 'mismatch') {
        say "- **$what: MISMATCH: $check finds $k->{rows} rows differing from the definition**";
    } else {
        say "- **$what: $check $k->{status}**";
    }
}
say;
for my $bl ($meta{refresh_repeat} > 0 ? @labels : ()) {
    my $of = $multi ? ", build $bl" : '';
    rebuilds_posts($bl, $of) if grep { $_ eq 'posts' } @suites;
    rebuilds_comments($bl, $of) if grep { $_ eq 'comments' } @suites;
}

say '## Runs';
say;
say '| ' . ($multi ? 'build | ' : '') . 'workload | clients | config | TPS | latency avg (ms) | transactions | failed | status | server CPU us per transaction | TPS of each slice |';
say '|' . ($multi ? '---|' : '') . '---|---:|---|---:|---:|---:|---:|---|---:|---|';
for my $bl (@labels) {
    for my $w (@workloads) {
        for my $c (@clients) {
            for my $cfg (@configs) {
                my $cl = $cell{join($;, $bl, $w, $c, $cfg)} or next;
                my $t = $cl->{t} > 0 ? $cl->{x} / $cl->{t} : undef;
                say '| ' . ($multi ? "$bl | " : '') . sprintf('%s | %s | %s | %s | %s | %s | %s | %s | %s | %s |', uc $w, $c, $cfg,
                    defined $t ? sprintf('%.3f', $t) : '-', $cl->{x} > 0 ? sprintf('%.3f', $cl->{lt} / $cl->{x}) : '-',
                    $cl->{x}, $cl->{failed}, $cl->{status} eq 'ok' ? 'ok' : "**$cl->{status}**",
                    ($cl->{cx} // 0) > 0 ? sprintf('%.0f', 1e6 * $cl->{cpu} / $cl->{cx}) : '-',
                    join(' ', map { sprintf('%.0f', $_) } @{$cl->{slices}}));
            }
        }
    }
}
say;
say '## Machine and settings';
say;
say "- CPUs (nproc): $meta{nproc}; CPU: " . ($meta{cpu_model} || 'unknown') . "; memory: $meta{mem_gib} GiB; kernel: $meta{kernel}";
say "- PostgreSQL: $meta{pg_version}";
say "- pg_tviews: $build{$_}{build_info}" . ($multi ? " (build $_)" : '') for @labels;
say "- CPU during the runs: the benchmark (servers + pgbench) $meta{cpu_ours_pct}% of the machine's capacity,";
say "  other processes $meta{cpu_other_pct}%; load average (1, 5, 15 min) before the runs: $meta{load_before}";
my $sync = $meta{'setting:synchronous_commit'} // '?';
say "- fdatasync of one 8kB write (pg_test_fsync, the clusters' file system): $meta{fsync_before_us} us before";
say "  the runs, $meta{fsync_after_us} us after." . ($sync eq 'on'
    ? ' Every commit waits for its WAL flush (synchronous_commit = on), so this is a floor under every 1-client latency below.'
    : " synchronous_commit = $sync: commits do not wait for their WAL flush.");
say '- ' . ($multi ? 'one cluster per build' : 'one cluster') . ' (staged install of the build, pg_tviews preloaded in every database), one database';
say "  per configuration and suite, copied from the suite's template; pgbench on the same machine over a unix socket:";
say "  `pgbench -n -M prepared -T $meta{slice} -c C -j C` per slice. Per cell: VACUUM (ANALYZE) of every";
say "  database, $meta{warmup}s warm-up of each configuration, then $meta{rounds} rounds, each a CHECKPOINT";
say '  then one slice per ' . ($multi ? '(build, configuration)' : 'configuration') . ', the order reversing from one round to the next.';
say '- read-model indexes (tv_post, tv_user_feed):';
say '  - ' . ($multi ? "$_->{build}: " : '') . "$_->{database}: $_->{indexes}" for @indexes;
say "- extra server settings (BENCH_SERVER_CONF): $meta{server_conf_extra}" if $meta{server_conf_extra} ne '';
say '- server settings:';
say;
say '```';
say "$_ = $meta{\"setting:$_\"}" for sort map { /^setting:(.*)/ ? $1 : () } keys %meta;
say '```';
say;
say "Raw results and logs: bench/results/$meta{stamp}/ (the TSV files, pgbench output per run, server logs, setup logs).";

print map { "$_\n" } @out;
