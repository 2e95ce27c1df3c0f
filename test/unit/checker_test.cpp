// checker_test.cpp: pg_tviews_check's front end (libpg_query) feeding the shared planner.
#include <gtest/gtest.h>

#include <variant>

#include "checker/front_end.hpp"
#include "checker/json.hpp"
#include "planner/planner.hpp"

using namespace tviews;

namespace {

const char *kSchema = R"(
CREATE TABLE tb_user (pk_user int PRIMARY KEY, name text, email text);
CREATE TABLE tb_post (pk_post int PRIMARY KEY, fk_user int REFERENCES tb_user, title text);
CREATE TABLE tb_comment (id int, fk_post int, body text);
ALTER TABLE tb_comment ADD CONSTRAINT tb_comment_pkey PRIMARY KEY (id);
CREATE INDEX ON tb_comment (fk_post);
CREATE FUNCTION shout(text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT upper($1) $$;
CREATE FUNCTION roll() RETURNS int LANGUAGE sql AS $$ SELECT 4 $$;
)";

checker::CheckedFiles Check(const std::string &definitions) {
    return checker::ReadFiles({{"schema.sql", kSchema}, {"tviews.sql", definitions}});
}

planner::PlanResult Plan(const checker::TviewDefinition &def) { return planner::BuildPlan(def.shape); }

}  // namespace

TEST(CheckerJson, ReadsParseTrees) {
    checker::Json j = checker::ParseJson(R"({"a": [1, -2.5e1, "x\n\u00e9\"", true, false, null], "b": {}})");
    EXPECT_EQ(j["a"].at(0).integer(), 1);
    EXPECT_EQ(j["a"].at(1).number, -25);
    EXPECT_EQ(j["a"].at(2).str(), "x\n\xc3\xa9\"");
    EXPECT_TRUE(j["a"].at(3).boolean);
    EXPECT_TRUE(j["a"].at(5).is_null());
    EXPECT_TRUE(j["missing"]["deeper"].is_null());
    EXPECT_THROW(checker::ParseJson("{\"a\": }"), std::runtime_error);
    EXPECT_THROW(checker::ParseJson("[1, 2"), std::runtime_error);
}

TEST(Checker, AcceptsJoinsDocumentsAndChildAggregates) {
    auto files = Check(R"(
CREATE TABLE tv_post USING tview_am AS
SELECT p.pk_post, p.fk_user,
       jsonb_build_object('title', shout(p.title), 'author', jsonb_build_object('name', u.name),
                          'n', (SELECT count(*) FROM tb_comment c WHERE c.fk_post = p.pk_post)) AS data
  FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user;
SELECT pg_tviews_create('tv_user', 'SELECT u.pk_user, (SELECT count(*) FROM tv_post t WHERE t.fk_user = u.pk_user) AS n FROM tb_user u');
)");
    ASSERT_TRUE(files.errors.empty());
    ASSERT_EQ(files.tviews.size(), 2u);
    for (const auto &def : files.tviews) {
        ASSERT_TRUE(def.problems.empty()) << def.problems.front();
        auto result = Plan(def);
        EXPECT_TRUE(std::holds_alternative<planner::RefreshPlan>(result)) << def.name << ": "
            << std::get<planner::Refusal>(result).message;
    }
    EXPECT_EQ(files.tviews[0].at.line, 2);
    EXPECT_EQ(files.tviews[1].name, "tv_user");
    planner::PlanResult first = Plan(files.tviews[0]);
    EXPECT_EQ(std::get<planner::RefreshPlan>(first).nodes.size(), 3u);
}

TEST(Checker, RefusesWithTheServersReasons) {
    auto files = Check(R"(
CREATE TABLE tv_fanout USING tview_am AS SELECT p.pk_post, c.body FROM tb_post p JOIN tb_comment c ON c.fk_post = p.pk_post;
CREATE TABLE tv_random USING tview_am AS SELECT p.pk_post, roll() AS r FROM tb_post p;
CREATE TABLE tv_grouped USING tview_am AS SELECT p.fk_user, count(*) AS n FROM tb_post p GROUP BY p.fk_user;
CREATE TABLE tv_right USING tview_am AS SELECT p.pk_post FROM tb_post p RIGHT JOIN tb_user u ON u.pk_user = p.fk_user;
)");
    ASSERT_EQ(files.tviews.size(), 4u);
    for (const auto &def : files.tviews) {
        auto result = Plan(def);
        ASSERT_TRUE(std::holds_alternative<planner::Refusal>(result)) << def.name;
        EXPECT_STREQ(std::get<planner::Refusal>(result).state.c_str(), "0A000") << def.name;
    }
    planner::PlanResult fanout = Plan(files.tviews[0]), grouped = Plan(files.tviews[2]);
    EXPECT_NE(std::get<planner::Refusal>(fanout).message.find("would repeat rows"), std::string::npos);
    EXPECT_NE(std::get<planner::Refusal>(grouped).message.find("GROUP BY"), std::string::npos);
}

TEST(Checker, NamesWhatItCannotFind) {
    auto files = Check("CREATE TABLE tv_x USING tview_am AS SELECT p.nope FROM tb_post p;\n"
                       "CREATE TABLE tv_y USING tview_am AS SELECT x.id FROM no_such x;\n");
    ASSERT_EQ(files.tviews.size(), 2u);
    ASSERT_FALSE(files.tviews[0].problems.empty());
    EXPECT_NE(files.tviews[0].problems[0].find("tviews.sql:1:"), std::string::npos);
    EXPECT_NE(files.tviews[0].problems[0].find("p.nope does not exist"), std::string::npos);
    EXPECT_NE(files.tviews[1].problems[0].find("relation \"no_such\" does not exist"), std::string::npos);
}

TEST(Checker, ReportsFilesThatDoNotParse) {
    auto files = checker::ReadFiles({{"broken.sql", "CREATE TABLE t (id int);\nSELEC 1;\n"}});
    ASSERT_EQ(files.errors.size(), 1u);
    EXPECT_NE(files.errors[0].find("broken.sql:2:"), std::string::npos) << files.errors[0];
}

TEST(Checker, SurvivesGarbage) {
    // Whatever the text, the checker answers (a parse error or verdicts), never crashes.
    const char *inputs[] = {"", ";;;", "CREATE TABLE tv USING tview_am AS SELECT", "SELECT pg_tviews_create()",
                            "SELECT pg_tviews_create('a', 'garbage')", "SELECT pg_tviews_create(1, 2)",
                            "CREATE TABLE tv USING tview_am AS SELECT (SELECT 1, 2) AS x",
                            "CREATE TABLE tv USING tview_am AS SELECT * FROM (SELECT 1) s",
                            "CREATE TABLE t (a int); CREATE TABLE tv USING tview_am AS SELECT t.* FROM t"};
    for (const char *text : inputs) {
        auto files = checker::ReadFiles({{"g.sql", text}});
        for (const auto &def : files.tviews)
            if (def.problems.empty()) (void)planner::BuildPlan(def.shape);
    }
    SUCCEED();
}

namespace {

// The verdict the checker gives a TVIEW definition: "accepted", or the SQLSTATE and
// message of the refusal (the server's reason), or "error: ..." when the checker cannot tell.
std::string Verdict(const checker::TviewDefinition &def) {
    if (def.skipped) return "skipped";
    if (!def.problems.empty())
        return def.problem_state.empty() ? "error: " + def.problems.front() : def.problem_state + " " + def.problem_message;
    planner::PlanResult result = planner::PlanForCreate(def.shape);
    if (auto *refusal = std::get_if<planner::Refusal>(&result)) return std::string(refusal->state.c_str()) + " " + refusal->message;
    return "accepted";
}

std::vector<std::string> Verdicts(const std::string &sql) {
    std::vector<std::string> out;
    for (const auto &def : checker::ReadFiles({{"m.sql", sql}}).tviews) out.push_back(Verdict(def));
    return out;
}

}  // namespace

TEST(CheckerSchema, FollowsSearchPathSchemasAndSessions) {
    auto v = Verdicts(R"(
CREATE SCHEMA app;
SET search_path = app, public;
CREATE TABLE item (id int PRIMARY KEY, name text);
CREATE TABLE tv_item USING tview_am AS SELECT id, name FROM item;      -- app.item
RESET search_path;
CREATE TABLE tv_other USING tview_am AS SELECT id, name FROM item;     -- public has no item
CREATE TABLE tv_again USING tview_am AS SELECT id, name FROM app.item;
CREATE TABLE nowhere.tv USING tview_am AS SELECT id FROM app.item;
)");
    ASSERT_EQ(v.size(), 4u);
    EXPECT_EQ(v[0], "accepted");
    EXPECT_EQ(v[1], "42P01 relation \"item\" does not exist");
    EXPECT_EQ(v[2], "accepted");
    EXPECT_EQ(v[3], "3F000 schema \"nowhere\" does not exist");
}

TEST(CheckerSchema, FollowsAlterDropRenameAndRollback) {
    auto v = Verdicts(R"(
CREATE TABLE a (id int PRIMARY KEY, name text);
ALTER TABLE a ADD COLUMN extra text;
CREATE TABLE tv_a USING tview_am AS SELECT id, extra FROM a;
CREATE TABLE tv_a USING tview_am AS SELECT id FROM a;                  -- the name is taken
CREATE TABLE IF NOT EXISTS tv_a USING tview_am AS SELECT id FROM a;    -- skipped, as the server does
DROP TABLE a CASCADE;                                                  -- takes tv_a with it
CREATE TABLE a (id int PRIMARY KEY, label text);
ALTER TABLE a RENAME COLUMN label TO title;
CREATE TABLE tv_a USING tview_am AS SELECT id, title FROM a;
BEGIN;
ALTER TABLE a DROP COLUMN title;
ROLLBACK;
CREATE TABLE tv_b USING tview_am AS SELECT id, title FROM a;
ALTER TABLE a DROP COLUMN title;
CREATE TABLE tv_c USING tview_am AS SELECT id, title FROM a;
)");
    ASSERT_EQ(v.size(), 6u);
    EXPECT_EQ(v[0], "accepted");
    EXPECT_EQ(v[1], "42P07 relation \"tv_a\" already exists");
    EXPECT_EQ(v[2], "skipped");
    EXPECT_EQ(v[3], "accepted");
    EXPECT_EQ(v[4], "accepted");
    EXPECT_EQ(v[5], "42703 column \"title\" does not exist");
}

TEST(CheckerSchema, KnowsTypesRolesAndKindsOfRelation) {
    auto v = Verdicts(R"(
CREATE DOMAIN user_id AS integer;
CREATE TABLE u (id user_id PRIMARY KEY, name text);
CREATE TABLE p (id int PRIMARY KEY, fk_user int, fk_big bigint);
CREATE TABLE tv1 USING tview_am AS SELECT p.id, u.name FROM p JOIN u ON u.id = p.fk_user;
CREATE TABLE tv2 USING tview_am AS SELECT p.id, u.name FROM p JOIN u ON u.id = p.fk_big;
CREATE ROLE reader;
CREATE TABLE secret (id int PRIMARY KEY, name text, pin text);
GRANT SELECT (id, name) ON secret TO reader;
SET ROLE reader;
CREATE TABLE tv3 USING tview_am AS SELECT id, name FROM secret;
CREATE TABLE tv4 USING tview_am AS SELECT id, pin FROM secret;
RESET ROLE;
ALTER TABLE secret ENABLE ROW LEVEL SECURITY;
CREATE TABLE tv5 USING tview_am AS SELECT id FROM secret;              -- a superuser bypasses it
GRANT SELECT ON secret TO reader;
SET ROLE reader;
CREATE TABLE tv6 USING tview_am AS SELECT id FROM secret;
RESET ROLE;
CREATE MATERIALIZED VIEW mv AS SELECT id, name FROM u;
CREATE TABLE tv7 USING tview_am AS SELECT id, name FROM mv;
CREATE TEMP TABLE scratch (id int PRIMARY KEY);
CREATE TABLE tv8 USING tview_am AS SELECT id FROM scratch;
CREATE TEMP TABLE tv9 USING tview_am AS SELECT id FROM scratch;
)");
    ASSERT_EQ(v.size(), 9u);
    EXPECT_EQ(v[0], "accepted");
    EXPECT_EQ(v[1], "0A000 join columns of different types are not supported in a TVIEW definition");
    EXPECT_EQ(v[2], "accepted");
    EXPECT_EQ(v[3], "42501 permission denied for table public.secret");
    EXPECT_EQ(v[4], "accepted");
    EXPECT_EQ(v[5], "0A000 row-level security of table public.secret applies to the creator");
    EXPECT_EQ(v[6], "0A000 materialized view mv cannot be a source of a TVIEW");
    EXPECT_EQ(v[7], "0A000 a TVIEW over temporary table scratch must be temporary");
    EXPECT_EQ(v[8], "accepted");
}

TEST(CheckerSchema, ReadsViewsStarsAndBuiltins) {
    auto v = Verdicts(R"(
CREATE TABLE t (id int PRIMARY KEY, name text, at timestamptz);
CREATE VIEW live AS SELECT * FROM t WHERE at IS NOT NULL;
CREATE TABLE tv1 USING tview_am AS SELECT * FROM live;
CREATE TABLE tv2 USING tview_am AS SELECT id, generate_series(1, 2) AS g FROM t;
CREATE TABLE tv3 USING tview_am AS SELECT id, clock_timestamp() AS c FROM t;
CREATE TABLE tv4 USING tview_am AS SELECT id, current_date AS d FROM t;
CREATE TABLE tv5 USING tview_am AS SELECT g AS id FROM generate_series(1, 3) g;
CREATE TABLE tv6 USING tview_am AS WITH w AS (SELECT id FROM t) SELECT id FROM w;
SELECT pg_tviews_create('tv7', 'SELECT id FROM t; DROP TABLE t');
SELECT pg_tviews_create(NULL, 'SELECT id FROM t');
SELECT pg_tviews_create('a.b.c.d', 'SELECT id FROM t');
CREATE TABLE tv8 USING tview_am AS SELECT oid FROM pg_class;
)");
    ASSERT_EQ(v.size(), 10u);
    EXPECT_EQ(v[0], "accepted");
    EXPECT_EQ(v[1], "0A000 set-returning function in the select list is not supported in a TVIEW definition");
    EXPECT_EQ(v[2], "0A000 volatile function clock_timestamp is not supported in a TVIEW definition");
    EXPECT_EQ(v[3], "0A000 current_date is not supported in a TVIEW definition");
    EXPECT_EQ(v[4], "0A000 set-returning function in FROM is not supported in a TVIEW definition");
    EXPECT_EQ(v[5], "0A000 WITH is not supported in a TVIEW definition");
    EXPECT_EQ(v[6], "22023 pg_tviews_create() needs exactly one SELECT query");
    EXPECT_EQ(v[7], "22004 pg_tviews_create() needs a name and a query");
    EXPECT_EQ(v[8], "42601 improper relation name (too many dotted names): a.b.c.d");
    EXPECT_EQ(v[9], "42501 permission denied: \"pg_class\" is a system catalog");
}

TEST(CheckerSchema, ChecksNewDefinitionsOfTviews) {
    auto files = checker::ReadFiles({{"m.sql", R"(
CREATE TABLE u (id int PRIMARY KEY, name text);
CREATE TABLE p (id int PRIMARY KEY, fk_user int, title text);
CREATE TABLE tv USING tview_am AS SELECT p.id, p.fk_user, jsonb_build_object('title', p.title) AS data FROM p;
SELECT pg_tviews_alter('tv', 'SELECT p.id, p.fk_user, jsonb_build_object(''title'', p.title, ''by'', u.name) AS data FROM p JOIN u ON u.id = p.fk_user');
SELECT pg_tviews_alter('tv', 'SELECT p.id, p.fk_user, p.title AS data FROM p');
SELECT pg_tviews_alter('tv', 'SELECT p.fk_user AS id, p.id AS fk_user, to_jsonb(p.title) AS data FROM p');
SELECT pg_tviews_alter('p', 'SELECT 1');
SELECT pg_tviews_alter('tv', NULL);
CREATE ROLE other;
SET ROLE other;
SELECT pg_tviews_alter('tv', 'SELECT p.id, p.fk_user, to_jsonb(p.title) AS data FROM p');
RESET ROLE;
DROP TABLE u CASCADE;                                   -- the new definition reads u: tv goes too
CREATE TABLE tv USING tview_am AS SELECT id FROM p;
)"}}).tviews;
    std::vector<std::string> v;
    for (const auto &def : files) v.push_back(Verdict(def));
    ASSERT_EQ(v.size(), 8u);
    EXPECT_EQ(v[0], "accepted");
    EXPECT_EQ(v[1], "accepted");
    EXPECT_EQ(v[2], "42P16 the new definition of TVIEW tv has other columns");
    EXPECT_EQ(files[2].problem_detail, "Column 3 is data jsonb in the TVIEW and data text in the new definition.");
    EXPECT_EQ(v[3], "42P16 the new definition of TVIEW tv has another key");
    EXPECT_EQ(v[4], "42809 \"p\" is not a TVIEW");
    EXPECT_EQ(v[5], "22004 pg_tviews_alter() needs a TVIEW and a query");
    EXPECT_EQ(v[6], "42501 must be owner of TVIEW tv");
    EXPECT_EQ(v[7], "accepted");
}

TEST(CheckerSchema, StopsOnQueriesThatReachThemselves) {
    auto v = Verdicts(R"(
CREATE TABLE t (id int PRIMARY KEY, fk int);
CREATE VIEW v AS SELECT t.id, w.id AS other FROM t JOIN v w ON w.id = t.fk;
CREATE TABLE tv1 USING tview_am AS SELECT id, other FROM v;
CREATE TABLE tv2 USING tview_am AS WITH w AS (SELECT * FROM w) SELECT id FROM w;
SELECT pg_tviews_alter('no_such_tview', 'this is not SQL');
)");
    ASSERT_EQ(v.size(), 3u);
    EXPECT_EQ(v[0], "42P17 infinite recursion detected in rules for relation \"v\"");
    EXPECT_EQ(v[1], "42P01 relation \"w\" does not exist");
    EXPECT_EQ(v[2], "42P01 relation \"no_such_tview\" does not exist");  // the TVIEW first, as the server
}

// Counters are a planner rule, so the checker's plans carry them as the server's do: counts and
// integer sums of a subquery's child rows correlated only by its edge, bare or in COALESCE(x, 0).
TEST(Checker, FindsCounters) {
    auto files = Check(R"(
CREATE TABLE tv_counts USING tview_am AS
SELECT p.pk_post,
       (SELECT count(*) FROM tb_comment c WHERE c.fk_post = p.pk_post) AS n,
       COALESCE((SELECT sum(c.id) FROM tb_comment c WHERE c.fk_post = p.pk_post), 0) AS s,
       (SELECT count(c.body) FROM tb_comment c WHERE c.fk_post = p.pk_post) AS nb,
       (SELECT count(DISTINCT c.body) FROM tb_comment c WHERE c.fk_post = p.pk_post) AS distinct_bodies,
       (SELECT count(*) FROM tb_comment c WHERE c.fk_post = p.pk_post AND c.body <> '') AS filtered,
       COALESCE((SELECT sum(c.id) FROM tb_comment c WHERE c.fk_post = p.pk_post), 1) AS not_zero
  FROM tb_post p;
)");
    ASSERT_TRUE(files.errors.empty());
    ASSERT_EQ(files.tviews.size(), 1u);
    auto result = Plan(files.tviews[0]);
    ASSERT_TRUE(std::holds_alternative<planner::RefreshPlan>(result)) << std::get<planner::Refusal>(result).message;
    const auto &plan = std::get<planner::RefreshPlan>(result);
    using Kind = planner::Counter::Kind;
    std::vector<Kind> kinds;
    for (const auto &leaf : plan.leaves) kinds.push_back(leaf.counter.kind);
    EXPECT_EQ(kinds, (std::vector<Kind>{Kind::kNone, Kind::kCountStar, Kind::kSumInt, Kind::kCountColumn, Kind::kNone,
                                        Kind::kNone, Kind::kNone}));
    const planner::Leaf &sum = plan.leaves[2];
    EXPECT_EQ(sum.counter.attno, 1);
    EXPECT_GT(plan.nodes[sum.counter.node].scope, 0);  // the rows its subquery aggregates
    EXPECT_NE(sum.counter.node, plan.leaves[1].counter.node);
}
