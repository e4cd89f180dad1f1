/// <reference lib="dom" />
// The wait-for graph, drawn by cytoscape (bundled; no network). Processes are rounded boxes,
// primitives are ellipses; "waits for" edges are dashed, "held by" edges solid; the cycle is drawn
// in the theme's error colour.
import cytoscape from 'cytoscape';
import type { GraphEdge, GraphNode, WaitForGraph } from '../../../runner/view/graph';
import type { SourceLocation } from '../../../runner/view/model';
import { type ThemeColors, readTheme } from './theme';

export interface GraphViewOptions {
  container: HTMLElement;
  info: HTMLElement;
  onReveal: (loc: SourceLocation) => void;
}

function style(t: ThemeColors): cytoscape.StylesheetJson {
  return [
    {
      selector: 'node',
      style: {
        label: 'data(label)',
        'text-wrap': 'wrap',
        'text-valign': 'center',
        'text-halign': 'center',
        'font-family': t.fontFamily,
        'font-size': t.fontSize,
        color: t.foreground,
        'background-color': t.nodeFill,
        'border-width': 1.5,
        'border-color': t.nodeBorder,
        width: 'label',
        height: 'label',
        padding: '10px',
      },
    },
    { selector: 'node[kind = "process"]', style: { shape: 'round-rectangle' } },
    {
      selector: 'node[kind = "primitive"]',
      style: { shape: 'ellipse', 'background-color': t.primitiveFill, padding: '8px' },
    },
    { selector: 'node[state = "exited"]', style: { 'border-style': 'dashed', color: t.exited } },
    {
      selector: 'node[?inCycle]',
      style: { 'border-color': t.cycle, 'border-width': 3 },
    },
    {
      selector: 'edge',
      style: {
        width: 1.5,
        'curve-style': 'bezier',
        'control-point-step-size': 50,
        'line-color': t.muted,
        'target-arrow-color': t.muted,
        'target-arrow-shape': 'triangle',
        label: 'data(label)',
        'font-family': t.fontFamily,
        'font-size': Math.max(10, t.fontSize - 2),
        color: t.muted,
        'text-background-color': t.background,
        'text-background-opacity': 1,
        'text-background-padding': '2px',
        'text-rotation': 'autorotate',
      },
    },
    { selector: 'edge[kind = "waits-for"]', style: { 'line-style': 'dashed', 'line-dash-pattern': [6, 4] } },
    {
      selector: 'edge[?inCycle]',
      style: { width: 3, 'line-color': t.cycle, 'target-arrow-color': t.cycle, color: t.cycle },
    },
    { selector: ':selected', style: { 'overlay-color': t.focus, 'overlay-opacity': 0.25, 'overlay-padding': 4 } },
    { selector: '.hover', style: { 'overlay-color': t.focus, 'overlay-opacity': 0.15, 'overlay-padding': 4 } },
  ];
}

/**
 * Node order for the circle layout: walk the edges from the first process of a cycle, so that a
 * cycle goes round the circle in order (P1 → L2 → P2 → L1) instead of crossing itself.
 */
function circleOrder(graph: WaitForGraph): Map<string, number> {
  const next = new Map<string, string[]>();
  for (const e of graph.edges) next.set(e.source, [...(next.get(e.source) ?? []), e.target]);
  const order = new Map<string, number>();
  const starts = [
    ...graph.nodes.filter((n) => n.inCycle && n.kind === 'process'),
    ...graph.nodes.filter((n) => n.kind === 'process'),
    ...graph.nodes,
  ];
  for (const s of starts) {
    const stack = [s.id];
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (order.has(id)) continue;
      order.set(id, order.size);
      for (const t of [...(next.get(id) ?? [])].reverse()) stack.push(t);
    }
  }
  return order;
}

export class GraphView {
  private cy: cytoscape.Core | undefined;
  private graph: WaitForGraph | undefined;
  private colors: ThemeColors = readTheme();

  constructor(private readonly options: GraphViewOptions) {}

  get themeColors(): ThemeColors {
    return this.colors;
  }

  render(graph: WaitForGraph): void {
    this.graph = graph;
    this.colors = readTheme();
    this.cy?.destroy();
    const order = circleOrder(graph);
    const nodeData = (n: GraphNode) => ({ data: { ...n, location: undefined, loc: n.location } });
    const edgeData = (e: GraphEdge) => ({ data: { ...e, location: undefined, loc: e.location } });
    this.cy = cytoscape({
      container: this.options.container,
      elements: [...graph.nodes.map(nodeData), ...graph.edges.map(edgeData)],
      style: style(this.colors),
      layout: {
        name: 'circle',
        sort: (a: cytoscape.NodeSingular, b: cytoscape.NodeSingular) =>
          (order.get(a.id()) ?? 0) - (order.get(b.id()) ?? 0),
        // A circle of 2 nodes is a line; keep it short enough to read the edge labels.
        spacingFactor: graph.nodes.length <= 2 ? 0.9 : 0.8,
        padding: 24,
        animate: false,
      } as cytoscape.CircleLayoutOptions,
      minZoom: 0.3,
      maxZoom: 2.5,
      wheelSensitivity: 0.3,
      boxSelectionEnabled: false,
      autoungrabify: false,
    });
    this.cy.fit(undefined, 24);
    if (this.cy.zoom() > 1.4) {
      this.cy.zoom(1.4);
      this.cy.center();
    }
    this.cy.on('tap', 'node, edge', (evt) => {
      const loc = evt.target.data('loc') as SourceLocation | undefined;
      if (loc) this.options.onReveal(loc);
    });
    this.cy.on('mouseover', 'node, edge', (evt) => {
      evt.target.addClass('hover');
      const d = evt.target.data();
      const where = d.loc ? ` (${basename(d.loc.file)}:${d.loc.line}; click to open)` : '';
      const text = d.detail ?? `${this.nodeLabel(d.source)} ${d.label} ${this.nodeLabel(d.target)}`;
      this.options.info.textContent = `${text}${where}`;
      this.options.container.classList.add('pointer');
    });
    this.cy.on('mouseout', 'node, edge', (evt) => {
      evt.target.removeClass('hover');
      this.options.info.textContent = '';
      this.options.container.classList.remove('pointer');
    });
  }

  /** Re-reads the theme and restyles without moving anything. */
  restyle(): void {
    if (!this.cy) return;
    this.colors = readTheme();
    this.cy.style(style(this.colors));
  }

  resize(): void {
    if (!this.cy) return;
    this.cy.resize();
    this.cy.fit(undefined, 24);
    if (this.cy.zoom() > 1.4) {
      this.cy.zoom(1.4);
      this.cy.center();
    }
  }

  private nodeLabel(id: string): string {
    const n = this.graph?.nodes.find((x) => x.id === id);
    return n ? n.label.replace(/\n/g, ' ') : id;
  }
}

function basename(file: string): string {
  return file.split(/[\\/]/).pop() ?? file;
}
