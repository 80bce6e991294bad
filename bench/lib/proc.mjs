// Child processes for the benchmarks: pinned to one core with taskset, and always stopped by their own pid.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

let tasksetChecked;

/** True when `taskset` (util-linux) can pin processes on this machine. */
export function hasTaskset() {
  if (tasksetChecked === undefined) {
    try {
      execFileSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' });
      tasksetChecked = true;
    } catch {
      tasksetChecked = false;
    }
  }
  return tasksetChecked;
}

/**
 * The command line that runs `argv` on `core`, or on every core for 'all' (the bench itself runs pinned, and a
 * child inherits that); unpinned when taskset is missing or the core is null.
 */
export function pinnedArgv(core, argv) {
  if (core === null || !hasTaskset()) return argv;
  const cores = core === 'all' ? `0-${cpus().length - 1}` : String(core);
  return ['taskset', '-c', cores, ...argv];
}

/** Spawns `argv` pinned to `core`; taskset execs, so the child's pid is the program's own. */
export function spawnPinned(core, argv, options = {}) {
  const [cmd, ...args] = pinnedArgv(core, argv);
  return spawn(cmd, args, options);
}

/** Resolves with the exit code once `child` has exited; sends SIGTERM, then SIGKILL after `graceMs`. */
export function stopChild(child, graceMs = 3000) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    child.kill('SIGTERM');
  });
}

/** Collects a child's stderr (last 64 KiB) so a failure can say why. */
export function captureStderr(child) {
  let text = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk) => {
    text = (text + chunk).slice(-65536);
  });
  return () => text;
}

/** Waits until `predicate(stderrSoFar)` holds, the child exits, or `timeoutMs` passes. */
export function waitForStderr(child, predicate, timeoutMs = 60_000) {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk) => {
      text += chunk;
      if (predicate(text)) done(() => resolve(text));
    };
    const onExit = (code) =>
      done(() => reject(new Error(`child exited (${code}) before it was ready:\n${text.slice(-4000)}`)));
    const timer = setTimeout(
      () => done(() => reject(new Error(`child not ready after ${timeoutMs} ms:\n${text.slice(-4000)}`))),
      timeoutMs,
    );
    const done = (then) => {
      clearTimeout(timer);
      child.stderr.off('data', onData);
      child.off('exit', onExit);
      then();
    };
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', onData);
    child.once('exit', onExit);
  });
}

const CLOCK_TICK_MS = 10; // USER_HZ is 100 on Linux

/** CPU time (user + system, ms) a process has used so far, from /proc; null where /proc is missing. */
export function cpuTimeMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * CLOCK_TICK_MS;
  } catch {
    return null;
  }
}
