/**
 * The watchers under test. Each runs as its own process: a Node driver from
 * drivers/ speaking the line protocol, the native raw reader, or
 * inotifywait itself (whose output the harness parses). A driver that needs
 * a server (watchman) starts it here and stops it with the session.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { NativeTools } from './native.js';
import { startWatchman } from './watchman-server.js';

/** How the harness learns what a watcher believes exists at the end. */
export type ViewMode = 'dump' | 'replay' | 'none';

export interface Launch {
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  output: 'protocol' | 'inotifywait';
  /** Processes the driver relies on but did not spawn (a server). */
  helpers: number[];
  stop(): Promise<void>;
}

export interface DriverSpec {
  name: string;
  view: ViewMode;
  /** Why it cannot run here, or undefined. */
  unavailable(): string | undefined;
  launch(root: string, native: NativeTools): Promise<Launch>;
}

const nothing = async (): Promise<void> => {};

function hasCommand(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Node flags for every Node driver, from TSNOTIFY_BENCH_NODE_FLAGS (split on
 * spaces), e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile the watchers
 * under the real load (Node refuses --cpu-prof in NODE_OPTIONS).
 */
const nodeFlags = (process.env['TSNOTIFY_BENCH_NODE_FLAGS'] ?? '').split(' ').filter((flag) => flag !== '');

function nodeDriver(name: string, script: string, view: ViewMode, extra: string[] = []): DriverSpec {
  const path = fileURLToPath(new URL(`./drivers/${script}.js`, import.meta.url));
  return {
    name,
    view,
    unavailable: () => undefined,
    launch: async (root) => ({
      command: process.execPath,
      args: [...nodeFlags, path, root, ...extra],
      output: 'protocol',
      helpers: [],
      stop: nothing,
    }),
  };
}

function watchmanDriver(name: string, script: string, view: ViewMode, extra: string[] = []): DriverSpec {
  const base = nodeDriver(name, script, view, extra);
  return {
    ...base,
    unavailable: () => (hasCommand('watchman') ? undefined : 'watchman is not installed (apt-get install watchman)'),
    launch: async (root, native) => {
      const server = await startWatchman();
      const launch = await base.launch(root, native);
      return { ...launch, env: { ...process.env, WATCHMAN_SOCK: server.sock }, helpers: [server.pid], stop: server.stop };
    },
  };
}

const INOTIFYWAIT_EVENTS = 'create,modify,close_write,moved_from,moved_to,delete,attrib';

/** All drivers, in table order. */
export const DRIVERS: readonly DriverSpec[] = [
  {
    name: 'rawinotify',
    view: 'replay',
    unavailable: () => undefined,
    launch: async (root, native) => ({
      command: native.rawinotify,
      args: [root],
      output: 'protocol',
      helpers: [],
      stop: nothing,
    }),
  },
  {
    name: 'inotifywait',
    view: 'replay',
    unavailable: () => (hasCommand('inotifywait') ? undefined : 'inotifywait is not installed (apt-get install inotify-tools)'),
    launch: async (root) => ({
      command: 'inotifywait',
      args: ['-m', '-r', '-e', INOTIFYWAIT_EVENTS, '--format', '%e %w%f', root],
      output: 'inotifywait',
      helpers: [],
      stop: nothing,
    }),
  },
  nodeDriver('parcel', 'parcel', 'replay', ['inotify']),
  watchmanDriver('parcel-watchman', 'parcel', 'replay', ['watchman']),
  watchmanDriver('watchman', 'watchman', 'dump'),
  nodeDriver('chokidar', 'chokidar', 'dump'),
  nodeDriver('fswatch', 'fswatch', 'none'),
  nodeDriver('tsnotify', 'tsnotify', 'replay'),
  {
    ...nodeDriver('tsnotify-fanotify', 'tsnotify', 'replay', ['fanotify']),
    unavailable: () => (process.getuid?.() === 0 ? undefined : 'fanotify needs root'),
  },
];

/** The floor and our own drivers are not "peers" when picking the best peer. */
export function isPeer(name: string): boolean {
  return name !== 'rawinotify' && !name.startsWith('tsnotify');
}
