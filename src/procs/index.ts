// The process engine: snapshots, tree, roles, zombies, orphans, signals. Plain Node, no `vscode`.
export * from './types';
export * from './roles';
export * from './orphans';
export * from './launches';
export * from './model';
export * from './tree';
export * from './monitor';
export * from './tracker';
export { relevantRecords } from './relevance';
export * from './signals';
export * from './format';
export { createProcessSource } from './source';
export { ProcfsSource } from './procfs/procfsSource';
export { PsListSource } from './pslist/pslistSource';
export { isPythonProcess, isPythonName } from './python';
