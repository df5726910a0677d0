/** Types of executables.js: where the tests find Chromium, Firefox and redis-server. */
export interface Tool {
  readonly names: readonly string[];
  readonly envVar: string;
  readonly install: string;
}

export const TOOLS: { readonly chromium: Tool; readonly firefox: Tool; readonly redisServer: Tool };

/** The tool's path (its environment variable, else PATH); throws an Error of one line when it is missing. */
export function requireExecutable(tool: Tool, env?: Record<string, string | undefined>): string;
