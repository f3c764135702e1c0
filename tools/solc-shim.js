#!/usr/bin/env node
// A `solc` command line backed by solc-js (the official compiler built to
// WebAssembly, npm package `solc`), for py-solc-x / Brownie on machines that
// cannot download native compilers.
//
// `make` installs this file as $SOLCX_BINARY_PATH/solc-v<version>; py-solc-x
// then treats it as an installed compiler. It supports the two calls py-solc-x
// makes:
//   solc --version
//   solc --standard-json [--allow-paths D[,D...]] [--base-path D] [--include-path D]
// Standard-JSON input is read from stdin, output is written to stdout. Imports
// are read from the file system, relative to the working directory, the base
// path and the include paths, and only from inside the allowed folders (the
// working directory and the folders named by the three options), as native
// solc does.
//
// SOLC_SHIM_PACKAGE names another solc-js package to load instead of `solc`
// (package.json installs `solc-0.8.29` for a peer contract that pins it).
'use strict';

const fs = require('fs');
const path = require('path');
const solc = require(process.env.SOLC_SHIM_PACKAGE || 'solc');

function usage(message) {
  process.stderr.write(`solc-shim: ${message}\n`);
  process.exitCode = 2;
}

function parseArgs(argv) {
  const options = { version: false, standardJson: false, roots: [], searchPaths: [] };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    const [flag, inline] = arg.includes('=') ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    const value = () => {
      if (inline !== undefined) return inline;
      i += 1;
      if (i >= argv.length) throw new Error(`${flag} needs a value`);
      return argv[i];
    };
    switch (flag) {
      case '--version':
        options.version = true;
        break;
      case '--standard-json':
        options.standardJson = true;
        break;
      case '--allow-paths':
        for (const dir of value().split(',')) if (dir) options.roots.push(path.resolve(dir));
        break;
      case '--base-path':
      case '--include-path': {
        const dir = path.resolve(value());
        options.roots.push(dir);
        options.searchPaths.push(dir);
        break;
      }
      default:
        throw new Error(`unsupported argument ${arg}`);
    }
  }
  return options;
}

function isInside(file, root) {
  const rel = path.relative(root, file);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function makeImportCallback(options) {
  const cwd = process.cwd();
  const roots = [cwd, ...options.roots];
  const searchPaths = [cwd, ...options.searchPaths];
  return (importPath) => {
    const candidates = path.isAbsolute(importPath)
      ? [importPath]
      : searchPaths.map((dir) => path.resolve(dir, importPath));
    for (const candidate of candidates) {
      const real = fs.existsSync(candidate) ? fs.realpathSync(candidate) : null;
      if (real === null || !fs.statSync(real).isFile()) continue;
      if (!roots.some((root) => isInside(real, root))) {
        return { error: `${importPath} is outside the allowed paths` };
      }
      return { contents: fs.readFileSync(real, 'utf8') };
    }
    return { error: `File not found: ${importPath}` };
  };
}

// Exit only once stdout is flushed: exiting right after write() truncates a
// piped stdout at 128 KiB.
function writeAndFinish(text, code) {
  process.exitCode = code;
  process.stdout.write(text);
}

function main() {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (err) {
    usage(err.message);
    return;
  }
  if (options.version) {
    writeAndFinish(
      `solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`,
      0,
    );
    return;
  }
  if (!options.standardJson) {
    usage('only --version and --standard-json are supported');
    return;
  }
  const input = fs.readFileSync(0, 'utf8');
  const output = solc.compile(input, { import: makeImportCallback(options) });
  writeAndFinish(output, 0);
}

main();
