# Extension upgrade 0.1 -> 0.2. A database whose TVIEWs were created under pg_tviews 0.1 (the 0.1
# module built from its commit, the 0.1 SQL kept in test/upgrade/, staged by
# scripts/stage-release.sh) gets the 0.2 files as a package upgrade installs them, is restarted,
# and runs ALTER EXTENSION pg_tviews UPDATE. Checked: every TVIEW equals its definition (the
# test's own copy of the query and pg_tviews_verify) under 0.1, with the 0.2 library before the
# update, after the update and after further writes to every source; and the result equals a
# fresh 0.2 install given the same data and writes: the extension's objects, the catalog rows,
# the TVIEW tables, their indexes and triggers, and their contents.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use File::Copy;
use TviewsTest;

# 0.1 was released for PostgreSQL 15 only: there is nothing to upgrade from on other servers.
my ($server_major) = `pg_config --version` =~ /PostgreSQL (\d+)/;
plan skip_all => "pg_tviews 0.1 was released for PostgreSQL 15 only (this is $server_major)"
  if defined $server_major && $server_major != 15;
my $stage = $ENV{PG_TVIEWS_UPGRADE_STAGE} // '';
my ($old_bin) = glob("$stage/lib/postgresql/*/bin");
if (!$stage || !$old_bin || !-x "$old_bin/postgres") {
	fail("pg_tviews 0.1 staged for the upgrade test (scripts/stage-release.sh 0.1 BUILD_DIR DEST; "
		  . "PG_TVIEWS_UPGRADE_STAGE='$stage')");
	done_testing();
	exit;
}
(my $old_install = $old_bin) =~ s{/bin$}{};

sub pg_config_of {
	my ($bin, $what) = @_;
	my $v = `$bin/pg_config --$what`;
	chomp $v;
	return $v;
}
my ($old_lib, $old_ext) = (pg_config_of($old_bin, 'pkglibdir'), pg_config_of($old_bin, 'sharedir') . '/extension');
# The current build: the staged install on PATH.
my ($new_bin) = grep { -x "$_/pg_config" } split /:/, $ENV{PATH};
die "pg_config not on PATH" unless $new_bin;
my ($new_lib, $new_ext) = (pg_config_of($new_bin, 'pkglibdir'), pg_config_of($new_bin, 'sharedir') . '/extension');
ok(-f "$new_lib/pg_tviews.so" && -f "$old_lib/pg_tviews.so" && $old_lib ne $new_lib,
	"the 0.1 tree ($old_lib) and the current build's ($new_lib)");

my $node = PostgreSQL::Test::Cluster->new('upgrade', install_path => $old_install);
$node->init;
$node->append_conf('postgresql.conf', slurp_file($ENV{PG_TVIEWS_TEST_CONF}));
$node->start;

# ---- under 0.1 ---------------------------------------------------------------------------------
my @writes = @TviewsTest::WRITES;
my @w1 = @writes[0 .. 1];
my @w2 = @writes[2 .. 3];
my @w3 = @writes[4 .. $#writes];
$node->safe_psql('postgres', 'CREATE DATABASE app');
TviewsTest::setup($node, 'app');
is($node->safe_psql('app', "SELECT extversion FROM pg_extension WHERE extname = 'pg_tviews'"), '0.1',
	'created as 0.1');
like($node->safe_psql('app', 'SELECT tviews.build_info()'), qr/^pg_tviews 0\.1\.0 /, 'the 0.1 library');
$node->safe_psql('app', $_) for @w1;
TviewsTest::check_all($node, 'app', '0.1');

# ---- the package upgrade: 0.2's files replace 0.1's, then a restart ----------------------------
$node->stop;
copy("$new_lib/pg_tviews.so", "$old_lib/pg_tviews.so") or die "copy pg_tviews.so: $!";
unlink glob("$old_ext/pg_tviews.control $old_ext/pg_tviews--*.sql");
for my $f (glob("$new_ext/pg_tviews.control $new_ext/pg_tviews--*.sql")) {
	copy($f, $old_ext) or die "copy $f: $!";
}
ok(!-e "$old_ext/pg_tviews--0.1.sql" && -e "$old_ext/pg_tviews--0.1--0.2.sql", '0.2 files in place');
$node->start;

like($node->safe_psql('app', 'SELECT tviews.build_info()'), qr/^pg_tviews 0\.2\.0 /, 'the 0.2 library');
is($node->safe_psql('app', "SELECT extversion FROM pg_extension WHERE extname = 'pg_tviews'"), '0.1',
	'objects still 0.1 before ALTER EXTENSION');
is($node->safe_psql('app', "SELECT path FROM pg_extension_update_paths('pg_tviews') WHERE source = '0.1' AND target = '0.2'"),
	'0.1--0.2', 'an update path 0.1 -> 0.2');
TviewsTest::check_all($node, 'app', '0.2 library, 0.1 objects');
$node->safe_psql('app', $_) for @w2;
TviewsTest::check_all($node, 'app', '0.2 library, 0.1 objects, after writes');

# ---- ALTER EXTENSION ... UPDATE -----------------------------------------------------------------
$node->safe_psql('app', 'ALTER EXTENSION pg_tviews UPDATE');
is($node->safe_psql('app', "SELECT extversion FROM pg_extension WHERE extname = 'pg_tviews'"), '0.2',
	'updated to 0.2');
TviewsTest::check_all($node, 'app', 'after ALTER EXTENSION UPDATE');
$node->safe_psql('app', $_) for @w3;
TviewsTest::check_all($node, 'app', 'after ALTER EXTENSION UPDATE and writes');
# A new session (fresh caches) writes to every source again.
$node->safe_psql('app', q{UPDATE app.tb_user SET email = 'x' || pk_user || '@example.org' WHERE pk_user % 2 = 0});
$node->safe_psql('app', q{INSERT INTO zzz.tb_comment VALUES (5000, 3, 'after update', 4)});
$node->safe_psql('app', q{UPDATE app.tb_post SET title = title || ' (0.2)' WHERE pk_post % 5 = 0});
TviewsTest::check_all($node, 'app', 'after ALTER EXTENSION UPDATE, new session');

# ---- a fresh 0.2 install with the same data and writes -----------------------------------------
$node->safe_psql('postgres', 'CREATE DATABASE fresh');
TviewsTest::setup($node, 'fresh');
is($node->safe_psql('fresh', "SELECT extversion FROM pg_extension WHERE extname = 'pg_tviews'"), '0.2',
	'fresh install is 0.2');
$node->safe_psql('fresh', $_) for @writes;
$node->safe_psql('fresh', q{UPDATE app.tb_user SET email = 'x' || pk_user || '@example.org' WHERE pk_user % 2 = 0});
$node->safe_psql('fresh', q{INSERT INTO zzz.tb_comment VALUES (5000, 3, 'after update', 4)});
$node->safe_psql('fresh', q{UPDATE app.tb_post SET title = title || ' (0.2)' WHERE pk_post % 5 = 0});
TviewsTest::check_all($node, 'fresh', 'fresh 0.2');

# Every object of the extension: identity, definition, privileges, comment.
my $objects = q{
SELECT string_agg(line, E'\n' ORDER BY line) FROM (
  SELECT pg_describe_object(d.classid, d.objid, d.objsubid) || ' | ' || coalesce(CASE d.classid
      WHEN 'pg_proc'::regclass THEN
        (SELECT pg_get_functiondef(p.oid) || ' acl=' || coalesce(p.proacl::text, '-') FROM pg_proc p WHERE p.oid = d.objid)
      WHEN 'pg_class'::regclass THEN
        (SELECT c.relkind::text || ' ' || coalesce(pg_get_viewdef(c.oid), '') || ' acl=' || coalesce(c.relacl::text, '-')
                || ' columns=' || (SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
                                                     || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
                                                     || coalesce(' default ' || pg_get_expr(ad.adbin, ad.adrelid), ''),
                                                     ', ' ORDER BY a.attnum)
                                     FROM pg_attribute a LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
                                    WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped)
                || ' indexes=' || coalesce((SELECT string_agg(pg_get_indexdef(i.indexrelid), '; ' ORDER BY 1)
                                              FROM pg_index i WHERE i.indrelid = c.oid), '-')
                || ' triggers=' || coalesce((SELECT string_agg(pg_get_triggerdef(t.oid), '; ' ORDER BY 1)
                                               FROM pg_trigger t WHERE t.tgrelid = c.oid), '-')
           FROM pg_class c WHERE c.oid = d.objid)
      WHEN 'pg_namespace'::regclass THEN
        (SELECT 'acl=' || coalesce(n.nspacl::text, '-') FROM pg_namespace n WHERE n.oid = d.objid)
      WHEN 'pg_event_trigger'::regclass THEN
        (SELECT e.evtevent || ' ' || e.evtfoid::regproc || ' ' || e.evtenabled::text FROM pg_event_trigger e WHERE e.oid = d.objid)
      WHEN 'pg_am'::regclass THEN
        (SELECT a.amtype::text || ' ' || a.amhandler::regproc FROM pg_am a WHERE a.oid = d.objid)
      END, '')
    || ' | comment=' || coalesce(obj_description(d.objid, d.classid::regclass::name), '-') AS line
    FROM pg_depend d
   WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
     AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'pg_tviews')
  UNION ALL
  SELECT 'extension | ' || e.extversion || ' ' || e.extrelocatable || ' ' || e.extnamespace::regnamespace
         || ' config=' || coalesce(e.extconfig::regclass[]::text, '-') || ' ' || coalesce(e.extcondition::text, '-')
         || ' | comment=' || coalesce(obj_description(e.oid, 'pg_extension'), '-')
    FROM pg_extension e WHERE e.extname = 'pg_tviews'
) s};
my $objects_fresh = $node->safe_psql('fresh', $objects);
like($objects_fresh, qr/tviews\.tview_am_handler/, 'the object description lists the extension');
is($node->safe_psql('app', $objects), $objects_fresh, 'the extension\'s objects equal a fresh 0.2 install\'s');

# The catalog rows, the TVIEW tables (access method, options, columns, indexes), and the triggers
# that maintain them.
my $tviews = q{
SELECT string_agg(line, E'\n' ORDER BY line) FROM (
  SELECT t.tview::text || ' | ' || t.definition || ' | ' || t.settings || ' | ' || t.sources::text
         || ' | ' || t.populated || ' ' || t.attached
         || ' | ' || am.amname || ' ' || coalesce(c.reloptions::text, '-')
         || ' | ' || (SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum)
                        FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped)
         || ' | ' || (SELECT string_agg(pg_get_indexdef(i.indexrelid), '; ' ORDER BY 1) FROM pg_index i WHERE i.indrelid = c.oid)
         AS line
    FROM tviews.tview t JOIN pg_class c ON c.oid = t.tview::oid JOIN pg_am am ON am.oid = c.relam
  UNION ALL
  SELECT 'trigger ' || tg.tgrelid::regclass || ' ' || regexp_replace(tg.tgname, '_[0-9]+$', '') || ' ' || tg.tgtype || ' ' || tg.tgfoid::regproc
         || ' ' || tg.tgisinternal || ' ' || tg.tgenabled::text
    FROM pg_trigger tg WHERE tg.tgname LIKE 'tviews maintain %'
  UNION ALL
  SELECT 'index ' || indexrelid::regclass || ' ' || pg_get_indexdef(indexrelid)
    FROM pg_index WHERE indrelid IN ('app.tb_user'::regclass, 'app.tb_post'::regclass, 'zzz.tb_comment'::regclass)
) s};
my $tviews_fresh = $node->safe_psql('fresh', $tviews);
like($tviews_fresh, qr/app\.tv_user/, 'the TVIEW description lists the TVIEWs');
is($node->safe_psql('app', $tviews), $tviews_fresh, 'catalog rows, TVIEW tables and triggers equal a fresh 0.2 install\'s');
is(TviewsTest::fingerprint($node, 'app'), TviewsTest::fingerprint($node, 'fresh'),
	'TVIEW contents equal a fresh 0.2 install\'s');

# Both stay maintained: one more round of writes.
for my $db ('app', 'fresh') {
	$node->safe_psql($db, q{DELETE FROM zzz.tb_comment WHERE pk_comment % 7 = 0});
	$node->safe_psql($db, q{UPDATE app.tb_post SET fk_user = 1 + (fk_user % 20) WHERE pk_post % 9 = 0});
	TviewsTest::check_all($node, $db, "$db, last writes");
}
is(TviewsTest::fingerprint($node, 'app'), TviewsTest::fingerprint($node, 'fresh'),
	'TVIEW contents still equal after the last writes');

$node->stop;
done_testing();
