#!/usr/bin/env node
/*
 * Lint Rapport's Cypher query files with Neo4j's own Cypher front end
 * (@neo4j-cypher/language-support, pinned in package.json / package-lock.json).
 *
 * Usage:
 *   node tools/cypher-lint/lint.js FILE_OR_DIR [FILE_OR_DIR ...]
 *   node tools/cypher-lint/lint.js --stdin < query.cypher
 *
 *   A directory is expanded to its *.cypher files (not recursive), leaving out
 *   *.falkordb.cypher variants, which are FalkorDB-only. Files named
 *   explicitly are always linted.
 *
 * For each query:
 *   - every {{name}} identifier placeholder (name matching [a-z_]+) is replaced
 *     by a valid sample identifier of the same length ("Sample", padded with
 *     "_" or cut down), so reported columns still match the file;
 *   - the $parameters found in the query are declared in the DbSchema, so
 *     they are not reported as "Parameter $x is not defined.";
 *   - the query is linted as CYPHER 5 (Neo4j 5) unless it says otherwise,
 *     with console commands (":param ...") disabled, and with Neo4j's
 *     built-in functions declared, so unknown functions (typos, APOC, GDS)
 *     are errors. --allow-unknown-functions turns that check off.
 *   - extra checks: a file must hold exactly one statement; a {{...}} that
 *     is not a valid placeholder is an error; a placeholder that is neither
 *     backticked (`{{label}}`) nor quoted ('{{label}}') is a warning.
 *
 * Output (stdout): one JSON object
 *   {"files": {"<path>": {"errors":   [{"line", "column", "message"}],
 *                         "warnings": [{"line", "column", "message"}]}},
 *    "skipped": ["<path of a *.falkordb.cypher left out of a directory>"]}
 * line and column are 1-based. Standard input is reported as "<stdin>".
 *
 * Exit status: 0 no errors (warnings allowed), 1 at least one error,
 * 2 usage problem, unreadable file, or the linter package missing/broken.
 */
'use strict';

const fs = require('fs');
const path = require('path');

const PKG = '@neo4j-cypher/language-support';
const PKG_VERSION = '2.0.0-next.38';
const INSTALL_HINT = 'run `npm ci --prefix tools/cypher-lint` from the repository root';

// {{name}} placeholders, exactly as the Python side substitutes them.
const PLACEHOLDER = /\{\{[a-z_]+\}\}/g;
// Anything else that looks like a placeholder attempt: {{ label }}, {{Label}}, {{}} ...
const MALFORMED_PLACEHOLDER = /\{\{[^{}\n]*\}\}/g;

function die(message) {
  process.stderr.write(`cypher-lint: ${message}\n`);
  process.exit(2);
}

function usage() {
  die(
    'usage: node lint.js [--allow-unknown-functions] FILE_OR_DIR [...]\n' +
      '       node lint.js [--allow-unknown-functions] --stdin < query.cypher',
  );
}

function loadLanguageSupport() {
  let entry;
  try {
    entry = require.resolve(PKG);
  } catch (err) {
    die(`the npm package ${PKG} is not installed; ${INSTALL_HINT}`);
  }
  // The package's "exports" map hides its package.json, so find it by hand.
  let version = null;
  for (let dir = path.dirname(entry); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'package.json');
    if (fs.existsSync(candidate)) {
      const meta = JSON.parse(fs.readFileSync(candidate, 'utf8'));
      if (meta.name === PKG) {
        version = meta.version;
        break;
      }
    }
  }
  if (version !== PKG_VERSION) {
    die(`expected ${PKG}@${PKG_VERSION} but found ${version} (${entry}); ${INSTALL_HINT}`);
  }
  return require(PKG);
}

const ls = loadLanguageSupport();

// Neo4j's built-in functions, per Cypher version, from the function list the
// package ships (the same data its own tests use; APOC and GDS left out).
function builtinFunctions() {
  const out = {};
  for (const [version, registry] of Object.entries(ls.testData.mockSchema.functions)) {
    out[version] = Object.fromEntries(
      Object.entries(registry).filter(([, fn]) => fn.isBuiltIn === true),
    );
  }
  return out;
}

function sampleIdentifier(length) {
  return ('Sample' + '_'.repeat(length)).slice(0, length);
}

function position(text, offset) {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

function stripComments(text) {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '');
}

function lintText(text, options) {
  const errors = [];
  const warnings = [];

  for (const m of text.matchAll(MALFORMED_PLACEHOLDER)) {
    if (!/^\{\{[a-z_]+\}\}$/.test(m[0])) {
      errors.push({
        ...position(text, m.index),
        message: `Malformed placeholder ${m[0]}: placeholders must be {{name}} with name matching [a-z_]+`,
      });
    }
  }
  for (const m of text.matchAll(PLACEHOLDER)) {
    // Backticked as an identifier, or quoted inside a string literal.
    const before = text[m.index - 1];
    const after = text[m.index + m[0].length];
    if (before !== after || !['`', "'", '"'].includes(before)) {
      warnings.push({
        ...position(text, m.index),
        message: `Placeholder ${m[0]} should be backticked, e.g. :\`${m[0]}\``,
      });
    }
  }

  const query = text.replace(PLACEHOLDER, (m) => sampleIdentifier(m.length));

  const statements = ls
    .parseStatementsStrs(query)
    .filter((s) => stripComments(s).trim().length > 0);
  if (statements.length === 0) {
    errors.push({ line: 1, column: 1, message: 'No Cypher statement in this file' });
  } else if (statements.length > 1) {
    errors.push({
      line: 1,
      column: 1,
      message: `${statements.length} statements in one file; a query file must hold exactly one`,
    });
  }

  const parameters = {};
  for (const name of ls.parseParameters(query, false)) parameters[name] = null;
  const dbSchema = { parameters, defaultLanguage: 'CYPHER 5' };
  if (!options.allowUnknownFunctions) dbSchema.functions = options.functions;

  const { diagnostics } = ls.lintCypherQuery(query, dbSchema, {
    consoleCommandsEnabled: false,
  });
  for (const d of diagnostics) {
    const item = {
      line: d.range.start.line + 1,
      column: d.range.start.character + 1,
      message: d.message,
    };
    // LSP severities: 1 error, 2 warning, 3 information, 4 hint.
    if (d.severity === 1) errors.push(item);
    else warnings.push(item);
  }
  const byPosition = (a, b) => a.line - b.line || a.column - b.column;
  return { errors: errors.sort(byPosition), warnings: warnings.sort(byPosition) };
}

// lintCypherQuery swallows any exception thrown by Neo4j's semantic analysis
// and then reports nothing, which would pass every query. Make sure it works.
function selfCheck(options) {
  const { errors } = lintText('MATCH (n) RETURN m', options);
  if (!errors.some((e) => e.message.includes('Variable `m` not defined'))) {
    die(
      `${PKG} did not report an undefined variable; its semantic analysis is not ` +
        `working under Node ${process.version} (the package asks for Node >=24.11.1)`,
    );
  }
}

function expand(arg, skipped) {
  let stat;
  try {
    stat = fs.statSync(arg);
  } catch (err) {
    die(`cannot read ${arg}: ${err.message}`);
  }
  if (!stat.isDirectory()) return [arg];
  return fs
    .readdirSync(arg)
    .filter((name) => name.endsWith('.cypher'))
    .sort()
    .map((name) => path.join(arg, name))
    .filter((file) => {
      if (file.endsWith('.falkordb.cypher')) {
        skipped.push(file);
        return false;
      }
      return fs.statSync(file).isFile();
    });
}

function main(argv) {
  const options = { allowUnknownFunctions: false };
  let stdin = false;
  const targets = [];
  for (const arg of argv) {
    if (arg === '--stdin') stdin = true;
    else if (arg === '--allow-unknown-functions') options.allowUnknownFunctions = true;
    else if (arg === '-h' || arg === '--help') usage();
    else if (arg.startsWith('--')) die(`unknown option ${arg}`);
    else targets.push(arg);
  }
  if (stdin === (targets.length > 0)) usage();
  options.functions = builtinFunctions();
  selfCheck(options);

  const files = {};
  const skipped = [];
  if (stdin) {
    files['<stdin>'] = lintText(fs.readFileSync(0, 'utf8'), options);
  } else {
    for (const file of targets.flatMap((t) => expand(t, skipped))) {
      let text;
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch (err) {
        die(`cannot read ${file}: ${err.message}`);
      }
      files[file] = lintText(text, options);
    }
  }

  process.stdout.write(JSON.stringify({ files, skipped }, null, 2) + '\n');
  const failed = Object.values(files).some((r) => r.errors.length > 0);
  process.exitCode = failed ? 1 : 0;
}

main(process.argv.slice(2));
