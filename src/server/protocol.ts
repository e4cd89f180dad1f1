// Custom requests between the extension (src/ui/lint) and the language server. No `vscode` or
// server imports here: both sides share these names and shapes.

/** Lints every Python file of the workspace (or of `paths`) and publishes the diagnostics. */
export const LINT_WORKSPACE_REQUEST = 'mpscope/lintWorkspace';

export interface LintWorkspaceParams {
  /** Files or directories; default: the workspace folders. */
  paths?: string[];
}

export interface LintWorkspaceResult {
  files: number;
  filesWithFindings: number;
  findings: number;
  /** Files with syntax errors (their findings, if any, come from the recovered tree). */
  unparsable: number;
}
