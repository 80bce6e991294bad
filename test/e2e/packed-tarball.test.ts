// The installable package: `npm pack`, install the tarball into an empty folder offline, and `npx specledger serve`
// answers the real SDK client over stdio. Also checks server.json (the MCP Registry entry) agrees with package.json.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanEnv } from '../helpers/cli.js';
import { repoRoot } from '../helpers/paths.js';

const exec = promisify(execFile);
const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  mcpName: string;
  dependencies: Record<string, string>;
  bin: Record<string, string>;
  engines: Record<string, string>;
};

interface LockEntry {
  version: string;
  name?: string;
  resolved?: string;
  dev?: boolean;
}

/**
 * A lockfile for a folder that depends on the tarball alone, pinning its dependencies to the versions this repository
 * is tested with (its own package-lock.json), so `npm ci --offline` needs only tarballs the npm cache already holds
 * from this repository's `npm ci`. `resolved` is filled in from the configured registry where the lock omits it.
 */
function appLockfile(tarball: string, registry: string): object {
  const lock = JSON.parse(readFileSync(path.join(repoRoot, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const base = registry.endsWith('/') ? registry : `${registry}/`;
  const packages: Record<string, unknown> = {
    '': { name: 'app', dependencies: { [pkg.name]: tarball } },
    // `bin` here is what makes npm link node_modules/.bin/specledger, as it does from the registry's metadata.
    [`node_modules/${pkg.name}`]: {
      version: pkg.version,
      resolved: tarball,
      dependencies: pkg.dependencies,
      bin: pkg.bin,
      engines: pkg.engines,
    },
  };
  for (const [key, entry] of Object.entries(lock.packages)) {
    if (!key.startsWith('node_modules/') || entry.dev) continue;
    const name = entry.name ?? key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
    packages[key] = {
      ...entry,
      resolved: entry.resolved ?? `${base}${name}/-/${name.split('/').pop()}-${entry.version}.tgz`,
    };
  }
  return { name: 'app', lockfileVersion: 3, requires: true, packages };
}

const work = mkdtempSync(path.join(tmpdir(), 'specledger-pack-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the packed tarball', { timeout: 300_000 }, () => {
  it('installs offline into an empty folder, and `npx specledger serve` answers a real MCP client', async () => {
    // --ignore-scripts: `prepare` would rebuild dist/ while other e2e tests run it; the suite's global setup has just
    // built it from the same sources, and the listing below checks what the tarball holds.
    const { stdout: packed } = await exec(
      'npm',
      ['pack', '--silent', '--ignore-scripts', '--pack-destination', work],
      {
        cwd: repoRoot,
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    const tarball = path.join(work, packed.trim().split('\n').at(-1)!);
    expect(existsSync(tarball)).toBe(true);
    const { stdout: listing } = await exec('tar', ['tzf', tarball]);
    expect(listing).toContain('package/dist/bundle/main.js');
    expect(listing).toContain('package/server.json');
    expect(listing).not.toContain('package/src/');
    expect(listing).not.toContain('package/test/');

    const app = path.join(work, 'app');
    mkdirSync(path.join(app, 'specs'), { recursive: true });
    const { stdout: registry } = await exec('npm', ['config', 'get', 'registry']);
    const ref = `file:${tarball}`;
    writeFileSync(
      path.join(app, 'package.json'),
      JSON.stringify({ name: 'app', private: true, dependencies: { [pkg.name]: ref } }),
    );
    writeFileSync(path.join(app, 'package-lock.json'), JSON.stringify(appLockfile(ref, registry.trim())));
    // --ignore-scripts, then the native module this repository's own `npm ci` compiled: the same better-sqlite3
    // version (the lock above pins it to ours) for the same Node ABI, which is what its install script would build.
    // Compiling it again from source took ~7 minutes of a loaded 2-core machine for nothing new.
    await exec('npm', ['ci', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], {
      cwd: app,
      maxBuffer: 16 * 1024 * 1024,
    });
    cpSync(
      path.join(repoRoot, 'node_modules/better-sqlite3/build'),
      path.join(app, 'node_modules/better-sqlite3/build'),
      { recursive: true },
    );
    writeFileSync(
      path.join(app, 'specs/auth.md'),
      '---\nid: auth\nversion: 1.0.0\n---\n\n# Auth\n\n## Token lifetime {#token-lifetime}\n\nTokens MUST expire after 15 minutes.\n',
    );

    const { stdout: version } = await exec('npx', ['--offline', 'specledger', '--version'], { cwd: app });
    expect(version.trim()).toBe(pkg.version);

    const transport = new StdioClientTransport({
      command: 'npx',
      args: ['--offline', 'specledger', 'serve', '--specs', 'specs', '--no-watch'],
      env: cleanEnv({ PATH: process.env.PATH ?? '' }),
      cwd: app,
      stderr: 'pipe',
    });
    const client = new Client({ name: 'tarball-e2e', version: '0.0.1' });
    await client.connect(transport);
    try {
      expect(client.getServerVersion()).toMatchObject({ name: 'specledger', version: pkg.version });
      const root = await client.callTool({ name: 'read_root', arguments: {} });
      expect((root.structuredContent as { specs: Array<{ id: string }> }).specs.map((s) => s.id)).toEqual([
        'auth',
      ]);
      const clause = await client.callTool({ name: 'get_clause', arguments: { ref: 'auth#token-lifetime' } });
      expect((clause.structuredContent as { text: string }).text).toContain('expire after 15 minutes');
    } finally {
      await client.close();
    }
    // The read was recorded in the installed package's default SQLite ledger (better-sqlite3 built and loaded).
    const { stdout: runs } = await exec('npx', ['--offline', 'specledger', 'runs', '--json'], { cwd: app });
    expect((JSON.parse(runs) as { runs: unknown[] }).runs.length).toBeGreaterThan(0);
  });
});

describe('server.json, the MCP Registry entry', () => {
  const server = JSON.parse(readFileSync(path.join(repoRoot, 'server.json'), 'utf8'));
  const schemaFile = path.join(repoRoot, 'test/fixtures/schemas/mcp-server-2025-12-11.schema.json');

  it('names the package as package.json does, at its version, and launches `serve` over stdio', () => {
    expect(server.$schema).toBe(
      'https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json',
    );
    expect(server.name).toBe(pkg.mcpName);
    expect(server.version).toBe(pkg.version);
    expect(server.description.length).toBeLessThanOrEqual(100);
    expect(server.packages).toEqual([
      expect.objectContaining({
        registryType: 'npm',
        identifier: pkg.name,
        version: pkg.version,
        transport: { type: 'stdio' },
      }),
    ]);
    expect(server.packages[0].packageArguments[0]).toEqual({ type: 'positional', value: 'serve' });
  });

  it.skipIf(!existsSync(schemaFile))(
    'validates against the official 2025-12-11 schema (skipped: no npm package ships it; see test/fixtures/schemas/README.md)',
    async () => {
      const { Ajv } = await import('ajv');
      const addFormats = (await import('ajv-formats')).default as unknown as (
        ajv: InstanceType<typeof Ajv>,
      ) => void;
      const ajv = new Ajv({ strict: false, allErrors: true });
      addFormats(ajv);
      const validate = ajv.compile(JSON.parse(readFileSync(schemaFile, 'utf8')));
      expect(validate.errors ?? validate(server)).toBe(true);
    },
  );
});
