// error.hpp: the error value pure C++ code throws.
//
// Regime: pure C++ (no PostgreSQL headers). Code on the C++ side of the boundary reports a
// failure by throwing tviews::Error, which carries everything a PostgreSQL ERROR carries
// (SQLSTATE, message, detail, hint). The boundary guard (src/boundary/guard.hpp) turns it into
// an ereport(ERROR) once every C++ frame between it and PostgreSQL has been unwound.
#pragma once

#include <exception>
#include <string>
#include <string_view>

namespace tviews {

// A five-character SQLSTATE such as "0A000". Validated on construction so a typo in a
// SQLSTATE literal is caught by the unit tests rather than reported to users as XX000.
class SqlState {
public:
    constexpr SqlState(const char (&code)[6]) : code_{code[0], code[1], code[2], code[3], code[4], '\0'} {}
    static bool IsValid(std::string_view code);
    // Parses a user-supplied code; returns false if it is not five digits/uppercase letters.
    static bool Parse(std::string_view text, SqlState *out);

    const char *c_str() const { return code_; }
    // The same packing PostgreSQL's MAKE_SQLSTATE uses, so the value can be handed to errcode().
    int Packed() const;
    bool operator==(const SqlState &other) const;

private:
    constexpr SqlState() : code_{'0', '0', '0', '0', '0', '\0'} {}
    char code_[6];
};

namespace sqlstate {
inline constexpr SqlState kFeatureNotSupported{"0A000"};
inline constexpr SqlState kInvalidParameterValue{"22023"};
inline constexpr SqlState kWrongObjectType{"42809"};
inline constexpr SqlState kInvalidTableDefinition{"42P16"};
inline constexpr SqlState kObjectNotInPrerequisiteState{"55000"};
inline constexpr SqlState kOutOfMemory{"53200"};
inline constexpr SqlState kInternalError{"XX000"};
inline constexpr SqlState kTriggerProtocolViolated{"39P01"};
inline constexpr SqlState kInsufficientPrivilege{"42501"};
}  // namespace sqlstate

class Error : public std::exception {
public:
    Error(SqlState state, std::string message, std::string detail = {}, std::string hint = {})
        : state_(state), message_(std::move(message)), detail_(std::move(detail)), hint_(std::move(hint)) {}

    const char *what() const noexcept override { return message_.c_str(); }
    const SqlState &state() const { return state_; }
    const std::string &message() const { return message_; }
    const std::string &detail() const { return detail_; }
    const std::string &hint() const { return hint_; }

private:
    SqlState state_;
    std::string message_;
    std::string detail_;
    std::string hint_;
};

}  // namespace tviews
