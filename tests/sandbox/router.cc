#include "tests/sandbox/router.h"

#include <algorithm>

#include "absl/strings/str_split.h"

namespace sandbox {
namespace {

bool IsParam(const std::string& segment) {
  return segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
}

}  // namespace

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string DecodeComponent(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%' && i + 2 < text.size() &&
               HexValue(text[i + 1]) >= 0 && HexValue(text[i + 2]) >= 0) {
      out +=
          static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

}  // namespace

std::multimap<std::string, std::string> ParseQuery(const std::string& target) {
  std::multimap<std::string, std::string> query;
  size_t question = target.find('?');
  if (question == std::string::npos) return query;
  for (absl::string_view pair :
       absl::StrSplit(target.substr(question + 1), '&', absl::SkipEmpty())) {
    size_t eq = pair.find('=');
    std::string name(pair.substr(0, eq));
    std::string value(eq == absl::string_view::npos ? "" : pair.substr(eq + 1));
    query.emplace(DecodeComponent(name), DecodeComponent(value));
  }
  return query;
}

std::vector<std::string> SplitPath(const std::string& path) {
  if (path.empty() || path[0] != '/') return {path};
  return absl::StrSplit(path.substr(1), '/');
}

absl::Status Router::Add(const std::string& method,
                         const std::string& path_template,
                         const std::string& target) {
  if (path_template.empty() || path_template[0] != '/') {
    return absl::InvalidArgumentError("path template must start with '/': " +
                                      path_template);
  }
  for (const Route& r : routes_) {
    if (r.method == method && r.path_template == path_template) {
      return absl::AlreadyExistsError("duplicate route " + method + " " +
                                      path_template);
    }
  }
  routes_.push_back(
      Route{method, path_template, SplitPath(path_template), target});
  return absl::OkStatus();
}

bool Router::Matches(const Route& route,
                     const std::vector<std::string>& segments) {
  if (route.segments.size() != segments.size()) return false;
  for (size_t i = 0; i < segments.size(); ++i) {
    if (IsParam(route.segments[i])) {
      if (segments[i].empty()) return false;
    } else if (route.segments[i] != segments[i]) {
      return false;
    }
  }
  return true;
}

bool Router::MoreSpecific(const Route& a, const Route& b) {
  for (size_t i = 0; i < a.segments.size() && i < b.segments.size(); ++i) {
    bool a_literal = !IsParam(a.segments[i]);
    bool b_literal = !IsParam(b.segments[i]);
    if (a_literal != b_literal) return a_literal;
  }
  return false;
}

RouteMatch Router::Match(const std::string& method,
                         const std::string& path) const {
  RouteMatch match;
  std::vector<std::string> segments = SplitPath(path);
  const Route* best = nullptr;
  for (const Route& r : routes_) {
    if (!Matches(r, segments)) continue;
    if (r.method != method) {
      if (std::find(match.allowed_methods.begin(), match.allowed_methods.end(),
                    r.method) == match.allowed_methods.end()) {
        match.allowed_methods.push_back(r.method);
      }
      continue;
    }
    if (best == nullptr || MoreSpecific(r, *best)) best = &r;
  }
  if (best == nullptr) {
    match.result = match.allowed_methods.empty()
                       ? RouteMatch::Result::kNotFound
                       : RouteMatch::Result::kMethodNotAllowed;
    return match;
  }
  match.allowed_methods.clear();
  match.result = RouteMatch::Result::kFound;
  match.target = best->target;
  match.path_template = best->path_template;
  for (size_t i = 0; i < segments.size(); ++i) {
    const std::string& s = best->segments[i];
    if (IsParam(s)) match.params[s.substr(1, s.size() - 2)] = segments[i];
  }
  return match;
}

std::vector<std::string> Router::Targets() const {
  std::vector<std::string> targets;
  for (const Route& r : routes_) targets.push_back(r.target);
  return targets;
}

}  // namespace sandbox
