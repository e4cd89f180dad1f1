import type { Feature } from './context';
import { registerLogCommands } from './log';
import { registerInterpreterTracking } from './python/interpreter';
import { registerAttachDebugger } from './debug';
import { registerOpenExamples } from './examples';
import { registerWalkthrough } from './walkthrough';
import { registerTerminalFollowing } from './terminal';
import { registerProcesses } from './processes';
import { registerRun } from './run';
import { registerSnippets } from './snippets';
import { registerLint } from './lint';

/**
 * Every feature the extension activates, in order. Each issue adds its own `register...` here;
 * keep each one cheap, since activation happens when a Python file opens.
 */
export const FEATURES: Feature[] = [
  registerLogCommands,
  registerInterpreterTracking,
  registerAttachDebugger,
  registerOpenExamples,
  registerProcesses,
  registerRun,
  // After the Processes view and the run feature, whose state these two follow.
  registerWalkthrough,
  registerTerminalFollowing,
  registerSnippets,
  registerLint,
];
