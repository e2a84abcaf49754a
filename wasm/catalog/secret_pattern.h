#pragma once
#include <string>
#include <string_view>

namespace keyaos::catalog {

// Checks that a provider's secret_pattern is a regular expression in the
// portable subset that JavaScript's RegExp and std::regex (ECMAScript
// grammar) both compile and read alike: literals, '.', classes with ranges,
// \d \D \w \W \s \S \b \B, \t \n \r \f \v, \xHH, \uHHHH, escaped syntax
// characters, groups, (?: ), (?= ), (?! ), anchors, alternation and the
// quantifiers * + ? {n} {n,} {n,m} (optionally lazy); ASCII only.
//
// The check is done here, not by constructing a std::regex: with exceptions
// disabled, std::regex aborts on a bad pattern instead of reporting it.
bool check_secret_pattern(std::string_view pattern, std::string& error);

}  // namespace keyaos::catalog
