#include <gtest/gtest.h>

#include "http/server.hpp"

namespace vpnhub::http {
namespace {

using Kind = Router::Match::Kind;

Handler Text(std::string body) {
  return [body](const Request&) { return TextResponse(200, body); };
}

std::string Call(const Router::Match& m) {
  if (m.kind != Kind::kFound || !m.handler) return "<none>";
  return (*m.handler)(Request{}).body;
}

TEST(RouterTest, ExactPrefixAndNotFound) {
  Router r;
  r.Add("GET", "/a", Text("a"));
  r.Add("GET", "/a/*", Text("a-prefix"));
  r.Add("GET", "/a/b/*", Text("ab-prefix"));
  r.Add("GET", "/*", Text("root"));
  EXPECT_EQ(Call(r.Find("GET", "/a")), "a");
  EXPECT_EQ(Call(r.Find("GET", "/a/")), "a-prefix");
  EXPECT_EQ(Call(r.Find("GET", "/a/x")), "a-prefix");
  EXPECT_EQ(Call(r.Find("GET", "/a/b/c")), "ab-prefix");
  EXPECT_EQ(Call(r.Find("GET", "/zzz")), "root");
  Router empty;
  EXPECT_EQ(empty.Find("GET", "/a").kind, Kind::kNotFound);
  EXPECT_EQ(empty.Find("GET", "/a").route_id, -1);
}

TEST(RouterTest, RouteIdsIndexPatterns) {
  Router r;
  r.Add("GET", "/x", Text("x"));
  r.Add("POST", "/y/*", Text("y"));
  r.Add("POST", "/x", Text("x2"));
  auto patterns = r.patterns();
  ASSERT_EQ(patterns.size(), 2u);
  EXPECT_EQ(patterns[r.Find("POST", "/x").route_id], "/x");
  EXPECT_EQ(patterns[r.Find("POST", "/y/1").route_id], "/y/*");
}

TEST(RouterTest, HeadFallsBackToGetUnlessRegistered) {
  Router r;
  r.Add("GET", "/g", Text("get"));
  r.Add("GET", "/h", Text("get"));
  r.Add("HEAD", "/h", Text("head"));
  EXPECT_EQ(Call(r.Find("HEAD", "/g")), "get");
  EXPECT_EQ(Call(r.Find("HEAD", "/h")), "head");
}

TEST(RouterTest, MethodNotAllowedListsAllowedMethods) {
  Router r;
  r.Add("GET", "/g", Text("get"));
  r.Add("POST", "/p", Text("post"));
  r.Add("DELETE", "/p", Text("delete"));
  auto m = r.Find("POST", "/g");
  EXPECT_EQ(m.kind, Kind::kMethodNotAllowed);
  EXPECT_EQ(m.allow, "GET, HEAD");
  m = r.Find("GET", "/p");
  EXPECT_EQ(m.kind, Kind::kMethodNotAllowed);
  EXPECT_EQ(m.allow, "POST, DELETE");
  EXPECT_GE(m.route_id, 0);
}

TEST(RouterTest, SecondAddReplacesAndMethodsAreCaseSensitive) {
  Router r;
  r.Add("GET", "/x", Text("one"));
  r.Add("GET", "/x", Text("two"));
  EXPECT_EQ(Call(r.Find("GET", "/x")), "two");
  EXPECT_EQ(r.Find("get", "/x").kind, Kind::kMethodNotAllowed);
}

TEST(RouterTest, AsyncRoutesAreFoundAsAsync) {
  Router r;
  r.AddAsync("POST", "/hook", [](Request, Responder) {});
  auto m = r.Find("POST", "/hook");
  EXPECT_EQ(m.kind, Kind::kFound);
  EXPECT_EQ(m.handler, nullptr);
  EXPECT_NE(m.async_handler, nullptr);
}

TEST(RequestTest, HeaderIsCaseInsensitiveFirstWins) {
  Request req;
  req.headers = {{"X-Token", "a"}, {"x-token", "b"}, {"Host", "h"}};
  EXPECT_EQ(req.Header("x-TOKEN"), "a");
  EXPECT_EQ(req.Header("host"), "h");
  EXPECT_EQ(req.Header("missing"), "");
}

}  // namespace
}  // namespace vpnhub::http
