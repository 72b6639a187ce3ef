/**
 * Driver for watchman through fb-watchman, talking to the private server
 * the harness started (WATCHMAN_SOCK). It subscribes from a synced clock,
 * maps each file's exists/new to delete/create/modify, reports a recrawl
 * warning or a fresh instance (what watchman does after an overflow) as
 * OVERFLOW, and answers
 * VIEW with a query of every existing file.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { event, note, overflow, ready, rootArgument, serve, skip } from './protocol.js';

interface FileEntry {
  name: string;
  exists: boolean;
  new: boolean;
}

interface Response {
  watch?: string;
  relative_path?: string;
  clock?: string;
  files?: (FileEntry | string)[];
  subscription?: string;
  is_fresh_instance?: boolean;
  warning?: string;
}

interface Client {
  command(args: unknown[], done: (error: Error | null, response: Response) => void): void;
  on(name: 'subscription', listener: (response: Response) => void): void;
  on(name: 'error', listener: (error: Error) => void): void;
  end(): void;
}

const require = createRequire(import.meta.url);
const { Client } = require('fb-watchman') as { Client: new () => Client };

const root = rootArgument();
const client = new Client();
const command = (args: unknown[]): Promise<Response> =>
  new Promise((resolve, reject) => {
    client.command(args, (error, response) => (error ? reject(error) : resolve(response)));
  });

try {
  const project = await command(['watch-project', root]);
  const watchRoot = project.watch ?? root;
  const scope = project.relative_path ? { relative_root: project.relative_path } : {};
  const base = project.relative_path ? join(watchRoot, project.relative_path) : watchRoot;
  const { clock } = await command(['clock', watchRoot, { sync_timeout: 120_000 }]);
  client.on('subscription', (response) => {
    if (response.subscription !== 'bench') return;
    // After IN_Q_OVERFLOW watchman recrawls and says so in a warning; a
    // fresh instance means it lost track and lists everything again.
    if (response.warning && /recrawl/i.test(response.warning)) overflow('recrawl');
    else if (response.warning) note(`warning: ${response.warning}`);
    if (response.is_fresh_instance) overflow('fresh instance');
    for (const file of response.files ?? []) {
      if (typeof file === 'string') continue;
      event(!file.exists ? 'delete' : file.new ? 'create' : 'modify', join(base, file.name));
    }
  });
  client.on('error', (error) => note(`error: ${error.message}`));
  const fields = ['name', 'exists', 'new'];
  await command(['subscribe', watchRoot, 'bench', { expression: ['true'], fields, since: clock, ...scope }]);
  const view = async (): Promise<string[]> => {
    const result = await command(['query', watchRoot, { expression: ['exists'], fields: ['name'], ...scope }]);
    return (result.files ?? []).map((file) => join(base, typeof file === 'string' ? file : file.name));
  };
  serve({ view, close: () => client.end() });
  ready();
} catch (error) {
  skip(`watchman: ${(error as Error).message}`);
}
