-- Shape 1: to-one inner joins, chains of depth 3 (post -> user -> company -> country).
-- After every data-changing statement the TVIEW must equal its defining query (oracle = 0).
CREATE SCHEMA shape_join;
SET search_path = shape_join, public;

-- No foreign keys on purpose: partners may disappear and come back.
CREATE TABLE country (pk_country int PRIMARY KEY, name text);
CREATE TABLE company (pk_company int PRIMARY KEY, name text, fk_country int);
CREATE TABLE users   (pk_user int PRIMARY KEY, name text, fk_company int);
CREATE TABLE post    (pk_post int PRIMARY KEY, title text, fk_user int);
INSERT INTO country VALUES (1, 'France'), (2, 'Japan');
INSERT INTO company VALUES (10, 'Acme', 1), (20, 'Globex', 2);
INSERT INTO users VALUES (100, 'ann', 10), (200, 'bob', 10), (300, 'cid', 20);
INSERT INTO post VALUES (1, 'p1', 100), (2, 'p2', 100), (3, 'p3', 200), (4, 'p4', 300);

-- The defining query, kept in a psql variable: the TVIEW is created from it and the oracle
-- runs the same text.
SELECT $q$
SELECT p.pk_post, p.fk_user,
       jsonb_build_object('title', p.title,
                          'author', jsonb_build_object(
                              'id', u.pk_user, 'name', u.name,
                              'company', jsonb_build_object(
                                  'name', c.name,
                                  'country', jsonb_build_object('id', co.pk_country, 'name', co.name)))) AS data
  FROM post p
  JOIN users u ON u.pk_user = p.fk_user
  JOIN company c ON c.pk_company = u.fk_company
  JOIN country co ON co.pk_country = c.fk_country
$q$ AS q \gset
CREATE TABLE tv_post USING tview_am AS :q;
SELECT oracle('tv_post', :'q'), pg_tviews_verify('tv_post');
SELECT * FROM tv_post ORDER BY pk_post;

-- Value columns of every table; the dimension updates fan out to several posts.
UPDATE post SET title = 'p1 v2' WHERE pk_post = 1;
SELECT oracle('tv_post', :'q');
UPDATE users SET name = 'ann v2' WHERE pk_user = 100;
SELECT oracle('tv_post', :'q');
UPDATE company SET name = 'Acme v2' WHERE pk_company = 10;
SELECT oracle('tv_post', :'q');
UPDATE country SET name = 'République française' WHERE pk_country = 1;
SELECT oracle('tv_post', :'q');
SELECT * FROM tv_post ORDER BY pk_post;
-- An update that changes nothing, and one that matches no row.
UPDATE users SET name = name;
SELECT oracle('tv_post', :'q');
UPDATE users SET name = 'nobody' WHERE pk_user = -1;
SELECT oracle('tv_post', :'q');

-- Join keys: re-point a post to another user, a user to another company, a company to another
-- country.
UPDATE post SET fk_user = 300 WHERE pk_post = 2;
SELECT oracle('tv_post', :'q');
UPDATE users SET fk_company = 20 WHERE pk_user = 200;
SELECT oracle('tv_post', :'q');
UPDATE company SET fk_country = 2 WHERE pk_company = 10;
SELECT oracle('tv_post', :'q');
SELECT * FROM tv_post ORDER BY pk_post;
-- Then dimension values again, through the new links.
UPDATE country SET name = 'Nippon' WHERE pk_country = 2;
SELECT oracle('tv_post', :'q');
SELECT pk_post, data #>> '{author,company,country,name}' AS country FROM tv_post ORDER BY pk_post;

-- The root key changes: the row moves to the new key.
UPDATE post SET pk_post = 40 WHERE pk_post = 4;
SELECT oracle('tv_post', :'q');
-- Every root key changes in one statement, then back.
UPDATE post SET pk_post = pk_post + 100;
SELECT oracle('tv_post', :'q');
SELECT pk_post, data->>'title' AS title FROM tv_post ORDER BY pk_post;
UPDATE post SET pk_post = pk_post - 100;
SELECT oracle('tv_post', :'q');
SELECT pk_post, data->>'title' AS title FROM tv_post ORDER BY pk_post;

-- A partner's key changes: the posts pointing at the old key lose their user (inner join: they
-- leave), and posts pointing at the new key (none yet) would gain it.
UPDATE users SET pk_user = 101 WHERE pk_user = 100;
SELECT oracle('tv_post', :'q');
SELECT pk_post FROM tv_post ORDER BY pk_post;
-- ... and back: the posts return.
UPDATE users SET pk_user = 100 WHERE pk_user = 101;
SELECT oracle('tv_post', :'q');
SELECT pk_post FROM tv_post ORDER BY pk_post;
-- A company key changes under its users, a country key under its companies.
UPDATE company SET pk_company = 11 WHERE pk_company = 10;
SELECT oracle('tv_post', :'q');
UPDATE users SET fk_company = 11 WHERE fk_company = 10;
SELECT oracle('tv_post', :'q');
UPDATE country SET pk_country = 3 WHERE pk_country = 2;
SELECT oracle('tv_post', :'q');
SELECT pk_post FROM tv_post ORDER BY pk_post;
UPDATE company SET fk_country = 3 WHERE fk_country = 2;
SELECT oracle('tv_post', :'q');
SELECT * FROM tv_post ORDER BY pk_post;

-- Inserts on each table: a post of an existing user; a post whose user does not exist yet
-- (absent), then the user (present), then its company and country in the other order.
INSERT INTO post VALUES (5, 'p5', 300);
SELECT oracle('tv_post', :'q');
INSERT INTO post VALUES (6, 'p6', 400);
SELECT oracle('tv_post', :'q');
INSERT INTO users VALUES (400, 'dan', 30);
SELECT oracle('tv_post', :'q');
INSERT INTO country VALUES (4, 'Peru');
SELECT oracle('tv_post', :'q');
SELECT pk_post FROM tv_post ORDER BY pk_post;
INSERT INTO company VALUES (30, 'Initech', 4);
SELECT oracle('tv_post', :'q');
SELECT * FROM tv_post WHERE pk_post = 6;

-- Deletes on each table. Deleting a partner makes its posts leave (inner join, no FK);
-- re-inserting it brings them back.
DELETE FROM post WHERE pk_post = 5;
SELECT oracle('tv_post', :'q');
DELETE FROM users WHERE pk_user = 300;
SELECT oracle('tv_post', :'q');
SELECT pk_post FROM tv_post ORDER BY pk_post;
INSERT INTO users VALUES (300, 'cid again', 20);
SELECT oracle('tv_post', :'q');
SELECT pk_post, data #>> '{author,name}' AS author FROM tv_post ORDER BY pk_post;
DELETE FROM company WHERE pk_company = 20;
SELECT oracle('tv_post', :'q');
SELECT pk_post FROM tv_post ORDER BY pk_post;
DELETE FROM country WHERE pk_country = 4;
SELECT oracle('tv_post', :'q');
SELECT pk_post FROM tv_post ORDER BY pk_post;
INSERT INTO company VALUES (20, 'Globex 2', 3);
SELECT oracle('tv_post', :'q');
INSERT INTO country VALUES (4, 'Peru 2');
SELECT oracle('tv_post', :'q');
SELECT * FROM tv_post ORDER BY pk_post;
-- A NULL fk never joins.
UPDATE post SET fk_user = NULL WHERE pk_post = 3;
SELECT oracle('tv_post', :'q');
-- Everything at once: delete all posts, then all dimensions, then put them back.
DELETE FROM post;
SELECT oracle('tv_post', :'q'), count(*) FROM tv_post;
DELETE FROM users;
DELETE FROM company;
DELETE FROM country;
INSERT INTO post VALUES (1, 'again', 100);
SELECT oracle('tv_post', :'q'), count(*) FROM tv_post;
INSERT INTO users VALUES (100, 'ann', 10);
INSERT INTO company VALUES (10, 'Acme', 1);
INSERT INTO country VALUES (1, 'France');
SELECT oracle('tv_post', :'q');
SELECT * FROM tv_post ORDER BY pk_post;

-- The same relation twice (two roles of one dimension) and a composite key.
CREATE TABLE region (code text, num int, label text, PRIMARY KEY (code, num));
CREATE TABLE shipment (id int PRIMARY KEY, from_user int, to_user int, r_code text, r_num int);
INSERT INTO region VALUES ('EU', 1, 'west'), ('EU', 2, 'east');
INSERT INTO users VALUES (200, 'bob', 10);
INSERT INTO shipment VALUES (1, 100, 200, 'EU', 1), (2, 200, 100, 'EU', 2);
SELECT $q$
SELECT s.id, jsonb_build_object('from', f.name, 'to', t.name, 'region', r.label) AS data
  FROM shipment s
  JOIN users f ON f.pk_user = s.from_user
  JOIN users t ON t.pk_user = s.to_user
  JOIN region r ON r.code = s.r_code AND r.num = s.r_num
$q$ AS q2 \gset
CREATE TABLE tv_shipment USING tview_am AS :q2;
SELECT oracle('tv_shipment', :'q2');
UPDATE users SET name = upper(name);
SELECT oracle('tv_shipment', :'q2');
UPDATE shipment SET r_num = 1 WHERE id = 2;
SELECT oracle('tv_shipment', :'q2');
UPDATE region SET num = 3 WHERE label = 'west';
SELECT oracle('tv_shipment', :'q2');
SELECT * FROM tv_shipment ORDER BY id;
UPDATE region SET num = 1 WHERE label = 'west';
SELECT oracle('tv_shipment', :'q2');
SELECT * FROM tv_shipment ORDER BY id;
-- Both TVIEWs read users: one statement maintains both.
UPDATE users SET name = lower(name);
SELECT oracle('tv_shipment', :'q2'), oracle('tv_post', :'q');

SET client_min_messages = warning;
DROP SCHEMA shape_join CASCADE;
RESET client_min_messages;
RESET search_path;
