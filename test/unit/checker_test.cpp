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
