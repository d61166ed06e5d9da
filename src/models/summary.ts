/** The Keras-style summary table of a model, and the bytes of its memory plan by kind. */
import { MEMORY_KINDS, formatBytes } from '../core/memory.js';
import { isExtraOutput, type GraphNode } from './graph.js';
import type { ExecutionPlan } from './plan.js';

const RULE_WIDTH = 65;

function pad(text: string, width: number): string {
  return text.length >= width ? `${text} ` : text + ' '.repeat(width - text.length);
}

/** Renders the table; `connected` adds the Keras functional-model column. */
export function summaryTable(title: string, nodes: readonly GraphNode[], connected: boolean, plan: ExecutionPlan | null = null,
  slotBytes = 0): string {
  const widths = connected ? [29, 26, 10, 24] : [29, 26, 10];
  const rule = '_'.repeat(connected ? 92 : RULE_WIDTH);
  const double = '='.repeat(rule.length);
  const header = ['Layer (type)', 'Output Shape', 'Param #', 'Connected to'].slice(0, widths.length);
  const lines = [`Model: "${title}"`, rule, ' ' + header.map((h, i) => pad(h, widths[i])).join('').trimEnd(), double];
  let total = 0;
  let trainable = 0;
  const counted = new Set<GraphNode['layer']>();
  nodes.forEach((node) => {
    const layer = node.layer;
    if (isExtraOutput(node)) return; // listed with its application's row
    // A shared layer's weights are listed (and counted) at its first application only.
    const first = layer !== null && !counted.has(layer);
    const count = layer && first ? layer.countParams() : 0;
    total += count;
    if (layer && first) { trainable += layer.countTrainableParams(); counted.add(layer); }
    const name = layer ? `${node.name} (${layer.className})` : `${node.name} (InputLayer)`;
    const shapes = layer ? layer.outputShapes : [node.shape];
    const shape = shapes.length === 1 ? `(None, ${node.shape.join(', ')})` : `[${shapes.map((s) => `(None, ${s.join(', ')})`).join(', ')}]`;
    const from = node.inputs.map((j) => nodes[j].name).join(', ');
    if (!connected && !layer) return;
    lines.push(' ' + [name, shape, String(count), from].slice(0, widths.length).map((c, k) => pad(c, widths[k])).join('').trimEnd());
  });
  lines.push(double, `Total params: ${total}`, `Trainable params: ${trainable}`, `Non-trainable params: ${total - trainable}`, rule);
  lines.push(`Weights: params ${formatBytes(4 * total)}, grads ${formatBytes(4 * total)}${slotBytes > 0 ? `, optimizer slots ${formatBytes(slotBytes)}` : ''}`);
  if (plan) {
    const bytes = plan.bytesByKind();
    const kinds = MEMORY_KINDS.filter((k) => bytes[k] > 0).map((k) => `${k} ${formatBytes(bytes[k])}`);
    lines.push(`Memory plan for ${plan.capacity} samples${plan.training ? ' (training)' : ''}: ${kinds.join(', ')}`);
  }
  return lines.join('\n');
}
