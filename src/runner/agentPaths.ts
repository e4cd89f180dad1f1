// Where the Python agent is. It ships as source in the extension: src/agent next to dist/.
// From a bundle (dist/cli.js, dist/extension.js) that is ../src/agent; from sources run with
// tsx (src/runner/*.ts) it is ../agent. MPSCOPE_AGENT_DIR overrides both.
import * as fs from 'fs';
import * as path from 'path';

export interface AgentPaths {
  /** src/agent */
  root: string;
  /** The directory put first on PYTHONPATH (holds only sitecustomize.py). */
  bootstrap: string;
  /** The supervisor script. */
  supervisor: string;
}

function isAgentRoot(dir: string): boolean {
  return (
    fs.existsSync(path.join(dir, 'mpscope_agent', '__init__.py')) &&
    fs.existsSync(path.join(dir, 'bootstrap', 'sitecustomize.py')) &&
    fs.existsSync(path.join(dir, 'mpscope_supervisor.py'))
  );
}

/** Found agents by MPSCOPE_AGENT_DIR (its files ship with the extension and do not move; every
 *  run and every ready supervisor looks them up, with up to a dozen file checks). */
const found = new Map<string, AgentPaths>();

export function findAgent(env: NodeJS.ProcessEnv = process.env): AgentPaths {
  const key = env.MPSCOPE_AGENT_DIR ?? '';
  const known = found.get(key);
  if (known && fs.existsSync(known.supervisor)) return known;
  const candidates = [
    env.MPSCOPE_AGENT_DIR,
    path.resolve(__dirname, '..', 'src', 'agent'),
    path.resolve(__dirname, '..', 'agent'),
    path.resolve(__dirname, '..', '..', 'src', 'agent'),
  ].filter((d): d is string => !!d);
  for (const root of candidates) {
    if (isAgentRoot(root)) {
      const paths = { root, bootstrap: path.join(root, 'bootstrap'), supervisor: path.join(root, 'mpscope_supervisor.py') };
      found.set(key, paths);
      return paths;
    }
  }
  throw new Error(`the mpscope Python agent is missing (looked in ${candidates.join(', ')})`);
}
