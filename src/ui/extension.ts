// Entry point of the VS Code extension. This folder (src/ui) is the only code that imports
// `vscode`; everything that does the work lives in src/procs, src/runner, src/lint and runs in
// plain Node.
import * as vscode from 'vscode';
import { MpscopeContext } from './context';
import { FEATURES } from './features';
import { integrationsApi, type IntegrationsApi } from './terminal/api';
import { processesApi, type ProcessesApi } from './processes';
import { getRunApi, type RunApi } from './run/api';
import { snippetsApi, type SnippetsApi } from './snippets';

let current: MpscopeContext | undefined;

/** What activate() returns: a small API the extension tests use to see inside. */
export interface MpscopeApi {
  readonly context: MpscopeContext;
  /** Debugger attach and terminal following (src/ui/debug, src/ui/terminal). */
  readonly integrations: IntegrationsApi;
  /** The Processes view (src/ui/processes); undefined if it failed to start. */
  readonly processes: ProcessesApi | undefined;
  /** Running from the editor and its annotations (src/ui/run, findings, report); undefined if it failed to start. */
  readonly run: RunApi | undefined;
  /** The snippet picker (src/ui/snippets); undefined if it failed to start. */
  readonly snippets: SnippetsApi | undefined;
}

export async function activate(extension: vscode.ExtensionContext): Promise<MpscopeApi> {
  const ctx = new MpscopeContext(extension);
  current = ctx;
  extension.subscriptions.push(ctx);
  for (const feature of FEATURES) {
    try {
      await feature(ctx);
    } catch (err) {
      // One broken feature must not take the others down with it.
      ctx.log.error(`feature ${feature.name} failed to start: ${(err as Error)?.stack ?? err}`);
    }
  }
  ctx.log.info(`mpscope ${extension.extension.packageJSON.version} activated`);
  return { context: ctx, integrations: integrationsApi(ctx), processes: processesApi(), run: getRunApi(ctx), snippets: snippetsApi() };
}

export function deactivate(): void {
  current?.dispose();
  current = undefined;
}
