// Paths, temp folders, logging and server start-up shared by the benchmark suites.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { captureStderr, spawnPinned, stopChild, waitForStderr } from './proc.mjs';
import { createStdioClient } from './stdio-client.mjs';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const benchDir = path.join(repoRoot, 'bench');
export const cli = path.join(repoRoot, 'dist/bundle/main.js');
export const specsExample = path.join(repoRoot, 'specs-example');
export const corporaRoot = path.resolve(repoRoot, '../shared/corpora');
export const filesystemServer = path.join(
  repoRoot,
  'node_modules/@modelcontextprotocol/server-filesystem/dist/index.js',
);
/** The core the server under test runs on; the bench process (the load generator) runs on the other. */
export const SERVER_CORE = 0;
export const LOAD_CORE = 1;

export function log(message) {
  process.stderr.write(`bench: ${message}\n`);
}

/** A temp folder removed by `remove()`. */
export function tempDir(prefix) {
  const dir = mkdtempSync(path.join(tmpdir(), `specledger-bench-${prefix}-`));
  return {
    dir,
    at: (rel) => path.join(dir, rel),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * Spawns a stdio MCP server on the server core (or on `core`: 'all' for every core) and completes initialize +
 * notifications/initialized.
 */
export async function startStdioServer(argv, { cwd = repoRoot, era = 'legacy', core = SERVER_CORE } = {}) {
  const child = spawnPinned(core, ['node', ...argv], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
  const stderr = captureStderr(child);
  const client = createStdioClient(child, { era });
  try {
    await client.initialize();
  } catch (error) {
    await stopChild(child);
    throw new Error(`${argv.join(' ')}: ${error.message}\n${stderr()}`);
  }
  return { child, client, stderr, stop: () => stopChild(child) };
}

/** Spawns an HTTP server on the server core; `readyPattern` finds the port in its stdout or stderr. */
export async function startHttpServer(argv, { stream = 'stdout', pattern = /listening (\d+)/ } = {}) {
  const child = spawnPinned(SERVER_CORE, ['node', ...argv], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text;
  if (stream === 'stderr') {
    text = await waitForStderr(child, (t) => pattern.test(t));
    captureStderr(child); // keep draining: a full pipe would block the server
    child.stdout.resume();
  } else {
    const stderr = captureStderr(child);
    text = await new Promise((resolve, reject) => {
      let out = '';
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk) => {
        out += chunk;
        if (pattern.test(out)) resolve(out);
      });
      child.once('exit', (code) => reject(new Error(`${argv.join(' ')} exited (${code}):\n${stderr()}`)));
    });
  }
  const port = Number(pattern.exec(text)[1]);
  return { child, port, url: `http://127.0.0.1:${port}/mcp`, stop: () => stopChild(child) };
}
