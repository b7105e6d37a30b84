import t from 'tap';
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Command } from 'commander';
import { tempDir } from '@baas/testkit';
import { cliEnv, memoryIo } from '../test/helpers.ts';
import { buildProgram, runCli } from './program.ts';

// `baas` on the PATH after the one documented step, working as a single
// bundled file; and every command and flag docs/cli.md shows exists.
const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const tmp = tempDir('baas-install-');
t.teardown(() => tmp.remove());
const bin = join(tmp.path, 'bin');
const env = { ...cliEnv(tmp.path), PATH: `${bin}:${process.env.PATH}` };

t.test('pnpm cli:install puts the bundled baas on the PATH; it runs init, backup, restore and serve', async (t) => {
  await run('mkdir', ['-p', bin]);
  const installed = await run('pnpm', ['cli:install'], { cwd: root, env: { ...env, BAAS_BIN_DIR: bin } });
  t.match(installed.stdout, new RegExp(`linked ${bin}/baas -> \\S+/cli/dist/baas\\.mjs`));
  const baas = (args: string[]) => run('baas', args, { cwd: tmp.path, env });
  t.equal((await baas(['--version'])).stdout, `${JSON.parse(readFileSync(join(root, 'cli/package.json'), 'utf8')).version}\n`);
  const init = JSON.parse((await baas(['init', 'site', '--json', '--admin-password', 'a long enough password'])).stdout);
  t.match(init, { secretKey: /^sk_/ });
  t.match((await baas(['backup', 'b.tar.gz', '--dir', 'site'])).stdout, /^wrote b\.tar\.gz/);
  t.match((await baas(['restore', 'b.tar.gz', '--dir', 'copy'])).stdout, /^restored the instance of/);

  const serve = spawn('baas', ['serve', '--dir', 'copy', '--port', '0', '--json'], { cwd: tmp.path, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    serve.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('\n')) resolve(JSON.parse(out).url);
    });
    serve.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
  });
  const res = await fetch(`${url}/v1/projects/app/collections`, { headers: { authorization: `Bearer ${init.secretKey}` } });
  t.equal(res.status, 200, 'the restored copy serves, with the same key');
  serve.kill('SIGTERM');

  t.equal((await run('pnpm', ['exec', 'baas', '--version'], { cwd: root, env })).stdout.trim(), '0.1.0', 'pnpm exec baas at the repo root');
  const bench = await run('pnpm', ['--silent', 'bench', '--help'], { cwd: root, env });
  t.match(bench.stdout, /^Usage: pnpm bench \[--help\]\n[^]*BENCH_SECONDS/, 'pnpm bench --help prints the settings and exits');
});

t.test('every command and flag in docs/cli.md exists, and its --help is its own', async (t) => {
  const doc = readFileSync(join(root, 'docs/cli.md'), 'utf8');
  const blocks = [...doc.matchAll(/```sh\n([^]*?)```/g)].map((m) => m[1]);
  const program = buildProgram(memoryIo({ cwd: tmp.path }));
  const checked = new Set<string>();
  for (const block of blocks) {
    let command: Command | undefined;
    for (const line of block.split('\n')) {
      const words = line.replace(/#.*/, '').trim().split(/\s+/).filter(Boolean);
      if (words[0] === 'baas' && words[1]?.startsWith('-')) {
        command = undefined;
      } else if (words[0] === 'baas') {
        let found: Command = program;
        for (const word of words.slice(1)) {
          const sub: Command | undefined = found.commands.find((c) => c.name() === word);
          if (!sub) break;
          found = sub;
        }
        command = found;
        t.not(command, program, `a command: ${line.trim()}`);
      } else if (!line.startsWith('  ')) {
        command = undefined;
        continue;
      }
      if (!command || command === program) continue;
      const path = fullName(command);
      for (const flag of line.replace(/#.*/, '').match(/(?<=\s)--[a-z][a-z-]*/g) ?? []) {
        t.ok(command.options.some((o) => o.long === flag), `${path} has ${flag}`);
      }
      if (checked.has(path)) continue;
      checked.add(path);
      const io = memoryIo({ cwd: tmp.path });
      t.equal(await runCli([...path.split(' '), '--help'], io), 0, `${path} --help`);
      t.match(io.out, new RegExp(`^Usage: baas ${path} `), `${path}: its own help`);
    }
  }
  for (const path of ['init', 'serve', 'backup', 'restore', 'users list', 'users revoke', 'collections import', 'admins reset-password']) {
    t.ok(checked.has(path), `docs/cli.md shows ${path}`);
  }
});

function fullName(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c && c.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}
