# Two-phase commit: TVIEW changes made in a prepared transaction are invisible to others until
# COMMIT PREPARED, disappear with ROLLBACK PREPARED, and a prepared transaction survives a server
# restart (then commits, and later writes are maintained on top of it).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use TviewsTest;

my $node = PostgreSQL::Test::Cluster->new('twophase');
$node->init;
$node->append_conf('postgresql.conf', slurp_file($ENV{PG_TVIEWS_TEST_CONF}));
$node->append_conf('postgresql.conf', "max_prepared_transactions = 10\n");
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE db');
TviewsTest::setup($node, 'db');
my $title = q{SELECT data->>'title' FROM app.tv_post WHERE pk_post = 1};

$node->safe_psql('db', q{BEGIN; UPDATE app.tb_post SET title = 'prepared' WHERE pk_post = 1;
	INSERT INTO zzz.tb_comment VALUES (5000, 1, 'prepared comment', 1); PREPARE TRANSACTION 'p1'});
is($node->safe_psql('db', $title), 'post 1', 'a prepared change is invisible to others');
$node->safe_psql('db', q{COMMIT PREPARED 'p1'});
is($node->safe_psql('db', $title), 'prepared', 'visible after COMMIT PREPARED');
TviewsTest::check_all($node, 'db', 'after COMMIT PREPARED');

$node->safe_psql('db', q{BEGIN; UPDATE app.tb_user SET name = 'rolled back' WHERE pk_user = 2;
	DELETE FROM zzz.tb_comment WHERE fk_post = 2; PREPARE TRANSACTION 'p2'});
$node->safe_psql('db', q{ROLLBACK PREPARED 'p2'});
is($node->safe_psql('db', q{SELECT count(*) FROM app.tv_post WHERE data->'author'->>'name' = 'rolled back'}), '0',
	'nothing left by ROLLBACK PREPARED');
TviewsTest::check_all($node, 'db', 'after ROLLBACK PREPARED');

# A prepared transaction across a restart; the rows it changed stay locked until it commits.
$node->safe_psql('db', q{BEGIN; UPDATE app.tb_user SET name = 'across restart' WHERE pk_user = 3;
	UPDATE zzz.tb_comment SET body = 'across restart' WHERE pk_comment = 3; PREPARE TRANSACTION 'p3'});
$node->restart;
is($node->safe_psql('db', q{SELECT gid FROM pg_prepared_xacts}), 'p3', 'the prepared transaction survived the restart');
$node->safe_psql('db', q{COMMIT PREPARED 'p3'});
is($node->safe_psql('db', q{SELECT count(*) FROM app.tv_post WHERE data->'author'->>'name' = 'across restart'}),
	$node->safe_psql('db', q{SELECT count(*) FROM app.tb_post WHERE fk_user = 3 AND published}),
	'its changes are in the TVIEW after COMMIT PREPARED');
$node->safe_psql('db', $_) for @TviewsTest::WRITES;
TviewsTest::check_all($node, 'db', 'after the restart, COMMIT PREPARED and more writes');

done_testing();
