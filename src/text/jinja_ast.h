// The syntax tree of a chat template: one node type whose fields each kind uses as listed below
// (the shapes of @huggingface/jinja's AST).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace guardian::text::jinja {

struct Node;
using NodePtr = std::unique_ptr<Node>;
using NodeList = std::vector<NodePtr>;

struct Node {
  enum class Kind {
    // statements
    kProgram,      // a: body
    kText,         // name: the text
    kIf,           // x: test, a: body, b: alternate (an elif is one If in b)
    kFor,          // x: loop variable (Identifier or TupleLiteral), y: iterable, a: body, b: else body
    kBreak, kContinue,
    kSet,          // x: target, y: value (null: the block a is rendered and assigned)
    kMacro,        // name, a: parameters (Identifier or KeywordArgument), b: body
    kComment,
    // expressions
    kIdentifier,   // name
    kInteger, kFloat,  // number
    kString,       // name: the value
    kArray, kTuple,    // a: items
    kObject,       // a: keys, b: values
    kMember,       // x: object, y: property (a Slice when sliced), flag: computed ([...])
    kCall,         // x: callee, a: arguments
    kBinary,       // name: operator, x, y
    kUnary,        // name: operator, x
    kFilter,       // x: operand, y: the filter (Identifier or Call)
    kTest,         // x: operand, name: test, flag: negated
    kSelect,       // x: value, y: condition (`a if b` without else)
    kTernary,      // x: condition, y: if true, z: if false
    kSlice,        // x: start, y: stop, z: step (each may be null)
    kKeywordArgument,  // name: key, x: value
  };
  Kind kind;
  std::size_t offset = 0;  // where the node starts in the template text
  std::string name;
  double number = 0;
  bool flag = false;
  NodePtr x, y, z;
  NodeList a, b;

  Node(Kind k, std::size_t at) : kind(k), offset(at) {}
};

}  // namespace guardian::text::jinja
