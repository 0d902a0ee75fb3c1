//===- Json.cpp - a small JSON reader for the runtime ----------------------===//

#include "Json.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace bertc::rt {

const JsonValue *JsonValue::get(const std::string &key) const {
  if (kind != Object)
    return nullptr;
  for (const auto &kv : object)
    if (kv.first == key)
      return &kv.second;
  return nullptr;
}

namespace {
constexpr int kMaxDepth = 64;

struct Parser {
  const char *p, *end, *begin;
  std::string &error;

  bool fail(const std::string &msg) {
    error = msg + " at byte " + std::to_string(p - begin);
    return false;
  }
  void ws() {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
      ++p;
  }
  bool lit(const char *word) {
    size_t n = std::strlen(word);
    if ((size_t)(end - p) < n || std::memcmp(p, word, n) != 0)
      return false;
    p += n;
    return true;
  }
  /// Copies one well-formed multi-byte UTF-8 sequence at p (RFC 3629: no
  /// overlong forms, no surrogates, nothing above U+10FFFF).
  bool utf8Sequence(std::string &out) {
    unsigned char c = (unsigned char)*p;
    int n = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : -1;
    if (n < 0 || c > 0xF4 || c == 0xC0 || c == 0xC1 || end - p <= n)
      return false;
    uint32_t cp = c & (0x3F >> n);
    for (int i = 1; i <= n; ++i) {
      unsigned char t = (unsigned char)p[i];
      if ((t & 0xC0) != 0x80)
        return false;
      cp = (cp << 6) | (t & 0x3F);
    }
    static const uint32_t minimum[] = {0, 0x80, 0x800, 0x10000};
    if (cp < minimum[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000))
      return false;
    out.append(p, p + n + 1);
    p += n + 1;
    return true;
  }
  static void utf8(std::string &out, uint32_t cp) {
    if (cp < 0x80) {
      out += (char)cp;
    } else if (cp < 0x800) {
      out += (char)(0xC0 | (cp >> 6));
      out += (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += (char)(0xE0 | (cp >> 12));
      out += (char)(0x80 | ((cp >> 6) & 0x3F));
      out += (char)(0x80 | (cp & 0x3F));
    } else {
      out += (char)(0xF0 | (cp >> 18));
      out += (char)(0x80 | ((cp >> 12) & 0x3F));
      out += (char)(0x80 | ((cp >> 6) & 0x3F));
      out += (char)(0x80 | (cp & 0x3F));
    }
  }
  bool hex4(uint32_t &v) {
    if (end - p < 4)
      return fail("truncated \\u escape");
    v = 0;
    for (int i = 0; i < 4; ++i, ++p) {
      char c = *p;
      v <<= 4;
      if (c >= '0' && c <= '9')
        v |= c - '0';
      else if (c >= 'a' && c <= 'f')
        v |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F')
        v |= c - 'A' + 10;
      else
        return fail("bad \\u escape");
    }
    return true;
  }
  bool str(std::string &out) {
    ++p; // opening quote
    while (true) {
      if (p >= end)
        return fail("unterminated string");
      unsigned char c = (unsigned char)*p;
      if (c == '"') {
        ++p;
        return true;
      }
      if (c < 0x20)
        return fail("control character in string");
      if (c >= 0x80) {
        if (!utf8Sequence(out))
          return fail("invalid UTF-8 in string");
        continue;
      }
      if (c != '\\') {
        out += (char)c;
        ++p;
        continue;
      }
      if (++p >= end)
        return fail("unterminated escape");
      char e = *p++;
      switch (e) {
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      case '/': out += '/'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        uint32_t cp = 0;
        if (!hex4(cp))
          return false;
        if (cp >= 0xD800 && cp < 0xDC00) {
          uint32_t lo = 0;
          if (!lit("\\u") || !hex4(lo) || lo < 0xDC00 || lo > 0xDFFF)
            return fail("bad surrogate pair");
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        } else if (cp >= 0xDC00 && cp < 0xE000) {
          return fail("lone low surrogate");
        }
        utf8(out, cp);
        break;
      }
      default:
        return fail("bad escape");
      }
    }
  }
  bool num(JsonValue &v) {
    const char *s = p;
    if (p < end && *p == '-')
      ++p;
    if (p >= end || !(*p >= '0' && *p <= '9'))
      return fail("bad number");
    bool integer = true;
    while (p < end && ((*p >= '0' && *p <= '9') || *p == '.' || *p == 'e' ||
                       *p == 'E' || *p == '+' || *p == '-')) {
      if (*p == '.' || *p == 'e' || *p == 'E')
        integer = false;
      ++p;
    }
    std::string text(s, p);
    char *stop = nullptr;
    v.kind = JsonValue::Number;
    v.number = std::strtod(text.c_str(), &stop);
    if (stop != text.c_str() + text.size())
      return fail("bad number");
    v.isInteger = integer;
    if (integer) {
      errno = 0;
      long long i = std::strtoll(text.c_str(), &stop, 10);
      if (errno == ERANGE)
        v.isInteger = false; // out of int64: keep only the double
      else
        v.integer = i;
    }
    return true;
  }
  bool value(JsonValue &v, int depth) {
    if (depth > kMaxDepth)
      return fail("nesting too deep");
    ws();
    if (p >= end)
      return fail("unexpected end of input");
    char c = *p;
    if (c == '{') {
      v.kind = JsonValue::Object;
      ++p;
      ws();
      if (p < end && *p == '}') {
        ++p;
        return true;
      }
      while (true) {
        ws();
        if (p >= end || *p != '"')
          return fail("expected a string key");
        std::string key;
        if (!str(key))
          return false;
        if (v.get(key))
          return fail("duplicate key '" + key + "'");
        ws();
        if (p >= end || *p != ':')
          return fail("expected ':'");
        ++p;
        JsonValue child;
        if (!value(child, depth + 1))
          return false;
        v.object.emplace_back(std::move(key), std::move(child));
        ws();
        if (p < end && *p == ',') {
          ++p;
          continue;
        }
        if (p < end && *p == '}') {
          ++p;
          return true;
        }
        return fail("expected ',' or '}'");
      }
    }
    if (c == '[') {
      v.kind = JsonValue::Array;
      ++p;
      ws();
      if (p < end && *p == ']') {
        ++p;
        return true;
      }
      while (true) {
        JsonValue child;
        if (!value(child, depth + 1))
          return false;
        v.array.push_back(std::move(child));
        ws();
        if (p < end && *p == ',') {
          ++p;
          continue;
        }
        if (p < end && *p == ']') {
          ++p;
          return true;
        }
        return fail("expected ',' or ']'");
      }
    }
    if (c == '"') {
      v.kind = JsonValue::String;
      return str(v.string);
    }
    if (lit("true")) {
      v.kind = JsonValue::Bool;
      v.boolean = true;
      return true;
    }
    if (lit("false")) {
      v.kind = JsonValue::Bool;
      return true;
    }
    if (lit("null"))
      return true;
    return num(v);
  }
};
} // namespace

bool parseJson(const char *text, size_t size, JsonValue &out,
               std::string &error) {
  Parser parser{text, text + size, text, error};
  if (!parser.value(out, 0))
    return false;
  parser.ws();
  if (parser.p != parser.end)
    return parser.fail("trailing characters");
  return true;
}

void appendJsonString(std::string &out, const std::string &s) {
  out += '"';
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += (char)c;
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += (char)c;
    }
  }
  out += '"';
}

} // namespace bertc::rt
