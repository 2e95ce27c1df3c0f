-- Shape 2: WHERE predicates on the root and on its to-one partners; rows enter and leave the
-- TVIEW when either side changes.
CREATE SCHEMA shape_filter;
SET search_path = shape_filter, public;

CREATE TABLE category (id int PRIMARY KEY, name text, visible boolean, level int);
CREATE TABLE author (id int PRIMARY KEY, name text, banned boolean NOT NULL DEFAULT false);
CREATE TABLE item (id int PRIMARY KEY, title text, status text, price numeric,
                   category_id int, author_id int);
INSERT INTO category VALUES (1, 'books', true, 1), (2, 'games', false, 2), (3, 'misc', NULL, 3);
INSERT INTO author VALUES (10, 'ann', false), (20, 'bob', true);
INSERT INTO item VALUES (1, 'i1', 'published', 10, 1, 10), (2, 'i2', 'draft', 20, 1, 10),
                        (3, 'i3', 'published', 30, 2, 10), (4, 'i4', 'published', 40, 1, 20),
                        (5, 'i5', 'published', NULL, 3, NULL), (6, 'i6', NULL, 60, 1, 10);

-- Filters on the root (status, price), on an inner partner (visible, level) and on a LEFT
-- partner (IS DISTINCT FROM, so a missing author passes).
SELECT $q$
SELECT i.id, i.title, c.name AS category,
       jsonb_build_object('title', i.title, 'price', i.price, 'author', a.name) AS data
  FROM item i
  JOIN category c ON c.id = i.category_id
  LEFT JOIN author a ON a.id = i.author_id
 WHERE i.status = 'published'
   AND coalesce(i.price, 0) < 100
   AND c.visible
   AND c.level <= 2
   AND a.banned IS DISTINCT FROM true
$q$ AS q \gset
CREATE TABLE tv_item USING tview_am AS :q;
SELECT oracle('tv_item', :'q'), pg_tviews_verify('tv_item');
SELECT * FROM tv_item ORDER BY id;

-- Root-side filter changes: a draft is published (enters), a published item becomes draft
-- (leaves), a NULL status is set, a price rises over the limit and comes back.
UPDATE item SET status = 'published' WHERE id = 2;
SELECT oracle('tv_item', :'q');
UPDATE item SET status = 'draft' WHERE id = 1;
SELECT oracle('tv_item', :'q');
UPDATE item SET status = 'published' WHERE id = 6;
SELECT oracle('tv_item', :'q');
SELECT id FROM tv_item ORDER BY id;
UPDATE item SET price = 150 WHERE id = 2;
SELECT oracle('tv_item', :'q');
SELECT id FROM tv_item ORDER BY id;
UPDATE item SET price = 15, title = 'i2 cheap' WHERE id = 2;
SELECT oracle('tv_item', :'q');
SELECT * FROM tv_item WHERE id = 2;
-- A change that keeps a row in and changes its values, in the same statement as one that
-- takes a row out.
UPDATE item SET title = title || '+', status = CASE id WHEN 6 THEN 'gone' ELSE status END
 WHERE id IN (2, 6);
SELECT oracle('tv_item', :'q');
SELECT * FROM tv_item ORDER BY id;
-- Inserts that pass and inserts that do not.
INSERT INTO item VALUES (7, 'i7', 'published', 70, 1, NULL), (8, 'i8', 'draft', 80, 1, NULL),
                        (9, 'i9', 'published', 90, 2, NULL);
SELECT oracle('tv_item', :'q');
SELECT id FROM tv_item ORDER BY id;

-- Partner-side filter changes: the hidden category becomes visible (its items enter), a
-- visible one becomes hidden (its items leave), then NULL, then its level is raised.
UPDATE category SET visible = true WHERE id = 2;
SELECT oracle('tv_item', :'q');
SELECT id, category FROM tv_item ORDER BY id;
UPDATE category SET visible = false WHERE id = 1;
SELECT oracle('tv_item', :'q');
SELECT id, category FROM tv_item ORDER BY id;
UPDATE category SET visible = true WHERE id = 1;
SELECT oracle('tv_item', :'q');
UPDATE category SET visible = NULL WHERE id = 2;
SELECT oracle('tv_item', :'q');
UPDATE category SET visible = true, level = 5 WHERE id = 3;
SELECT oracle('tv_item', :'q');
UPDATE category SET level = 2 WHERE id = 3;
SELECT oracle('tv_item', :'q');
SELECT id, category FROM tv_item ORDER BY id;
-- The filter changes and a value changes in one statement.
UPDATE category SET visible = NOT coalesce(visible, false), name = upper(name);
SELECT oracle('tv_item', :'q');
SELECT id, category FROM tv_item ORDER BY id;
UPDATE category SET visible = true;
SELECT oracle('tv_item', :'q');
SELECT id, category FROM tv_item ORDER BY id;

-- LEFT partner filter: banning an author removes their items, unbanning brings them back;
-- deleting a banned author lets their items in (no author any more passes the filter).
UPDATE author SET banned = true WHERE id = 10;
SELECT oracle('tv_item', :'q');
SELECT id FROM tv_item ORDER BY id;
UPDATE author SET banned = false WHERE id = 10;
SELECT oracle('tv_item', :'q');
SELECT id FROM tv_item ORDER BY id;
DELETE FROM author WHERE id = 20;
SELECT oracle('tv_item', :'q');
SELECT id, data->>'author' AS author FROM tv_item ORDER BY id;
INSERT INTO author VALUES (20, 'bob', true);
SELECT oracle('tv_item', :'q');
SELECT id FROM tv_item ORDER BY id;
-- Re-pointing the root to a filtered-out partner and back.
UPDATE item SET category_id = 2, author_id = 20 WHERE id = 7;
SELECT oracle('tv_item', :'q');
UPDATE item SET author_id = 10 WHERE id = 7;
SELECT oracle('tv_item', :'q');
SELECT id, category, data->>'author' AS author FROM tv_item ORDER BY id;
-- The partner's key changes while its flag says "hidden".
UPDATE category SET visible = false, id = 4 WHERE id = 2;
SELECT oracle('tv_item', :'q');
UPDATE item SET category_id = 4 WHERE category_id = 2;
SELECT oracle('tv_item', :'q');
UPDATE category SET visible = true WHERE id = 4;
SELECT oracle('tv_item', :'q');
SELECT id, category FROM tv_item ORDER BY id;
-- Delete everything that passes, then everything.
DELETE FROM item WHERE id IN (SELECT id FROM tv_item);
SELECT oracle('tv_item', :'q'), count(*) FROM tv_item;
DELETE FROM item;
SELECT oracle('tv_item', :'q'), count(*) FROM tv_item;

-- Filters that compare root and partner columns, use IN lists, LIKE, IS NULL, OR, and NOT.
INSERT INTO item VALUES (1, 'a1', 'published', 1, 1, 10), (2, 'b2', 'draft', 2, 3, 10),
                        (3, 'a3', NULL, 3, 4, 20), (4, 'a4', 'published', 4, NULL, NULL);
SELECT $q$
SELECT i.id, i.title, c.level
  FROM item i
  JOIN category c ON c.id = i.category_id
 WHERE (i.title LIKE 'a%' OR i.status IN ('draft', 'review'))
   AND NOT (i.price > c.level * 10)
   AND (i.status IS NOT NULL OR c.name = 'GAMES')
$q$ AS q2 \gset
CREATE TABLE tv_item2 USING tview_am AS :q2;
SELECT oracle('tv_item2', :'q2');
SELECT * FROM tv_item2 ORDER BY id;
UPDATE category SET name = 'GAMES' WHERE id = 4;
SELECT oracle('tv_item2', :'q2');
UPDATE category SET level = 0;
SELECT oracle('tv_item2', :'q2');
SELECT * FROM tv_item2 ORDER BY id;
UPDATE category SET level = 1;
SELECT oracle('tv_item2', :'q2');
UPDATE item SET title = 'z' || title, status = 'review';
SELECT oracle('tv_item2', :'q2');
SELECT * FROM tv_item2 ORDER BY id;
UPDATE item SET category_id = 1 WHERE category_id IS NULL;
SELECT oracle('tv_item2', :'q2');
SELECT * FROM tv_item2 ORDER BY id;

-- A WHERE clause that is constant false, and one using only root columns: fine too.
CREATE TABLE tv_none USING tview_am AS SELECT id, title FROM item WHERE false;
SELECT count(*) FROM tv_none;
UPDATE item SET title = 'x';
SELECT oracle('tv_none', 'SELECT id, title FROM item WHERE false'), count(*) FROM tv_none;

SET client_min_messages = warning;
DROP SCHEMA shape_filter CASCADE;
RESET client_min_messages;
RESET search_path;
