import type { MpscopeContext } from './context';

/** "mpscope: Show Log": the output channel where mpscope records what it did and why it failed. */
export function registerLogCommands(ctx: MpscopeContext): void {
  ctx.registerCommand('mpscope.showLog', () => ctx.log.show(true));
}
