/** The `process` package's browser build (node-globals.ts), which ships no types. */
declare module 'process/browser.js' {
  const process: object;
  export default process;
}
