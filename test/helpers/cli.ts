// The built CLI as a subprocess: one-shot commands with their exit code, and `serve --http` until it listens.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { builtCli } from './paths.js';

const exec = promisify(execFile);

/** Runs `specledger ARGS`; a non-zero exit is returned, not thrown. */
export async function runCli(
  args: readonly string[],
): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [builtCli, ...args]);
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const e = error as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

export interface HttpCli {
  child: ChildProcess;
  /** The MCP endpoint the banner announced (the real port when started with --port 0). */
  url: string;
  exited: Promise<number | null>;
}

/** Starts `specledger serve --http --port 0 --no-watch ARGS` and resolves once its banner names the URL. */
export async function startHttpCli(args: readonly string[]): Promise<HttpCli> {
  const child = spawn(process.execPath, [builtCli, 'serve', '--http', '--port', '0', '--no-watch', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      const m = /over (http:\/\/\S+\/mcp)/.exec(err);
      if (m) resolve(m[1]!);
    });
    void exited.then((code) => reject(new Error(`server exited ${code} before listening: ${err}`)));
  });
  return { child, url, exited };
}
