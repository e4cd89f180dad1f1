/// <reference lib="dom" />
// The timeline: one lane per process from its start to its exit, the blocked part of a lane in
// the warning colour (error colour when it is part of a deadlock), and a mark with a label where
// it blocked and on what. Plain SVG; colours come from the theme through CSS classes
// (media/report/report.css), so a theme change needs no redraw.
import type { SourceLocation } from '../../../runner/view/model';
import { type TimelineModel, formatMs } from '../../../runner/view/timeline';
import { svg, svgTitle } from './dom';

const LANE_H = 38;
const BAR_H = 12;
const AXIS_H = 22;
const LABEL_W = 190;
const RIGHT_PAD = 90;

export function renderTimeline(
  host: HTMLElement,
  model: TimelineModel,
  onReveal: (loc: SourceLocation) => void,
): number {
  host.replaceChildren();
  const width = Math.max(480, host.clientWidth || 800);
  const plotW = width - LABEL_W - RIGHT_PAD;
  const height = AXIS_H + model.lanes.length * LANE_H + 6;
  const x = (ms: number) => LABEL_W + (plotW * ms) / model.durationMs;
  const root = svg('svg', {
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    class: 'timeline',
    role: 'img',
    'aria-label': 'Timeline of the run, one lane per process',
  });

  // Axis: tick lines through every lane, labels on top.
  const axis = svg('g', { class: 'axis' });
  for (const t of model.ticks) {
    axis.append(
      svg('line', { x1: x(t), x2: x(t), y1: AXIS_H - 4, y2: height, class: 'tick' }),
      svg('text', { x: x(t), y: AXIS_H - 8, class: 'tick-label', 'text-anchor': 'middle' }, formatMs(t)),
    );
  }
  root.append(axis);

  let marks = 0;
  model.lanes.forEach((lane, i) => {
    const top = AXIS_H + i * LANE_H;
    const mid = top + LANE_H / 2;
    const g = svg('g', {
      class: `lane${lane.alive ? ' alive' : ' exited'}${lane.failed ? ' failed' : ''}${lane.killed ? ' killed' : ''}`,
      'data-pid': lane.pid,
    });
    const reveal = (loc: SourceLocation | undefined) => (evt: Event) => {
      evt.stopPropagation();
      if (loc) onReveal(loc);
    };
    if (i % 2 === 1) g.append(svg('rect', { x: 0, y: top, width, height: LANE_H, class: 'stripe' }));
    const label = svg(
      'text',
      { x: 8 + lane.depth * 12, y: mid + 4, class: `lane-label${lane.location ? ' link' : ''}` },
      `${lane.name} `,
      svg('tspan', { class: 'pid' }, String(lane.pid)),
    );
    label.append(svgTitle([`${lane.name} (pid ${lane.pid})`, lane.startedAt, lane.outcome].filter(Boolean).join('\n')));
    label.addEventListener('click', reveal(lane.location));
    g.append(label);

    const bar = svg('rect', {
      x: x(lane.startMs),
      y: mid - BAR_H / 2,
      width: Math.max(2, x(lane.endMs) - x(lane.startMs)),
      height: BAR_H,
      rx: 3,
      class: `bar${lane.location ? ' link' : ''}`,
    });
    bar.append(
      svgTitle(
        `${lane.name} (pid ${lane.pid}) ${formatMs(lane.startMs)} – ${lane.alive ? 'still running' : formatMs(lane.endMs)}` +
          (lane.startedAt ? `\n${lane.startedAt}` : ''),
      ),
    );
    bar.addEventListener('click', reveal(lane.location));
    g.append(bar);

    // The blocked stretch: from the first block to the end of the lane.
    const firstBlock = lane.marks.find((m) => m.kind === 'blocked');
    if (firstBlock) {
      g.append(
        svg('rect', {
          x: x(firstBlock.atMs),
          y: mid - BAR_H / 2,
          width: Math.max(2, x(lane.endMs) - x(firstBlock.atMs)),
          height: BAR_H,
          rx: 3,
          class: `blocked${firstBlock.deadlock ? ' deadlock' : ''}`,
        }),
      );
    }
    for (const m of lane.marks) {
      marks++;
      const mx = x(m.atMs);
      const mark = svg('g', { class: `mark ${m.kind}${m.deadlock ? ' deadlock' : ''}${m.location ? ' link' : ''}` });
      mark.append(
        m.kind === 'blocked'
          ? svg('path', { d: `M ${mx - 6} ${mid - 11} h 12 l -6 8 z`, class: 'mark-shape' })
          : svg('circle', { cx: mx, cy: mid, r: 5, class: 'mark-shape' }),
      );
      if (m.kind === 'blocked') {
        // A drawn pause sign (two bars): fonts in a webview may lack the ⏸ glyph.
        mark.append(
          svg('rect', { x: mx + 8, y: mid - 19, width: 2.5, height: 9, class: 'pause' }),
          svg('rect', { x: mx + 12.5, y: mid - 19, width: 2.5, height: 9, class: 'pause' }),
          svg('text', { x: mx + 19, y: mid - 10, class: 'mark-label' }, m.label),
        );
      }
      mark.append(svgTitle(m.detail + (m.location ? '\n(click to open the line)' : '')));
      mark.addEventListener('click', reveal(m.location));
      g.append(mark);
    }
    g.append(
      svg(
        'text',
        { x: Math.min(width - 4, x(lane.endMs) + 6), y: mid + 4, class: 'outcome', 'text-anchor': 'start' },
        lane.outcome,
      ),
    );
    root.append(g);
  });
  host.append(root);
  return marks;
}
