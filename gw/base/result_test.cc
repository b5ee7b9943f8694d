#include "gw/base/result.h"

#include <gtest/gtest.h>

namespace gw {
namespace {

Result<int> ParsePositive(int v) {
  if (v <= 0) return InvalidArgument("must be positive");
  return v;
}

Result<int> Doubled(int v) {
  GW_ASSIGN_OR_RETURN(int x, ParsePositive(v));
  return x * 2;
}

Status Check(int v) {
  GW_RETURN_IF_ERROR(ParsePositive(v));
  return OkStatus();
}

TEST(Result, CarriesValueOrError) {
  EXPECT_EQ(*Doubled(4), 8);
  Result<int> bad = Doubled(-1);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code(), Code::kInvalidArgument);
  EXPECT_EQ(bad.error().message(), "must be positive");
  EXPECT_EQ(bad.error().ToString(), "invalid_argument: must be positive");
}

TEST(Result, StatusPropagates) {
  EXPECT_TRUE(Check(1).has_value());
  EXPECT_EQ(Check(0).error().code(), Code::kInvalidArgument);
}

TEST(Result, CodeNamesAreStable) {
  EXPECT_EQ(CodeName(Code::kOk), "ok");
  EXPECT_EQ(CodeName(Code::kResourceExhausted), "resource_exhausted");
  EXPECT_EQ(CodeName(Code::kDataLoss), "data_loss");
}

}  // namespace
}  // namespace gw
