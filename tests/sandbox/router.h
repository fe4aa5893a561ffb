// router.h: path-template routing for the sandbox.
//
// httplib gets one catch-all handler per HTTP method; this router then picks
// the operation, so every request knows its operationId (for the request log,
// the counters and faults) before anything else happens.
//
//   Router router;
//   router.Add("GET", "/api/bulk/syncs/{id}", "bulkSync.get");
//   router.Add("GET", "/api/bulk/syncs/status",
//   "bulkSync.executions.listStatus"); RouteMatch m = router.Match("GET",
//   "/api/bulk/syncs/status");
//   // m.result == kFound, m.target == "bulkSync.executions.listStatus"
//
// Literal segments beat parameters, segment by segment from the left. A path
// that matches a template under another method only is kMethodNotAllowed.
//
// Thread safety: Add before serving; Match is const and may then be called
// concurrently.
#ifndef TESTS_SANDBOX_ROUTER_H_
#define TESTS_SANDBOX_ROUTER_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace sandbox {

struct RouteMatch {
  enum class Result { kFound, kNotFound, kMethodNotAllowed };
  Result result = Result::kNotFound;
  std::string target;                         // set when kFound
  std::string path_template;                  // set when kFound
  std::map<std::string, std::string> params;  // template name -> segment
  std::vector<std::string> allowed_methods;   // set when kMethodNotAllowed
};

class Router {
 public:
  // Add registers `target` for `method` (upper case) and `path_template`
  // (`/a/{param}/b`). Registering the same method and template twice is an
  // error.
  absl::Status Add(const std::string& method, const std::string& path_template,
                   const std::string& target);

  // Match finds the most specific route for a concrete path (no query).
  RouteMatch Match(const std::string& method, const std::string& path) const;

  // Targets returns every registered target, in registration order.
  std::vector<std::string> Targets() const;

 private:
  struct Route {
    std::string method;
    std::string path_template;
    std::vector<std::string> segments;  // "{name}" marks a parameter
    std::string target;
  };
  // Specificity compares two matching routes: true when `a` beats `b`.
  static bool MoreSpecific(const Route& a, const Route& b);
  static bool Matches(const Route& route,
                      const std::vector<std::string>& segments);

  std::vector<Route> routes_;
};

// SplitPath splits "/a/b" into {"a", "b"}; empty segments are kept so that
// "/a//b" and "/a/" match no template.
std::vector<std::string> SplitPath(const std::string& path);

// ParseQuery returns the query parameters of a request target
// ("/path?a=1&b=x%20y"), percent- and '+'-decoded, in order. httplib's own
// Request::params also holds form-encoded body fields, which must never be
// mistaken for query parameters.
std::multimap<std::string, std::string> ParseQuery(const std::string& target);

}  // namespace sandbox

#endif  // TESTS_SANDBOX_ROUTER_H_
