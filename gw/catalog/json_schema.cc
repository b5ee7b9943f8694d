#include "gw/catalog/json_schema.h"

#include <algorithm>
#include <cmath>

namespace gw::catalog {
namespace {

using protocol::JsonValue;
using protocol::Member;

constexpr int kMaxDepth = 64;  // schemas with cyclic $ref stop here instead of recursing forever

struct Validator {
  const JsonValue& root;
  int depth = 0;

  static bool IsType(const JsonValue& v, std::string_view type) {
    if (type == "object") return v.IsObject();
    if (type == "array") return v.IsArray();
    if (type == "string") return v.IsString();
    if (type == "boolean") return v.IsBool();
    if (type == "null") return v.IsNull();
    if (type == "number") return v.IsNumber();
    if (type == "integer") {
      if (v.IsInt64() || v.IsUint64()) return true;
      return v.IsDouble() && std::floor(v.GetDouble()) == v.GetDouble() &&
             std::isfinite(v.GetDouble());
    }
    return false;
  }

  static std::string Describe(const JsonValue& v) {
    std::string s = protocol::Serialize(v);
    if (s.size() > 40) s = s.substr(0, 37) + "...";
    return s;
  }

  static size_t Utf8Length(const JsonValue& v) {
    size_t n = 0;
    const char* s = v.GetString();
    for (rapidjson::SizeType i = 0; i < v.GetStringLength(); ++i) {
      if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) ++n;
    }
    return n;
  }

  const JsonValue* Resolve(std::string_view ref) const {
    if (ref.substr(0, 2) != "#/" && ref != "#") return nullptr;
    const JsonValue* node = &root;
    size_t pos = 2;
    while (ref != "#" && pos <= ref.size()) {
      size_t end = ref.find('/', pos);
      std::string token(
          ref.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos));
      // JSON Pointer escapes.
      for (size_t i; (i = token.find("~1")) != std::string::npos;) token.replace(i, 2, "/");
      for (size_t i; (i = token.find("~0")) != std::string::npos;) token.replace(i, 2, "~");
      node = Member(*node, token);
      if (!node) return nullptr;
      if (end == std::string_view::npos) break;
      pos = end + 1;
    }
    return node;
  }

  Status Fail(const std::string& path, const std::string& what) const {
    return InvalidArgument((path.empty() ? std::string("(root)") : path) + ": " + what);
  }

  Status Check(const JsonValue& schema, const JsonValue& v, const std::string& path) {
    if (schema.IsBool()) {
      return schema.GetBool() ? OkStatus() : Fail(path, "no value is allowed here");
    }
    if (!schema.IsObject()) return OkStatus();
    if (++depth > kMaxDepth) return Fail(path, "schema nests too deeply (cyclic $ref?)");
    Status s = CheckObjectSchema(schema, v, path);
    --depth;
    return s;
  }

  Status CheckObjectSchema(const JsonValue& schema, const JsonValue& v, const std::string& path) {
    if (auto ref = protocol::StringMember(schema, "$ref")) {
      const JsonValue* target = Resolve(*ref);
      if (!target) return Fail(path, "schema $ref '" + std::string(*ref) + "' cannot be resolved");
      GW_RETURN_IF_ERROR(Check(*target, v, path));
    }
    if (const JsonValue* type = Member(schema, "type")) {
      bool ok = false;
      std::string names;
      if (type->IsString()) {
        ok = IsType(v, protocol::AsView(*type));
        names = protocol::AsView(*type);
      } else if (type->IsArray()) {
        for (const JsonValue& t : type->GetArray()) {
          if (!t.IsString()) continue;
          ok = ok || IsType(v, protocol::AsView(t));
          names += (names.empty() ? "" : " or ") + std::string(protocol::AsView(t));
        }
      } else {
        ok = true;
      }
      if (!ok) {
        return Fail(path, "must be " + names + " (got " + std::string(protocol::TypeName(v)) + ")");
      }
    }
    if (const JsonValue* e = Member(schema, "enum"); e && e->IsArray()) {
      bool found = false;
      for (const JsonValue& option : e->GetArray()) found = found || option == v;
      if (!found)
        return Fail(path, "must be one of " + Describe(*e) + " (got " + Describe(v) + ")");
    }
    if (const JsonValue* c = Member(schema, "const"); c && !(*c == v)) {
      return Fail(path, "must be " + Describe(*c));
    }
    if (v.IsNumber()) GW_RETURN_IF_ERROR(CheckNumber(schema, v.GetDouble(), path));
    if (v.IsString()) {
      size_t len = Utf8Length(v);
      if (auto m = protocol::NumberMember(schema, "minLength"); m && len < *m) {
        return Fail(path, "must be at least " + Describe(*Member(schema, "minLength")) +
                              " characters long");
      }
      if (auto m = protocol::NumberMember(schema, "maxLength"); m && len > *m) {
        return Fail(
            path, "must be at most " + Describe(*Member(schema, "maxLength")) + " characters long");
      }
    }
    if (v.IsArray()) GW_RETURN_IF_ERROR(CheckArray(schema, v, path));
    if (v.IsObject()) GW_RETURN_IF_ERROR(CheckObject(schema, v, path));
    return CheckCombinators(schema, v, path);
  }

  Status CheckNumber(const JsonValue& schema, double x, const std::string& path) {
    auto bound = [&](const char* key) { return protocol::NumberMember(schema, key); };
    if (auto m = bound("minimum"); m && x < *m)
      return Fail(path, "must be >= " + Num(*m) + " (got " + Num(x) + ")");
    if (auto m = bound("maximum"); m && x > *m)
      return Fail(path, "must be <= " + Num(*m) + " (got " + Num(x) + ")");
    if (auto m = bound("exclusiveMinimum"); m && x <= *m)
      return Fail(path, "must be > " + Num(*m) + " (got " + Num(x) + ")");
    if (auto m = bound("exclusiveMaximum"); m && x >= *m)
      return Fail(path, "must be < " + Num(*m) + " (got " + Num(x) + ")");
    if (auto m = bound("multipleOf"); m && *m > 0) {
      double q = x / *m;
      if (std::fabs(q - std::round(q)) > 1e-9)
        return Fail(path, "must be a multiple of " + Num(*m));
    }
    return OkStatus();
  }

  static std::string Num(double x) {
    if (std::floor(x) == x && std::fabs(x) < 1e15) return std::to_string(static_cast<int64_t>(x));
    return std::to_string(x);
  }

  Status CheckArray(const JsonValue& schema, const JsonValue& v, const std::string& path) {
    rapidjson::SizeType n = v.Size();
    if (auto m = protocol::NumberMember(schema, "minItems"); m && n < *m)
      return Fail(path, "must have at least " + Num(*m) + " items");
    if (auto m = protocol::NumberMember(schema, "maxItems"); m && n > *m)
      return Fail(path, "must have at most " + Num(*m) + " items");
    rapidjson::SizeType first = 0;
    if (const JsonValue* prefix = protocol::ArrayMember(schema, "prefixItems")) {
      for (; first < prefix->Size() && first < n; ++first) {
        GW_RETURN_IF_ERROR(Check((*prefix)[first], v[first], path + "/" + std::to_string(first)));
      }
      first = prefix->Size();
    }
    if (const JsonValue* items = Member(schema, "items")) {
      for (rapidjson::SizeType i = first; i < n; ++i) {
        GW_RETURN_IF_ERROR(Check(*items, v[i], path + "/" + std::to_string(i)));
      }
    }
    if (protocol::BoolMember(schema, "uniqueItems").value_or(false)) {
      for (rapidjson::SizeType i = 0; i < n; ++i) {
        for (rapidjson::SizeType j = i + 1; j < n; ++j) {
          if (v[i] == v[j])
            return Fail(path, "items must be unique (" + std::to_string(i) + " and " +
                                  std::to_string(j) + " are equal)");
        }
      }
    }
    return OkStatus();
  }

  Status CheckObject(const JsonValue& schema, const JsonValue& v, const std::string& path) {
    if (const JsonValue* required = protocol::ArrayMember(schema, "required")) {
      for (const JsonValue& name : required->GetArray()) {
        if (name.IsString() && !Member(v, protocol::AsView(name))) {
          return Fail(path,
                      "missing required property '" + std::string(protocol::AsView(name)) + "'");
        }
      }
    }
    auto count = v.MemberCount();
    if (auto m = protocol::NumberMember(schema, "minProperties"); m && count < *m)
      return Fail(path, "must have at least " + Num(*m) + " properties");
    if (auto m = protocol::NumberMember(schema, "maxProperties"); m && count > *m)
      return Fail(path, "must have at most " + Num(*m) + " properties");
    const JsonValue* properties = protocol::ObjectMember(schema, "properties");
    const JsonValue* additional = Member(schema, "additionalProperties");
    for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
      std::string_view key = protocol::AsView(it->name);
      std::string child = path + "/" + std::string(key);
      const JsonValue* sub = properties ? Member(*properties, key) : nullptr;
      if (sub) {
        GW_RETURN_IF_ERROR(Check(*sub, it->value, child));
      } else if (additional) {
        if (additional->IsBool() && !additional->GetBool()) {
          return Fail(path, "unexpected property '" + std::string(key) + "'");
        }
        GW_RETURN_IF_ERROR(Check(*additional, it->value, child));
      }
    }
    return OkStatus();
  }

  Status CheckCombinators(const JsonValue& schema, const JsonValue& v, const std::string& path) {
    if (const JsonValue* all = protocol::ArrayMember(schema, "allOf")) {
      for (const JsonValue& s : all->GetArray()) GW_RETURN_IF_ERROR(Check(s, v, path));
    }
    if (const JsonValue* any = protocol::ArrayMember(schema, "anyOf")) {
      bool ok = false;
      for (const JsonValue& s : any->GetArray()) ok = ok || Check(s, v, path).has_value();
      if (!ok) return Fail(path, "must match at least one schema in anyOf");
    }
    if (const JsonValue* one = protocol::ArrayMember(schema, "oneOf")) {
      int matches = 0;
      for (const JsonValue& s : one->GetArray()) matches += Check(s, v, path).has_value() ? 1 : 0;
      if (matches != 1)
        return Fail(path, "must match exactly one schema in oneOf (matched " +
                              std::to_string(matches) + ")");
    }
    if (const JsonValue* n = Member(schema, "not"); n && Check(*n, v, path).has_value()) {
      return Fail(path, "must not match the schema in 'not'");
    }
    if (const JsonValue* cond = Member(schema, "if")) {
      const char* branch = Check(*cond, v, path).has_value() ? "then" : "else";
      if (const JsonValue* s = Member(schema, branch)) GW_RETURN_IF_ERROR(Check(*s, v, path));
    }
    return OkStatus();
  }
};

void FindUnsupported(const JsonValue& schema, std::vector<std::string>* out) {
  if (schema.IsObject()) {
    for (auto it = schema.MemberBegin(); it != schema.MemberEnd(); ++it) {
      std::string_view key = protocol::AsView(it->name);
      if ((key == "pattern" || key == "patternProperties" || key == "dependentSchemas" ||
           key == "unevaluatedProperties" || key == "$dynamicRef") &&
          std::find(out->begin(), out->end(), key) == out->end()) {
        out->emplace_back(key);
      }
      FindUnsupported(it->value, out);
    }
  } else if (schema.IsArray()) {
    for (const JsonValue& item : schema.GetArray()) FindUnsupported(item, out);
  }
}

}  // namespace

Result<JsonSchema> JsonSchema::Parse(std::string_view schema_json) {
  JsonSchema schema;
  auto doc = protocol::ParseJson(schema_json);
  if (!doc) return InvalidArgument("schema is not valid JSON: " + doc.error().message());
  if (!doc->IsObject() && !doc->IsBool())
    return InvalidArgument("a schema must be an object or a boolean");
  schema.doc_ = std::move(*doc);
  schema.text_ = std::string(schema_json);
  FindUnsupported(schema.doc_, &schema.unsupported_);
  return schema;
}

Status JsonSchema::Validate(const protocol::JsonValue& instance) const {
  Validator validator{doc_};
  return validator.Check(doc_, instance, "");
}

}  // namespace gw::catalog
