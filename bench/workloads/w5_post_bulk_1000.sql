-- W5: retitle 1,000 consecutive posts in one statement: 1,000 TVIEW rows to patch.
\set k random(1, 99001)
\set r random(1, 1000000000)
UPDATE tb_post SET title = 'Bulk title v' || :r WHERE pk_post BETWEEN :k AND :k + 999;
