// What an editor shows on hover over an identifier: TypeScript's language service (the one editors
// run; TypeScript 6 from the docs workspace, as TypeScript 7 has no JavaScript API) asked for the
// quick info of `name`'s first occurrence in `file`, compiled with `tsconfig`. Prints it.
// Usage: node hover.cjs TSCONFIG FILE NAME
const { readFileSync } = require('node:fs');
const { dirname, resolve } = require('node:path');
const ts = require(resolve(__dirname, '../../docs/node_modules/typescript'));

const [tsconfig, file, name] = process.argv.slice(2).map((arg, i) => (i < 2 ? resolve(arg) : arg));
const config = ts.getParsedCommandLineOfConfigFile(tsconfig, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n')); } });
const host = {
  getScriptFileNames: () => config.fileNames,
  getScriptVersion: () => '1',
  getScriptSnapshot: (path) => (ts.sys.fileExists(path) ? ts.ScriptSnapshot.fromString(ts.sys.readFile(path)) : undefined),
  getCurrentDirectory: () => dirname(tsconfig),
  getCompilationSettings: () => config.options,
  getDefaultLibFileName: (options) => ts.getDefaultLibFilePath(options),
  fileExists: ts.sys.fileExists,
  readFile: ts.sys.readFile,
  readDirectory: ts.sys.readDirectory,
  directoryExists: ts.sys.directoryExists,
  getDirectories: ts.sys.getDirectories,
};
const service = ts.createLanguageService(host, ts.createDocumentRegistry());
const position = readFileSync(file, 'utf8').indexOf(name);
const info = service.getQuickInfoAtPosition(file, position);
console.log(ts.displayPartsToString(info?.displayParts ?? []));
console.log(ts.displayPartsToString(info?.documentation ?? []));
