/// <reference lib="dom" />
// The VS Code theme as the canvas-drawn graph needs it. The webview's CSS uses the
// --vscode-* variables directly; cytoscape draws on a canvas and needs concrete colours, so they
// are read from the computed style at start and again when the theme changes (VS Code swaps the
// body's class and the variables on its style attribute).

export interface ThemeColors {
  foreground: string;
  background: string;
  muted: string;
  nodeFill: string;
  nodeBorder: string;
  primitiveFill: string;
  cycle: string;
  warning: string;
  exited: string;
  focus: string;
  fontFamily: string;
  fontSize: number;
}

function cssVar(style: CSSStyleDeclaration, name: string, fallback: string): string {
  const v = style.getPropertyValue(name).trim();
  return v || fallback;
}

export function readTheme(): ThemeColors {
  const s = getComputedStyle(document.body);
  const foreground = cssVar(s, '--vscode-editor-foreground', cssVar(s, '--vscode-foreground', '#cccccc'));
  return {
    foreground,
    background: cssVar(s, '--vscode-editor-background', '#1e1e1e'),
    muted: cssVar(s, '--vscode-descriptionForeground', foreground),
    nodeFill: cssVar(s, '--vscode-editorWidget-background', cssVar(s, '--vscode-sideBar-background', '#252526')),
    nodeBorder: cssVar(s, '--vscode-editorWidget-border', cssVar(s, '--vscode-contrastBorder', '#454545')),
    primitiveFill: cssVar(s, '--vscode-badge-background', '#4d4d4d'),
    cycle: cssVar(s, '--vscode-editorError-foreground', cssVar(s, '--vscode-errorForeground', '#f14c4c')),
    warning: cssVar(s, '--vscode-editorWarning-foreground', '#cca700'),
    exited: cssVar(s, '--vscode-disabledForeground', '#888888'),
    focus: cssVar(s, '--vscode-focusBorder', '#007fd4'),
    fontFamily: cssVar(s, '--vscode-font-family', 'sans-serif'),
    fontSize: parseFloat(cssVar(s, '--vscode-font-size', '13')) || 13,
  };
}

/** Calls `onChange` when VS Code switches theme (body class or inline variables change). */
export function onThemeChange(onChange: () => void): void {
  // The variables live on <html style>, the theme kind on <body class>; a theme switch changes
  // both in one task, so coalesce to one redraw.
  let pending = false;
  const observer = new MutationObserver(() => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      onChange();
    });
  });
  const options = { attributes: true, attributeFilter: ['class', 'style', 'data-vscode-theme-id'] };
  observer.observe(document.documentElement, options);
  observer.observe(document.body, options);
}
