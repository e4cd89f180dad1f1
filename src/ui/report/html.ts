import * as crypto from 'crypto';
import * as vscode from 'vscode';

/**
 * The report webview's page. Strict Content-Security-Policy: nothing by default; the one script
 * and the one inline <style> carry a fresh nonce; the stylesheet comes from the extension.
 * No remote content of any kind.
 *
 * Cytoscape adds a <style id="__________cytoscape_stylesheet"> to <head> unless one exists,
 * which the CSP would block; the page provides it, nonce'd, with the same one rule.
 */
export function reportHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const nonce = crypto.randomBytes(18).toString('base64');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'report.js'));
  const css = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'report', 'report.css'));
  const csp = [
    "default-src 'none'",
    `img-src ${webview.cspSource} data:`,
    `style-src ${webview.cspSource} 'nonce-${nonce}'`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<style nonce="${nonce}" id="__________cytoscape_stylesheet">.__________cytoscape_container { position: relative; }</style>
<link rel="stylesheet" href="${css}">
<title>mpscope run report</title>
</head>
<body>
<div id="empty">No run yet. Run a Python file with mpscope to see its report here.</div>
<main id="content" hidden>
  <header><h1 id="title"></h1><span id="status"></span><span id="python"></span><div id="summary"></div></header>
  <section id="findings-section"><h2>Findings</h2><ul id="findings"></ul></section>
  <section id="graph-section" hidden>
    <h2>Wait-for graph</h2>
    <div class="legend">
      <span><span class="swatch waits"></span>waits for</span>
      <span><span class="swatch held"></span>held by</span>
      <span><span class="swatch cycle"></span>deadlock cycle</span>
      <span>Click a process or a lock to open its line.</span>
    </div>
    <div id="graph" role="img" aria-label="Wait-for graph"></div>
    <div id="graph-info"></div>
  </section>
  <section id="timeline-section"><h2>Timeline</h2><div id="timeline"></div></section>
</main>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
}
