// Parses PromQL expressions (a JSON list on stdin) with Prometheus' own grammar (the one its web UI uses) and
// prints, for each, the offsets of syntax errors (an empty list: the expression parses).
const { parser } = require("@prometheus-io/lezer-promql");
const expressions = JSON.parse(require("fs").readFileSync(0, "utf8"));
const errors = expressions.map((expression) => {
  const found = [];
  parser.parse(expression).iterate({
    enter: (node) => {
      if (node.type.isError) found.push(node.from);
    },
  });
  return found;
});
console.log(JSON.stringify(errors));
