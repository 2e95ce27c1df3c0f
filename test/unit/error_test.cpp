// error_test.cpp: the pure C++ error value (SQLSTATE validation and packing).
#include "core/error.hpp"

#include <gtest/gtest.h>

namespace tviews {
namespace {

// PostgreSQL's MAKE_SQLSTATE, restated independently for the check.
int MakeSqlState(const char *s) {
    auto six = [](char c) { return (c - '0') & 0x3F; };
    return six(s[0]) + (six(s[1]) << 6) + (six(s[2]) << 12) + (six(s[3]) << 18) + (six(s[4]) << 24);
}

TEST(SqlState, PacksLikePostgres) {
    EXPECT_EQ(SqlState("0A000").Packed(), MakeSqlState("0A000"));
    EXPECT_EQ(SqlState("XX000").Packed(), MakeSqlState("XX000"));
    EXPECT_EQ(SqlState("42P16").Packed(), MakeSqlState("42P16"));
    EXPECT_EQ(SqlState("00000").Packed(), 0);
}

TEST(SqlState, NamedConstantsAreValid) {
    for (const SqlState &s : {sqlstate::kFeatureNotSupported, sqlstate::kInvalidParameterValue,
                              sqlstate::kWrongObjectType, sqlstate::kInvalidTableDefinition,
                              sqlstate::kObjectNotInPrerequisiteState, sqlstate::kOutOfMemory,
                              sqlstate::kInternalError})
        EXPECT_TRUE(SqlState::IsValid(s.c_str())) << s.c_str();
}

TEST(SqlState, ParseAcceptsOnlyFiveDigitsOrUpperCase) {
    SqlState out = sqlstate::kInternalError;
    EXPECT_TRUE(SqlState::Parse("22P02", &out));
    EXPECT_EQ(out, SqlState("22P02"));
    EXPECT_FALSE(SqlState::Parse("22p02", &out));
    EXPECT_FALSE(SqlState::Parse("2202", &out));
    EXPECT_FALSE(SqlState::Parse("220022", &out));
    EXPECT_FALSE(SqlState::Parse("22-02", &out));
    EXPECT_EQ(out, SqlState("22P02"));  // unchanged by failed parses
}

TEST(Error, CarriesEverythingAnErrorReportNeeds) {
    Error e(sqlstate::kFeatureNotSupported, "window functions are not supported", "in column 2", "remove it");
    EXPECT_STREQ(e.what(), "window functions are not supported");
    EXPECT_EQ(e.state(), sqlstate::kFeatureNotSupported);
    EXPECT_EQ(e.detail(), "in column 2");
    EXPECT_EQ(e.hint(), "remove it");
}

}  // namespace
}  // namespace tviews
