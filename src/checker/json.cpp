// json.cpp: see json.hpp.
#include "checker/json.hpp"

#include <cstdlib>
#include <stdexcept>

namespace tviews::checker {

namespace {

const Json kNull;

class Reader {
public:
    explicit Reader(const std::string &text) : s_(text) {}

    Json Document() {
        Json value = Value();
        Space();
        if (i_ != s_.size()) Fail("trailing characters");
        return value;
    }

private:
    [[noreturn]] void Fail(const char *what) { throw std::runtime_error(std::string("bad JSON: ") + what); }

    void Space() {
        while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\t' || s_[i_] == '\r')) i_++;
    }

    bool Take(char c) {
        Space();
        if (i_ < s_.size() && s_[i_] == c) {
            i_++;
            return true;
        }
        return false;
    }

    void Expect(char c) {
        if (!Take(c)) Fail("unexpected character");
    }

    Json Value() {
        Space();
        if (i_ >= s_.size()) Fail("unexpected end");
        Json v;
        char c = s_[i_];
        if (c == '{') {
            i_++;
            v.kind = Json::Kind::kObject;
            if (Take('}')) return v;
            do {
                Space();
                std::string key = String();
                Expect(':');
                v.object[key] = Value();
            } while (Take(','));
            Expect('}');
        } else if (c == '[') {
            i_++;
            v.kind = Json::Kind::kArray;
            if (Take(']')) return v;
            do v.array.push_back(Value());
            while (Take(','));
            Expect(']');
        } else if (c == '"') {
            v.kind = Json::Kind::kString;
            v.string = String();
        } else if (s_.compare(i_, 4, "true") == 0) {
            i_ += 4;
            v.kind = Json::Kind::kBool;
            v.boolean = true;
        } else if (s_.compare(i_, 5, "false") == 0) {
            i_ += 5;
            v.kind = Json::Kind::kBool;
        } else if (s_.compare(i_, 4, "null") == 0) {
            i_ += 4;
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            size_t start = i_;
            while (i_ < s_.size() && std::string("+-0123456789.eE").find(s_[i_]) != std::string::npos) i_++;
            v.kind = Json::Kind::kNumber;
            v.number = std::strtod(s_.substr(start, i_ - start).c_str(), nullptr);
        } else {
            Fail("unexpected character");
        }
        return v;
    }

    static void Utf8(std::string &out, unsigned cp) {
        if (cp < 0x80) {
            out += static_cast<char>(cp);
        } else if (cp < 0x800) {
            out += static_cast<char>(0xC0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out += static_cast<char>(0xE0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
            out += static_cast<char>(0xF0 | (cp >> 18));
            out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        }
    }

    unsigned Hex4() {
        if (i_ + 4 > s_.size()) Fail("short \\u escape");
        unsigned cp = static_cast<unsigned>(std::strtoul(s_.substr(i_, 4).c_str(), nullptr, 16));
        i_ += 4;
        return cp;
    }

    std::string String() {
        if (i_ >= s_.size() || s_[i_] != '"') Fail("expected a string");
        i_++;
        std::string out;
        while (i_ < s_.size() && s_[i_] != '"') {
            char c = s_[i_++];
            if (c != '\\') {
                out += c;
                continue;
            }
            if (i_ >= s_.size()) Fail("unterminated escape");
            char e = s_[i_++];
            switch (e) {
                case 'n': out += '\n'; break;
                case 't': out += '\t'; break;
                case 'r': out += '\r'; break;
                case 'b': out += '\b'; break;
                case 'f': out += '\f'; break;
                case 'u': {
                    unsigned cp = Hex4();
                    if (cp >= 0xD800 && cp < 0xDC00 && s_.compare(i_, 2, "\\u") == 0) {
                        i_ += 2;
                        unsigned low = Hex4();
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                    }
                    Utf8(out, cp);
                    break;
                }
                default: out += e; break;
            }
        }
        if (i_ >= s_.size()) Fail("unterminated string");
        i_++;
        return out;
    }

    const std::string &s_;
    size_t i_ = 0;
};

}  // namespace

const Json &Json::operator[](const std::string &key) const {
    if (kind != Kind::kObject) return kNull;
    auto it = object.find(key);
    return it == object.end() ? kNull : it->second;
}

const Json &Json::at(size_t i) const { return kind == Kind::kArray && i < array.size() ? array[i] : kNull; }

std::string Json::node_type() const {
    return kind == Kind::kObject && object.size() == 1 ? object.begin()->first : std::string();
}

const Json &Json::node() const { return kind == Kind::kObject && object.size() == 1 ? object.begin()->second : kNull; }

Json ParseJson(const std::string &text) { return Reader(text).Document(); }

}  // namespace tviews::checker
