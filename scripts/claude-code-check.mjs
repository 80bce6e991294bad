#!/usr/bin/env node
// Checks the README's Claude Code configs against the real client: installs @anthropic-ai/claude-code (VERSION,
// default latest) into a temporary folder with its own HOME, adds the built server over stdio and over HTTP with
// `claude mcp add`, runs `claude mcp list`, and prints what each transport negotiated. Needs the npm registry.
// Usage: node scripts/claude-code-check.mjs [VERSION]
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const version = process.argv[2] ?? 'latest';
const tmp = mkdtempSync(path.join(tmpdir(), 'specledger-claude-'));
const env = { ...process.env, HOME: path.join(tmp, 'home') };
mkdirSync(env.HOME);
mkdirSync(path.join(tmp, 'cc'));
mkdirSync(path.join(tmp, 'project'));
writeFileSync(path.join(tmp, 'cc/package.json'), '{"name":"cc","private":true}');
const run = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
try {
  process.stdout.write(`installing @anthropic-ai/claude-code@${version}…\n`);
  run('npm', ['i', '--silent', `@anthropic-ai/claude-code@${version}`], path.join(tmp, 'cc'));
  const claude = path.join(tmp, 'cc/node_modules/.bin/claude');
  process.stdout.write(`${run(claude, ['--version'], tmp).trim()}\n`);

  const cli = path.join(root, 'dist/bundle/main.js');
  const specs = path.join(root, 'specs-example');
  const stderrLog = path.join(tmp, 'stdio.log');
  // HTTP: the server behind a logging proxy that records what Claude Code sends.
  const server = spawn(
    process.execPath,
    [cli, 'serve', '--http', '--port', '0', '--specs', specs, '--ledger', 'off'],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  const port = await new Promise((resolve) => {
    let err = '';
    server.stderr.on('data', (c) => {
      err += c;
      const m = /over http:\/\/127\.0\.0\.1:(\d+)\/mcp/.exec(err);
      if (m) resolve(Number(m[1]));
    });
  });
  const seen = [];
  const proxy = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      try {
        const j = JSON.parse(body.toString() || 'null');
        for (const m of Array.isArray(j) ? j : [j])
          if (m?.method)
            seen.push(`${m.method} (MCP-Protocol-Version ${req.headers['mcp-protocol-version'] ?? '-'})`);
      } catch {}
      const up = request(
        {
          host: '127.0.0.1',
          port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: `127.0.0.1:${port}` },
        },
        (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        },
      );
      up.end(body);
    });
  });
  await new Promise((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const proxied = `http://127.0.0.1:${proxy.address().port}/mcp`;

  const project = path.join(tmp, 'project');
  run(
    claude,
    [
      'mcp',
      'add',
      'specledger',
      '--',
      'sh',
      '-c',
      `exec node ${cli} serve --specs ${specs} --ledger off 2>>${stderrLog}`,
    ],
    project,
  );
  run(claude, ['mcp', 'add', '--transport', 'http', 'specledger-http', proxied], project);
  const list = await new Promise((resolve) => {
    const child = spawn(claude, ['mcp', 'list'], { cwd: project, env });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.on('exit', () => resolve(out));
  });
  process.stdout.write(`\nclaude mcp list:\n${list}\n`);
  const stdio = readFileSync(stderrLog, 'utf8').match(/the client speaks [^\n]*/g) ?? [];
  process.stdout.write(
    `stdio: ${stdio.join('; ') || 'no connection seen'}\nHTTP: ${seen.join(', ') || 'no request seen'}\n`,
  );
  proxy.close();
  server.kill('SIGTERM');
  process.exitCode =
    /specledger: .*Connected/.test(list) && /specledger-http: .*Connected/.test(list) ? 0 : 1;
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
